/** Reading the end of an existing audit log, to continue its chain. */
import { constants, createReadStream, promises as fs } from 'node:fs';

/** The last line is looked for in at most this many bytes from the end. */
export const MAX_TAIL_BYTES = 1024 * 1024;

export interface Tail {
  /** Bytes in the file. */
  size: number;
  /** The last line without its newline; undefined for an empty file, or when `problem` says why it cannot be read. */
  lastLine?: string;
  problem?: string;
  /** False when the file does not end with a newline (a torn write, or an edit). */
  endsWithNewline: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Buffer): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined; // not UTF-8: the caller treats the line as malformed
  }
}

/** The end of the file at `file` (a missing file is an empty one). */
export async function readTail(file: string): Promise<Tail> {
  let fh;
  try {
    fh = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { size: 0, endsWithNewline: true };
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return { size, endsWithNewline: true };
    const length = Math.min(size, MAX_TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    const endsWithNewline = buf[length - 1] === 0x0a;
    const end = endsWithNewline ? length - 1 : length;
    const start = end === 0 ? 0 : buf.lastIndexOf(0x0a, end - 1) + 1;
    if (start === 0 && length < size) return { size, endsWithNewline, problem: `last line is longer than ${MAX_TAIL_BYTES} bytes` };
    const lastLine = decode(buf.subarray(start, end));
    return lastLine === undefined ? { size, endsWithNewline, problem: 'last line is not UTF-8' } : { size, endsWithNewline, lastLine };
  } finally {
    await fh.close();
  }
}

/** `|chain:` and 64 hex digits: how a line ends. */
const CHAIN_SUFFIX_BYTES = 71;

export interface LineScan {
  /** Newlines, plus one for an unterminated last line. */
  lines: number;
  /** The last 71 bytes (latin1) of line `at`, when the file has that line: its `|chain:HEX` field. */
  endOfLine?: string;
}

/** Count the lines of `file` in one pass, noting how line `at` (1-based; 0 for none) ends. */
export async function scanLines(file: string, at = 0): Promise<LineScan> {
  let lines = 0;
  let last = 0x0a;
  let carry = Buffer.alloc(0); // the bytes before the current chunk, at most CHAIN_SUFFIX_BYTES
  let endOfLine: string | undefined;
  const suffix = (before: Buffer): string => before.subarray(-CHAIN_SUFFIX_BYTES).toString('latin1');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
      lines += 1;
      if (lines === at) endOfLine = suffix(Buffer.concat([carry, chunk.subarray(0, i)]));
    }
    if (chunk.length === 0) continue;
    last = chunk[chunk.length - 1];
    carry = chunk.length >= CHAIN_SUFFIX_BYTES
      ? Buffer.from(chunk.subarray(-CHAIN_SUFFIX_BYTES))
      : Buffer.concat([carry, chunk]).subarray(-CHAIN_SUFFIX_BYTES);
  }
  if (last === 0x0a) return { lines, endOfLine };
  lines += 1;
  return { lines, endOfLine: lines === at ? suffix(carry) : endOfLine };
}
