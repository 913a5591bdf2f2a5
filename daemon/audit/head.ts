/**
 * The head file beside an audit log, `<log>.head`: how many lines the writer had written and the
 * chain value of the last one. Removing lines from the end of a log leaves a valid, shorter chain;
 * the head file is what shows that lines are missing.
 *
 * One line of JSON, mode 0600, replaced atomically (a temp file in the same directory, renamed):
 * `{"format":"llmr-audit-head-v1","lines":5,"head":"<64 hex digits>"}`.
 */
import { constants, promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import { GENESIS } from './line.js';

export const HEAD_FORMAT = 'llmr-audit-head-v1';

/** A real head file is about 110 bytes; a larger one is not ours. */
const MAX_HEAD_BYTES = 4096;
const HEX64 = /^[0-9a-f]{64}$/;

/** The head file is saved at most this often while appends come in. */
export const HEAD_SAVE_INTERVAL_MS = 200;

/** Lines written to a log and the chain value of the last one (GENESIS for none). */
export interface ChainState {
  lines: number;
  head: string;
}

export function headFileOf(log: string): string {
  return `${log}.head`;
}

export function formatHead(s: ChainState): string {
  return `${JSON.stringify({ format: HEAD_FORMAT, lines: s.lines, head: s.head })}\n`;
}

/** Parse a head file's text; `{ error }` says what is wrong with it. */
export function parseHead(text: string): ChainState | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (Object.keys(o).sort().join(',') !== 'format,head,lines') return { error: 'expected the keys format, lines and head' };
  if (o.format !== HEAD_FORMAT) return { error: `format is not ${HEAD_FORMAT}` };
  if (typeof o.lines !== 'number' || !Number.isSafeInteger(o.lines) || o.lines < 0) return { error: 'lines is not a non-negative integer' };
  if (typeof o.head !== 'string' || !HEX64.test(o.head)) return { error: 'head is not 64 hex digits' };
  if (o.lines === 0 && o.head !== GENESIS) return { error: 'a head of 0 lines is not the genesis value' };
  return { lines: o.lines, head: o.head };
}

/** The head file of `log`: undefined when there is none, `{ error }` when it cannot be read or parsed. */
export async function readHead(log: string): Promise<ChainState | { error: string } | undefined> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(headFileOf(log), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? undefined : { error: `cannot be read: ${code ?? String(err)}` };
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) return { error: 'not a regular file' };
    if (stat.size > MAX_HEAD_BYTES) return { error: `larger than ${MAX_HEAD_BYTES} bytes` };
    const buf = Buffer.alloc(MAX_HEAD_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return parseHead(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}

const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Create the temp file `tmp` (removing one left by a crash of a process with our pid first). */
async function createTemp(tmp: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(tmp, TEMP_FLAGS, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await fs.unlink(tmp);
    return fs.open(tmp, TEMP_FLAGS, 0o600);
  }
}

/**
 * Replace the head file of `log` with `s` (temp file 0600 + rename; `sync` flushes it first).
 * Four calls off the main thread (open, write, close, rename): it runs every 200 ms while busy.
 */
export async function writeHead(log: string, s: ChainState, sync = false): Promise<void> {
  const target = headFileOf(log);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    const fh = await createTemp(tmp);
    try {
      await fh.writeFile(formatHead(s), 'utf8');
      if (sync) await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export interface HeadSaver {
  changed(): void;
  flush(): Promise<void>;
}

/**
 * Saves the head file of `file` at most every HEAD_SAVE_INTERVAL_MS after `changed()`, and on `flush()`;
 * saves run through `enqueue` so that they follow the appends before them.
 */
export function headSaver(
  file: string, current: () => ChainState, enqueue: (task: () => Promise<void>) => void, opts: { sync: boolean; log?: Logger },
): HeadSaver {
  let saved = '';
  let lastSave = 0;
  let timer: NodeJS.Timeout | undefined;
  async function save(): Promise<void> {
    const { lines, head } = current();
    if (saved === `${lines} ${head}`) return;
    lastSave = Date.now();
    try {
      await writeHead(file, { lines, head }, opts.sync);
      saved = `${lines} ${head}`;
    } catch (err) {
      opts.log?.error({ err, file }, 'cannot save the audit head file');
    }
  }
  return {
    changed() {
      if (timer !== undefined) return;
      timer = setTimeout(() => { timer = undefined; enqueue(save); }, Math.max(0, lastSave + HEAD_SAVE_INTERVAL_MS - Date.now()));
      timer.unref();
    },
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      await save();
    },
  };
}
