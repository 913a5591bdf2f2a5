/**
 * The body of a JSON-RPC frame, as llmr's own client and daemon exchange it: file content travels
 * as raw bytes after the JSON, not inside it, so neither side escapes, stringifies or parses a
 * megabyte of text.
 *
 * A *tail frame* is `Content-Length: N` as usual, and a body of: the JSON text of the message,
 * one NUL byte (never present raw in JSON text), then the raw tail bytes. Where a string sits in
 * the message, the JSON carries a placeholder `{"$tail":[offset,length]}` naming its UTF-8 bytes
 * in the tail (offset counted from the first byte after the NUL). Content-Length counts the whole
 * body, tail included, so every size limit applies to the whole message.
 *
 * Negotiated per connection, so a plain JSON-RPC client never sees a tail:
 * - a client that can read tail frames sends the header `Llmr-Wire: tails` with its frames (the
 *   CLI and the MCP server do so from their first request, `daemon/hello`); the daemon accepts a
 *   tail only in a frame that carries the header, and answers a connection that sent it with
 *   tail frames from then on;
 * - a client that never sends the header gets plain JSON, exactly as before (protocol 2).
 *
 * A tail frame whose head is not JSON, whose placeholder is malformed or points outside the tail,
 * or whose tail bytes are not UTF-8 is PARSE_ERROR; it never crashes either side.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { LlmrError } from './errors.js';

/** The header line (with its CRLF) a client sends to say it reads and writes tail frames. */
export const WIRE_HEADER_LINE = 'Llmr-Wire: tails\r\n';

/** The key of a placeholder object: `{"$tail":[offset,length]}`. */
export const TAIL_KEY = '$tail';

/** Strings of a request at least this long (in UTF-16 units) travel in the tail. */
export const TAIL_MIN_CHARS = 1024;

/** Placeholders are looked for this deep in a message, no deeper (llmr's messages are shallow). */
const MAX_DEPTH = 64;

const NUL = Buffer.from([0]);

let sink: { parts: Buffer[]; bytes: number } | undefined;

/** `bytes` (valid UTF-8) as a JS string: ASCII without UTF-8 decoding. */
function textOf(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

function pushTail(bytes: Buffer): { [TAIL_KEY]: [number, number] } {
  const s = sink as { parts: Buffer[]; bytes: number };
  const at = s.bytes;
  s.parts.push(bytes);
  s.bytes += bytes.length;
  return { [TAIL_KEY]: [at, bytes.length] };
}

/**
 * Text the daemon holds as UTF-8 bytes (a file it read): in a tail frame the bytes themselves go
 * out, in a plain JSON frame (and for `String(t)`) it is the decoded string. The bytes must be
 * valid UTF-8 (the caller checked them).
 */
export class Utf8Text {
  private text: string | undefined;

  constructor(readonly bytes: Buffer) {}

  toString(): string {
    this.text ??= textOf(this.bytes);
    return this.text;
  }

  /** Called by JSON.stringify: a placeholder while {@link encodeBody} writes a tail frame. */
  toJSON(): unknown {
    return sink === undefined ? this.toString() : pushTail(this.bytes);
  }
}

/** A result as the daemon may return it: any string may still be {@link Utf8Text}. */
export type OnWire<T> = T extends string ? string | Utf8Text : T extends readonly unknown[] ? { [K in keyof T]: OnWire<T[K]> } : T extends object ? { [K in keyof T]: OnWire<T[K]> } : T;

function longStrings(this: unknown, _key: string, value: unknown): unknown {
  return typeof value === 'string' && value.length >= TAIL_MIN_CHARS ? pushTail(Buffer.from(value, 'utf8')) : value;
}

/**
 * The body of one frame: plain JSON (`tails` false), or a tail frame carrying every
 * {@link Utf8Text} — and, with `strings`, every string of at least {@link TAIL_MIN_CHARS} — as
 * raw bytes. A message with nothing to put in a tail is plain JSON either way.
 */
export function encodeBody(message: unknown, tails: boolean, strings = false): Buffer[] {
  if (!tails) return [Buffer.from(JSON.stringify(message), 'utf8')];
  const own = { parts: [] as Buffer[], bytes: 0 };
  sink = own;
  let json: string;
  try {
    json = JSON.stringify(message, strings ? longStrings : undefined);
  } finally {
    sink = undefined;
  }
  const head = Buffer.from(json, 'utf8');
  return own.parts.length === 0 ? [head] : [head, NUL, ...own.parts];
}

/** A decoded body, or what is wrong with it (and the request's id when the JSON head could be read). */
export type Decoded = { ok: true; message: unknown } | { ok: false; problem: string; id: string | number | null };

function idOf(head: unknown): string | number | null {
  const id = head !== null && typeof head === 'object' ? (head as { id?: unknown }).id : undefined;
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : null;
}

/**
 * The message in one frame body. With `tails`, a NUL byte starts the tail and placeholders become
 * strings again; without, the body must be plain JSON.
 */
export function decodeBody(body: Uint8Array, tails: boolean): Decoded {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const nul = tails ? buf.indexOf(0) : -1;
  let head: unknown;
  try {
    head = JSON.parse(buf.toString('utf8', 0, nul < 0 ? buf.length : nul));
  } catch (err) {
    return { ok: false, problem: `message body is not valid JSON: ${(err as Error).message.slice(0, 120)}`, id: null };
  }
  if (nul < 0) return { ok: true, message: head };
  try {
    return { ok: true, message: resolve(head, { bytes: buf.subarray(nul + 1), claimed: 0 }, 0) };
  } catch (err) {
    return { ok: false, problem: `message tail: ${(err as Error).message}`, id: idOf(head) };
  }
}

/** {@link decodeBody} for a reader that must throw: PARSE_ERROR. */
export function decodeOrThrow(body: Uint8Array, tails: boolean): unknown {
  const d = decodeBody(body, tails);
  if (!d.ok) throw new LlmrError('PARSE_ERROR', d.problem);
  return d.message;
}

/** The tail of one frame, and how many of its bytes placeholders have claimed so far. */
interface Tail { bytes: Buffer; claimed: number }

function resolve(value: unknown, tail: Tail, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) throw new LlmrError('PARSE_ERROR', `placeholders nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = resolve(value[i], tail, depth + 1);
    return value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === TAIL_KEY) return tailString(obj[TAIL_KEY], tail);
  for (const k of keys) obj[k] = resolve(obj[k], tail, depth + 1);
  return obj;
}

function tailString(at: unknown, t: Tail): string {
  const tail = t.bytes;
  if (!Array.isArray(at) || at.length !== 2 || !at.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    throw new LlmrError('PARSE_ERROR', `placeholder ${JSON.stringify(at).slice(0, 60)} is not [offset, length] of two non-negative integers`);
  }
  const [offset, length] = at as [number, number];
  if (offset + length > tail.length) {
    throw new LlmrError('PARSE_ERROR', `placeholder [${offset}, ${length}] reaches past the end of the ${tail.length}-byte tail`);
  }
  // placeholders may not claim more bytes than the tail holds: one megabyte named a thousand times
  // would otherwise become a gigabyte of strings
  t.claimed += length;
  if (t.claimed > tail.length) throw new LlmrError('PARSE_ERROR', `placeholders claim more than the ${tail.length} bytes of the tail`);
  const bytes = tail.subarray(offset, offset + length);
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) throw new LlmrError('PARSE_ERROR', `bytes [${offset}, ${length}] are not valid UTF-8`);
  return bytes.toString('utf8');
}
