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
 *
 * The writer keeps its line count and chain value in the head file `<log>.head` (see head.ts),
 * saved at most every 200 ms and on close, so that verify can see lines removed from the end.
 * Before each append it checks that the path still names the file it has open: a log that was
 * rotated, replaced (`sed -i`) or deleted is reopened, and one that changed size under it is
 * looked at again (see resume.ts for what each case writes).
 */
import { constants, fstatSync, lstatSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import { headFileOf, headSaver, readHead } from './head.js';
import { formatLine, type AuditEntry } from './line.js';
import { appendMarker, resume, writeAll, type Position } from './resume.js';

export { escapeField, GENESIS, parseLine, unescapeField, type AuditEntry, type AuditLine } from './line.js';
export { verifyAuditLog } from './verify.js';

export interface AuditLog {
  /** Append one line; resolves when it is written (and synced, with `fsync`). */
  append(e: AuditEntry): Promise<void>;
  /** Wait for queued appends, save the head file, then close the file. Appends after close are refused. */
  close(): Promise<void>;
  /** The chain value of the last line written (GENESIS for an empty log): keep it to detect deleted last lines. */
  head(): string;
  path: string;
}

export interface AuditLogOptions {
  clock?: () => Date;
  /** fdatasync after every line (off by default: the chain detects, it does not prevent, loss). */
  fsync?: boolean;
  /** Where a failure to save the head file is logged (it does not fail appends). */
  log?: Logger;
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

/**
 * True when `file` still names the open file `fh` (false when it was replaced, rotated or deleted).
 * Checked before every append with synchronous calls (an lstat and an fstat are microseconds;
 * their fs/promises forms cost the main thread far more per line).
 */
function stillNamed(file: string, fh: fs.FileHandle): { same: boolean; size: bigint } {
  let onDisk;
  try {
    onDisk = lstatSync(file, { bigint: true, throwIfNoEntry: false });
  } catch {
    onDisk = undefined; // unreadable: reopening says why
  }
  const mine = fstatSync(fh.fd, { bigint: true });
  return { same: onDisk !== undefined && onDisk.dev === mine.dev && onDisk.ino === mine.ino, size: mine.size };
}

/** The writer's open file (none after a reopen failed) and where its chain stands. */
interface WriterState {
  fh: fs.FileHandle | undefined;
  pos: Position;
}

/** The handle to append to: reopens the path, or looks at the file again, when it changed under the writer. */
async function currentFile(file: string, st: WriterState, now: Date): Promise<fs.FileHandle> {
  if (st.fh !== undefined) {
    const { same, size } = stillNamed(file, st.fh);
    if (same) {
      if (size !== BigInt(st.pos.size)) st.pos = await resume(file, st.fh, st.pos, now);
      return st.fh;
    }
    const old = st.fh;
    st.fh = undefined;
    await old.close();
  }
  const opened = await openFile(file);
  try {
    st.pos = await resume(file, opened, st.pos, now);
  } catch (err) {
    await opened.close();
    throw err;
  }
  st.fh = opened;
  return opened;
}

/** The log object over the open file `st.fh` whose chain continues from `st.pos`. */
function createWriter(file: string, st: WriterState, opts: AuditLogOptions): AuditLog {
  const clock = opts.clock ?? (() => new Date());
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  const saver = headSaver(file, () => st.pos, (task) => { queue = queue.then(task); }, { sync: opts.fsync === true, log: opts.log });

  async function writeEntry(e: AuditEntry, timestamp: string): Promise<void> {
    try {
      const handle = await currentFile(file, st, clock());
      const { line, chain } = formatLine(timestamp, e, st.pos.head);
      const bytes = writeAll(handle, `${line}\n`);
      if (opts.fsync === true) await handle.datasync();
      st.pos = { lines: st.pos.lines + 1, head: chain, size: st.pos.size + bytes };
    } catch (err) {
      throw err instanceof LlmrError ? err : failure(file, err, 'append');
    } finally {
      saver.changed(); // a reopen may have written a marker even when the append failed
    }
  }

  saver.changed();
  return {
    path: file,
    head: () => st.pos.head,
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
      await saver.flush();
      await st.fh?.close();
    },
  };
}

/** Where the chain continues at open, noting in the log a head file that is not valid (it is then rewritten). */
async function start(file: string, fh: fs.FileHandle, now: Date): Promise<Position> {
  const recorded = await readHead(file);
  const known = recorded === undefined || 'error' in recorded ? undefined : recorded;
  const pos = await resume(file, fh, known, now);
  if (recorded === undefined || !('error' in recorded)) return pos;
  return appendMarker(fh, file, now, pos, pos.head, `audit head file ${headFileOf(file)} is not valid (${recorded.error}); it is rewritten`);
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
    return createWriter(file, { fh, pos: await start(file, fh, clock()) }, opts);
  } catch (err) {
    await fh.close();
    throw failure(file, err, 'open');
  }
}
