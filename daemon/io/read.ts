/**
 * `io/read`: host-side path guard, then the bytes come from a read-only I/O container.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { LlmrError } from '../../protocol/errors.js';
import type { LineRange, ReadParams, ReadResult } from '../../protocol/io.js';
import { withLease } from '../containers/with-lease.js';
import type { ResolvedPath } from '../paths/guard.js';
import type { RequestContext } from '../context.js';
import { auditFailure, withIoDeadline, type IoDeps } from './common.js';

const SNIFF_BYTES = 8000;

/** Text content of `bytes`, or BINARY_FILE: a NUL in the first 8000 bytes or invalid UTF-8. */
export function decodeText(bytes: Buffer, shownPath: string): string {
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) {
    throw new LlmrError('BINARY_FILE', `${shownPath} appears to be binary (contains NUL bytes)`);
  }
  // SIMD checks first: ASCII (most source files) becomes a one-byte string without UTF-8 decoding
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw new LlmrError('BINARY_FILE', `${shownPath} appears to be binary (not valid UTF-8)`);
  // like TextDecoder, drop a leading byte-order mark
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return (bom ? bytes.subarray(3) : bytes).toString('utf8');
}

/** Lines `range.from`…`range.to` (1-based, inclusive) of `text`; `to` is clipped to the end. */
export function sliceLines(text: string, range: LineRange, shownPath: string): { content: string; lines: LineRange } {
  const lines = text.split('\n');
  const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
  if (range.from > Math.max(count, 1)) {
    throw new LlmrError('INVALID_SYNTAX', `line ${range.from} is past the end of ${shownPath} (${count} lines)`);
  }
  const to = Math.min(range.to, count);
  const picked = lines.slice(range.from - 1, to).join('\n');
  return { content: to < count || text.endsWith('\n') ? `${picked}\n` : picked, lines: { from: range.from, to } };
}

export function countLines(text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n += 1;
  return text.endsWith('\n') ? n : n + 1;
}

async function resolveTarget(guard: IoDeps['guard'], params: ReadParams): Promise<{ target: ResolvedPath; lines?: LineRange }> {
  if (params.literalPath !== undefined && params.lines !== undefined) {
    const literal = await guard.forRead(params.literalPath).catch(() => undefined);
    if (literal?.exists) return { target: literal }; // a real file named `x#L10` wins over the range
  }
  return { target: await guard.forRead(params.path), lines: params.lines };
}

/** Read one file for the model. */
export async function readFile(deps: IoDeps, params: ReadParams, ctx: RequestContext): Promise<ReadResult> {
  const shown = params.path;
  const { limits, audit } = deps;
  try {
    if (!limits.open.enabled) throw new LlmrError('COMMAND_DISABLED', 'open is disabled by commands.open.enabled');
    const { target, lines } = await resolveTarget(deps.guard, params);
    const max = limits.open.maxFileSize;
    if (target.size !== undefined && target.size > max) {
      throw new LlmrError('FILE_TOO_LARGE', `${shown} is ${target.size} bytes, limit ${max} (commands.open.max_file_size)`);
    }
    const { content: bytes } = await withIoDeadline(limits.timeoutSeconds, ctx, `reading ${shown}`,
      (signal) => withLease(deps.readPool, signal, (lease) => lease.conn.read(target.rel, max, signal)));
    const text = decodeText(bytes, shown);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const base = { path: target.rel, size: bytes.length, lineCount: countLines(text), sha256 };
    const result: ReadResult = lines === undefined ? { ...base, content: text } : { ...base, ...sliceLines(text, lines, shown) };
    audit.record({ session: ctx.session, operation: 'open', target: shown, status: 'success', metadata: `bytes:${bytes.length},sha256:${sha256}` });
    return result;
  } catch (err) {
    auditFailure(audit, ctx, 'open', shown, err);
    throw err;
  }
}
