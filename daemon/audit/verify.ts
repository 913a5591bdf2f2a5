/**
 * Checking an audit log's hash chain. An edited field, an inserted, deleted or reordered line, a
 * deleted first line (the first line must chain from the genesis value) and a torn last line are
 * all reported at the first line where the chain breaks.
 *
 * A chain alone cannot show that lines were deleted from the end: the shorter file is a valid
 * chain. Pass `expectedHead` (the value `AuditLog.head()` had, kept elsewhere) to check that too.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { LlmrError } from '../../protocol/errors.js';
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

/** Verify the chain of the audit log at `file`; FILE_NOT_FOUND when it does not exist. */
export async function verifyAuditLog(file: string, opts: { expectedHead?: string } = {}): Promise<VerifyResult> {
  const stat = await fs.stat(file).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LlmrError('FILE_NOT_FOUND', `audit log ${file} does not exist`, undefined, { cause: err });
    throw new LlmrError('PERMISSION_DENIED', `cannot read audit log ${file}: ${code ?? String(err)}`, undefined, { cause: err });
  });
  if (!stat.isFile()) throw new LlmrError('IS_DIRECTORY', `audit log ${file} is not a regular file`);
  let prev = GENESIS;
  let lines = 0;
  let bad: { line: number; reason: string } | undefined;
  let sawHead = opts.expectedHead === undefined || opts.expectedHead === GENESIS;
  for await (const raw of readLines(file)) {
    lines += 1;
    if (bad !== undefined) continue;
    const result = check(raw, prev);
    if ('reason' in result) bad = { line: lines, reason: result.reason };
    else {
      prev = result.chain;
      if (prev === opts.expectedHead) sawHead = true;
    }
  }
  if (bad !== undefined) return { ok: false, lines, firstBadLine: bad.line, reason: bad.reason, head: prev };
  if (!sawHead) {
    return { ok: false, lines, firstBadLine: lines + 1, reason: 'the expected last chain value is not in the log: lines were deleted from the end', head: prev };
  }
  return { ok: true, lines, head: prev };
}
