/**
 * Checking an audit log's hash chain. An edited field, an inserted, deleted or reordered line, a
 * deleted first line (the first line must chain from the genesis value) and a torn last line are
 * all reported at the first line where the chain breaks.
 *
 * A chain alone cannot show that lines were deleted from the end: the shorter file is a valid
 * chain. The writer's head file `<log>.head` (line count and last chain value) shows it: when
 * the file's chain does not reach the recorded head, the first missing line is reported. A head
 * that is earlier in the chain than its end is fine (the head file is saved a moment after the
 * lines, and lines may be appended after it). A head file that cannot be read or parsed is
 * reported; a missing one is not (logs written before head files existed). `expectedHead` (the
 * value `AuditLog.head()` had, kept elsewhere) is checked the same way.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { LlmrError } from '../../protocol/errors.js';
import { headFileOf, readHead, type ChainState } from './head.js';
import { chainHash, GENESIS, parseLine } from './line.js';

/** A longer line is reported as malformed without being read into memory whole. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export interface VerifyResult {
  ok: boolean;
  /** Lines in the file. */
  lines: number;
  /** 1-based number of the first line that fails (lines + 1 when lines are missing at the end). */
  firstBadLine?: number;
  reason?: string;
  /** The chain value of the last line (GENESIS for an empty file). */
  head: string;
}

interface RawLine { bytes: Buffer; terminated: boolean; tooLong: boolean }

async function* readLines(file: string): AsyncGenerator<RawLine> {
  let rest: Buffer = Buffer.alloc(0);
  let skipping = false;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    const buf = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, start)) {
      yield { bytes: buf.subarray(start, i), terminated: true, tooLong: skipping };
      skipping = false;
      start = i + 1;
    }
    rest = buf.subarray(start);
    if (rest.length > MAX_LINE_BYTES) { skipping = true; rest = Buffer.alloc(0); }
  }
  if (rest.length > 0 || skipping) yield { bytes: rest, terminated: false, tooLong: skipping };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Why the line does not continue the chain from `prev`, or its chain value. */
function check(raw: RawLine, prev: string): { chain: string } | { reason: string } {
  if (raw.tooLong) return { reason: `line is longer than ${MAX_LINE_BYTES} bytes` };
  if (!raw.terminated) return { reason: 'the last line has no newline (a torn write or an edit)' };
  let text: string;
  try {
    text = decoder.decode(raw.bytes);
  } catch {
    return { reason: 'line is not UTF-8' };
  }
  const parsed = parseLine(text);
  if ('error' in parsed) return { reason: `malformed line: ${parsed.error}` };
  if (parsed.chain === chainHash(prev, parsed.body)) return { chain: parsed.chain };
  if (parsed.chain === chainHash(GENESIS, parsed.body)) {
    return { reason: 'the chain starts again here: the lines before it were deleted, or the writer found the log broken' };
  }
  return { reason: 'chain mismatch: this line was edited, or a line before it was deleted, inserted or moved' };
}

interface Walk {
  lines: number;
  head: string;
  bad?: { line: number; reason: string };
  /** The heads looked for that are in the chain. */
  seen: Set<string>;
}

/** Follow the chain to its end or its first bad line, noting which of `wanted` it passes. */
async function walk(file: string, wanted: string[]): Promise<Walk> {
  const w: Walk = { lines: 0, head: GENESIS, seen: new Set(wanted.filter((h) => h === GENESIS)) };
  for await (const raw of readLines(file)) {
    w.lines += 1;
    if (w.bad !== undefined) continue;
    const result = check(raw, w.head);
    if ('reason' in result) w.bad = { line: w.lines, reason: result.reason };
    else {
      w.head = result.chain;
      if (wanted.includes(w.head)) w.seen.add(w.head);
    }
  }
  return w;
}

/** What is wrong with the log judged by its head file, or undefined when the head file agrees. */
function headProblem(file: string, w: Walk, recorded: ChainState | { error: string } | undefined): { line?: number; reason: string } | undefined {
  if (recorded === undefined) return undefined;
  if ('error' in recorded) return { reason: `head file ${headFileOf(file)} is not valid: ${recorded.error}` };
  if (w.seen.has(recorded.head)) return undefined;
  if (w.lines < recorded.lines) return { line: w.lines + 1, reason: `the log ends before line ${w.lines + 1}: lines were removed from its end` };
  return { line: recorded.lines, reason: `line ${recorded.lines} is not the one recorded in ${headFileOf(file)}: the log was rewritten or replaced` };
}

/** Verify the chain of the audit log at `file` (and its head file); FILE_NOT_FOUND when it does not exist. */
export async function verifyAuditLog(file: string, opts: { expectedHead?: string } = {}): Promise<VerifyResult> {
  const stat = await fs.stat(file).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LlmrError('FILE_NOT_FOUND', `audit log ${file} does not exist`, undefined, { cause: err });
    throw new LlmrError('PERMISSION_DENIED', `cannot read audit log ${file}: ${code ?? String(err)}`, undefined, { cause: err });
  });
  if (!stat.isFile()) throw new LlmrError('IS_DIRECTORY', `audit log ${file} is not a regular file`);
  // the head file first: the writer saves it after the lines, so the log then holds at least what it records
  const recorded = await readHead(file);
  const wanted = [opts.expectedHead, recorded !== undefined && !('error' in recorded) ? recorded.head : undefined];
  const w = await walk(file, wanted.filter((h): h is string => h !== undefined));
  const result = { lines: w.lines, head: w.head };
  if (w.bad !== undefined) return { ok: false, ...result, firstBadLine: w.bad.line, reason: w.bad.reason };
  const problem = headProblem(file, w, recorded);
  if (problem !== undefined) {
    return { ok: false, ...result, ...(problem.line === undefined ? {} : { firstBadLine: problem.line }), reason: problem.reason };
  }
  if (opts.expectedHead !== undefined && !w.seen.has(opts.expectedHead)) {
    return { ok: false, ...result, firstBadLine: w.lines + 1, reason: 'the expected last chain value is not in the log: lines were deleted from the end' };
  }
  return { ok: true, ...result };
}
