/**
 * The append-only audit log (DESIGN §11). One line per operation, written with one `write` on a
 * file opened `O_APPEND`; appends go through a queue so concurrent operations never interleave
 * and the chain order is the file order.
 *
 * Reopening an existing log continues its chain from the last line. When the last line cannot
 * be parsed (a write torn by a crash, or an edit), the writer cannot know the chain value to
 * continue from: it terminates the fragment with a newline and writes a marker line
 * (`operation audit`, status `failed`, metadata `chain broken at line N: …`) that starts a new
 * chain from the genesis value. `verifyAuditLog` keeps reporting the broken line: a crash and
 * tampering look the same, and a person has to decide which it was.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import { formatLine, GENESIS, parseLine, type AuditEntry } from './line.js';
import { countLines, readTail } from './tail.js';

export { escapeField, GENESIS, parseLine, unescapeField, type AuditEntry, type AuditLine } from './line.js';
export { verifyAuditLog } from './verify.js';

export interface AuditLog {
  /** Append one line; resolves when it is written (and synced, with `fsync`). */
  append(e: AuditEntry): Promise<void>;
  /** Wait for queued appends, then close the file. Appends after close are refused. */
  close(): Promise<void>;
  /** The chain value of the last line written (GENESIS for an empty log): keep it to detect deleted last lines. */
  head(): string;
  path: string;
}

export interface AuditLogOptions {
  clock?: () => Date;
  /** fdatasync after every line (off by default: the chain detects, it does not prevent, loss). */
  fsync?: boolean;
}

const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Opening fails as PERMISSION_DENIED (the usual cause); a failed append is INTERNAL (the daemon logs it). */
function failure(file: string, err: unknown, stage: 'open' | 'append'): LlmrError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new LlmrError(stage === 'open' ? 'PERMISSION_DENIED' : 'INTERNAL', `cannot ${stage} audit log ${file}: ${code}`, undefined, { cause: err });
}

async function openFile(file: string): Promise<fs.FileHandle> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const fh = await fs.open(file, OPEN_FLAGS, 0o600);
  const stat = await fh.stat();
  if (!stat.isFile()) {
    await fh.close();
    throw new LlmrError('PERMISSION_DENIED', `audit log ${file} is not a regular file`);
  }
  if ((stat.mode & 0o077) !== 0) await fh.chmod(0o600);
  return fh;
}

async function writeAll(fh: fs.FileHandle, text: string): Promise<void> {
  let buf = Buffer.from(text, 'utf8');
  while (buf.length > 0) {
    const { bytesWritten } = await fh.write(buf, 0, buf.length);
    buf = buf.subarray(bytesWritten);
  }
}

/** Where the chain continues, writing the newline or segment marker an unclean end needs. */
async function resume(file: string, fh: fs.FileHandle, now: Date): Promise<string> {
  const tail = await readTail(file);
  if (tail.size === 0) return GENESIS;
  const parsed = tail.lastLine === undefined ? { error: tail.problem ?? 'unreadable' } : parseLine(tail.lastLine);
  if (!('error' in parsed)) {
    if (!tail.endsWithNewline) await writeAll(fh, '\n');
    return parsed.chain;
  }
  const n = await countLines(file);
  const reason = tail.endsWithNewline ? parsed.error : `${parsed.error}, no final newline`;
  const marker: AuditEntry = {
    session: 'llmr', operation: 'audit', target: file, status: 'failed',
    metadata: `chain broken at line ${n}: ${reason}; a new chain starts here`,
  };
  const { line, chain } = formatLine(now.toISOString(), marker, GENESIS);
  await writeAll(fh, `${tail.endsWithNewline ? '' : '\n'}${line}\n`);
  return chain;
}

/** The log object over an open file whose chain continues from `head`. */
function createWriter(file: string, fh: fs.FileHandle, head: string, clock: () => Date, fsync: boolean): AuditLog {
  let queue: Promise<void> = Promise.resolve();
  let closed = false;

  async function writeEntry(e: AuditEntry, timestamp: string): Promise<void> {
    const { line, chain } = formatLine(timestamp, e, head);
    try {
      await writeAll(fh, `${line}\n`);
      if (fsync) await fh.datasync();
    } catch (err) {
      throw failure(file, err, 'append');
    }
    head = chain;
  }

  return {
    path: file,
    head: () => head,
    append(e) {
      if (closed) return Promise.reject(new LlmrError('INTERNAL', `audit log ${file} is closed`));
      if (e.status !== 'success' && e.status !== 'failed') {
        return Promise.reject(new LlmrError('INTERNAL', `audit status ${String(e.status)} is neither success nor failed`));
      }
      const timestamp = clock().toISOString();
      const written = queue.then(() => writeEntry(e, timestamp));
      queue = written.catch(() => undefined); // the caller gets the error; later appends still run
      return written;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await fh.close();
    },
  };
}

/**
 * Open (creating directory 0700 and file 0600) the audit log at `file` and continue its chain.
 * Fails with PERMISSION_DENIED when the file cannot be opened for appending.
 */
export async function openAuditLog(file: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
  const clock = opts.clock ?? (() => new Date());
  let fh: fs.FileHandle;
  try {
    fh = await openFile(file);
  } catch (err) {
    throw err instanceof LlmrError ? err : failure(file, err, 'open');
  }
  try {
    return createWriter(file, fh, await resume(file, fh, clock()), clock, opts.fsync === true);
  } catch (err) {
    await fh.close();
    throw failure(file, err, 'open');
  }
}
