/**
 * `io/read`: host-side path guard, then the bytes come from a read-only I/O container. A whole
 * file stays bytes (`Utf8Text`): the connection sends them as they are (protocol/wire.ts) or as a
 * JSON string to a plain JSON-RPC client; only a line range is cut from a decoded string.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { LlmrError } from '../../protocol/errors.js';
import type { LineRange, ReadParams, ReadResult } from '../../protocol/io.js';
import { Utf8Text } from '../../protocol/wire.js';
import { withLease } from '../containers/with-lease.js';
import type { ResolvedPath } from '../paths/guard.js';
import type { RequestContext } from '../context.js';
import { auditFailure, withIoDeadline, type IoDeps } from './common.js';

const SNIFF_BYTES = 8000;

/** `io/read`'s result as the daemon returns it: a whole file's content may still be its bytes. */
export type ReadAnswer = Omit<ReadResult, 'content'> & { content: string | Utf8Text };

/** The text bytes of `bytes` (a leading BOM dropped), or BINARY_FILE: a NUL in the first 8000 bytes or invalid UTF-8. */
export function textBytes(bytes: Buffer, shownPath: string): { text: Buffer; ascii: boolean } {
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) {
    throw new LlmrError('BINARY_FILE', `${shownPath} appears to be binary (contains NUL bytes)`);
  }
  // SIMD checks first: ASCII (most source files) needs no UTF-8 decoding
  if (isAscii(bytes)) return { text: bytes, ascii: true };
  if (!isUtf8(bytes)) throw new LlmrError('BINARY_FILE', `${shownPath} appears to be binary (not valid UTF-8)`);
  // like TextDecoder, drop a leading byte-order mark
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return { text: bom ? bytes.subarray(3) : bytes, ascii: false };
}

/** Text content of `bytes`, or BINARY_FILE (see {@link textBytes}). */
export function decodeText(bytes: Buffer, shownPath: string): string {
  const { text, ascii } = textBytes(bytes, shownPath);
  return text.toString(ascii ? 'latin1' : 'utf8');
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

/** Lines of `text` (a string, or its UTF-8 bytes: a 0x0A byte is always a newline); a last line without newline counts. */
export function countLines(text: string | Buffer): number {
  if (text.length === 0) return 0;
  let n = 0;
  if (typeof text === 'string') {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n += 1;
    return text.endsWith('\n') ? n : n + 1;
  }
  // a plain loop: Buffer#indexOf is a native call each time, 3× slower on a file of short lines
  for (let i = 0; i < text.length; i += 1) if (text[i] === 0x0a) n += 1;
  return text[text.length - 1] === 0x0a ? n : n + 1;
}

async function resolveTarget(guard: IoDeps['guard'], params: ReadParams): Promise<{ target: ResolvedPath; lines?: LineRange }> {
  if (params.literalPath !== undefined && params.lines !== undefined) {
    const literal = await guard.forRead(params.literalPath).catch(() => undefined);
    if (literal?.exists) return { target: literal }; // a real file named `x#L10` wins over the range
  }
  return { target: await guard.forRead(params.path), lines: params.lines };
}

/** Read one file for the model. */
export async function readFile(deps: IoDeps, params: ReadParams, ctx: RequestContext): Promise<ReadAnswer> {
  const shown = params.path;
  const { limits, audit } = deps;
  try {
    if (!limits.open.enabled) throw new LlmrError('COMMAND_DISABLED', 'open is disabled by commands.open.enabled');
    const { target, lines } = await resolveTarget(deps.guard, params);
    const max = limits.open.maxFileSize;
    if (target.size !== undefined && target.size > max) {
      throw new LlmrError('FILE_TOO_LARGE', `${shown} is ${target.size} bytes, limit ${max} (commands.open.max_file_size)`);
    }
    const id = target.id;
    if (id === undefined) throw new LlmrError('INTERNAL', `the path guard gave no identity for ${shown}`);
    const { content: bytes } = await withIoDeadline(limits.timeoutSeconds, ctx, `reading ${shown}`,
      (signal) => withLease(deps.readPool, signal, (lease) => lease.conn.read(target.rel, max, id, signal)));
    const { text, ascii } = textBytes(bytes, shown);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const base = { path: target.rel, size: bytes.length, lineCount: countLines(text), sha256 };
    const result: ReadAnswer = lines === undefined
      ? { ...base, content: new Utf8Text(text) }
      : { ...base, ...sliceLines(text.toString(ascii ? 'latin1' : 'utf8'), lines, shown) };
    audit.record({ session: ctx.session, operation: 'open', target: shown, status: 'success', metadata: `bytes:${bytes.length},sha256:${sha256}` });
    return result;
  } catch (err) {
    auditFailure(audit, ctx, 'open', shown, err);
    throw err;
  }
}
