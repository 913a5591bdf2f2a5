/**
 * The tag mode's `--input` and `--output` files, with errors people can read (no raw errno codes).
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { LlmrError } from '../protocol/errors.js';

/** Where the tag mode's output goes. */
export interface OutputSink {
  write: (text: string) => void;
  close: () => void;
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EMFILE: 'too many open files',
};

/**
 * A file system error in words: `no such file` (reading) or `no such directory` (writing: the
 * file is created, so what is missing is its directory); unknown codes stay as they are.
 */
export function describeFileError(err: unknown, mode: 'read' | 'write'): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return err instanceof Error ? err.message : String(err);
  if (code === 'ENOENT') return mode === 'read' ? 'no such file' : 'no such directory';
  return REASONS[code] ?? code;
}

/** `--input FILE` opened for reading; a USAGE error naming the file when it cannot be. */
export function openInput(file: string): Readable {
  try {
    return createReadStream('', { fd: openSync(file, 'r') });
  } catch (err) {
    throw inputError(file, err);
  }
}

/** The USAGE error for an input file that cannot be opened or read. */
export function inputError(file: string, err: unknown): LlmrError {
  return new LlmrError('USAGE', `cannot read input file ${file}: ${describeFileError(err, 'read')}`, undefined, { cause: err });
}

/** `--output FILE` (created or truncated, mode 0644), else standard output. */
export function openOutput(file: string | undefined, stdout: Writable): OutputSink {
  if (file === undefined) {
    // a closed pipe (`llmr | head`) must not crash the client with an unhandled 'error'
    stdout.on('error', () => undefined);
    return { write: (text) => void stdout.write(text), close: () => undefined };
  }
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o644);
  } catch (err) {
    throw new LlmrError('USAGE', `cannot write output file ${file}: ${describeFileError(err, 'write')}`, undefined, { cause: err });
  }
  return { write: (text) => void writeSync(fd, text), close: () => closeSync(fd) };
}
