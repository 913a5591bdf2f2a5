/**
 * The audit line format: the original's six fields plus a hash chain,
 * `TIMESTAMP|session:ID|OPERATION|TARGET|STATUS|METADATA|chain:HEX`.
 *
 * Every field is escaped so that no value can add a field or a line: `\` → `\\`, `|` → `\|`,
 * LF → `\n`, CR → `\r`, other control characters → `\xHH`, and the characters some tools treat
 * as line breaks (U+0085, U+2028, U+2029) or cannot store (lone surrogates) → `\uHHHH`.
 * `chain` is `sha256(previous chain + "\n" + the line up to, not including, "|chain:")`; the
 * first line chains from {@link GENESIS}.
 */
import { hash } from 'node:crypto';

/** An operation as the audit log records it. */
export interface AuditEntry {
  session: string;
  operation: string;
  target: string;
  status: 'success' | 'failed';
  metadata: string;
}

/** One parsed line: the entry, its timestamp and chain value, and the chained text (`body`). */
export interface AuditLine extends AuditEntry {
  timestamp: string;
  chain: string;
  body: string;
}

export const AUDIT_VERSION = 'llmr-audit-v1';

/** The chain value the first line links to. */
export const GENESIS = sha256(AUDIT_VERSION);

/** Longer fields are cut (before escaping) and marked, so one operation cannot make a huge line. */
export const MAX_FIELD_CHARS = 8192;

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const CHAIN_FIELD = /^chain:[0-9a-f]{64}$/;
const RAW_CONTROL = /[\x00-\x1f\x7f\u0085\u2028\u2029]/;
const NEEDS_ESCAPE = /[\\|\n\r\x00-\x1f\x7f\u0085\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SIMPLE: Record<string, string> = { '\\': '\\\\', '|': '\\|', '\n': '\\n', '\r': '\\r' };
const UNSIMPLE: Record<string, string> = { '\\': '\\', '|': '|', n: '\n', r: '\r' };

export function sha256(text: string): string {
  return hash('sha256', text, 'hex'); // one-shot: no Hash object (createHash costs more than the hashing of a line)
}

/** The chain value of a line whose chained text is `body`, following the line whose chain value is `prev`. */
export function chainHash(prev: string, body: string): string {
  return sha256(`${prev}\n${body}`);
}

/** Escape one field value (see the module comment). */
export function escapeField(s: string): string {
  return s.replace(NEEDS_ESCAPE, (ch) => {
    const simple = SIMPLE[ch];
    if (simple !== undefined) return simple;
    const code = ch.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Undo {@link escapeField}; undefined when `s` holds an unescaped `|` or a bad escape. */
export function unescapeField(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '|') return undefined;
    if (ch !== '\\') { out += ch; continue; }
    const next = s[i + 1];
    if (next !== undefined && UNSIMPLE[next] !== undefined) { out += UNSIMPLE[next]; i += 1; continue; }
    const hex = next === 'x' ? s.slice(i + 2, i + 4) : next === 'u' ? s.slice(i + 2, i + 6) : '';
    if (hex === '' || !/^[0-9a-f]+$/.test(hex) || hex.length !== (next === 'x' ? 2 : 4)) return undefined;
    out += String.fromCharCode(parseInt(hex, 16));
    i += 1 + hex.length;
  }
  return out;
}

/** Split a line at the `|` that are not escaped. */
export function splitFields(line: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i += 1;
    else if (line[i] === '|') { fields.push(line.slice(start, i)); start = i + 1; }
  }
  fields.push(line.slice(start));
  return fields;
}

function cut(s: string): string {
  return s.length <= MAX_FIELD_CHARS ? s : `${s.slice(0, MAX_FIELD_CHARS)}…[+${s.length - MAX_FIELD_CHARS} chars]`;
}

/** The chained text of a line: the six escaped fields. */
export function formatBody(timestamp: string, e: AuditEntry): string {
  const fields = [`session:${cut(e.session)}`, cut(e.operation), cut(e.target), e.status, cut(e.metadata)];
  return [timestamp, ...fields.map(escapeField)].join('|');
}

/** A whole line (without the newline). */
export function formatLine(timestamp: string, e: AuditEntry, prev: string): { line: string; chain: string } {
  const body = formatBody(timestamp, e);
  const chain = chainHash(prev, body);
  return { line: `${body}|chain:${chain}`, chain };
}

/** Parse one line (without its newline); `{ error }` says what is wrong with a malformed one. */
export function parseLine(line: string): AuditLine | { error: string } {
  const raw = splitFields(line);
  if (raw.length !== 7) return { error: `expected 7 fields, found ${raw.length}` };
  const [timestamp, sessionField, operation, target, status, metadata, chainField] = raw;
  if (!TIMESTAMP.test(timestamp)) return { error: 'bad timestamp' };
  if (!sessionField.startsWith('session:')) return { error: 'second field does not start with session:' };
  if (status !== 'success' && status !== 'failed') return { error: 'status is neither success nor failed' };
  if (!CHAIN_FIELD.test(chainField)) return { error: 'last field is not chain:<64 hex digits>' };
  if (RAW_CONTROL.test(line)) return { error: 'unescaped control character' };
  const values = [sessionField.slice('session:'.length), operation, target, metadata].map(unescapeField);
  if (values.some((v) => v === undefined)) return { error: 'bad escape sequence' };
  const [session, op, tgt, meta] = values as string[];
  return {
    timestamp, session, operation: op, target: tgt, status, metadata: meta,
    chain: chainField.slice('chain:'.length), body: line.slice(0, line.length - chainField.length - 1),
  };
}
