import { describe, expect, it } from 'vitest';
import {
  chainHash, escapeField, formatBody, formatLine, GENESIS, MAX_FIELD_CHARS, parseLine, sha256, splitFields, unescapeField,
  type AuditEntry,
} from './line.js';

const TS = '2026-01-02T03:04:05.678Z';
const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  session: '42', operation: 'open', target: 'src/a.go', status: 'success', metadata: '', ...over,
});

describe('audit/line', () => {
  it('chains the first line from the sha256 of llmr-audit-v1', () => {
    expect(GENESIS).toBe(sha256('llmr-audit-v1'));
    expect(GENESIS).toMatch(/^[0-9a-f]{64}$/);
    const { line, chain } = formatLine(TS, entry(), GENESIS);
    expect(line).toBe(`${TS}|session:42|open|src/a.go|success||chain:${chain}`);
    expect(chain).toBe(sha256(`${GENESIS}\n${TS}|session:42|open|src/a.go|success|`));
  });

  it('keeps the original field order and metadata forms', () => {
    const write = entry({ operation: 'write', metadata: 'hash:abc,bytes:12,action:created,backup:b1' });
    expect(formatBody(TS, write)).toBe(`${TS}|session:42|write|src/a.go|success|hash:abc,bytes:12,action:created,backup:b1`);
    const exec = entry({ operation: 'exec', target: 'go test ./...', status: 'failed', metadata: 'EXEC_FAILED: exit status 1' });
    expect(formatBody(TS, exec)).toBe(`${TS}|session:42|exec|go test ./...|failed|EXEC_FAILED: exit status 1`);
  });

  it('escapes backslash, pipe, newline, CR and control characters', () => {
    expect(escapeField('a|b')).toBe('a\\|b');
    expect(escapeField('a\\b')).toBe('a\\\\b');
    expect(escapeField('a\nb\rc')).toBe('a\\nb\\rc');
    expect(escapeField('\t\x00\x1b[31m\x7f')).toBe('\\x09\\x00\\x1b[31m\\x7f');
    expect(escapeField('a\u2028b\u0085')).toBe('a\\u2028b\\u0085');
    expect(escapeField('\ud800x')).toBe('\\ud800x');
    expect(escapeField('héllo 日本 🎉')).toBe('héllo 日本 🎉');
  });

  it.each([
    'plain', 'a|b|c', 'back\\slash\\', '\\|', 'line1\nline2\r\n', '\\n literal', 'tab\there', 'ünïcödé 🎉 日本',
    '\x00\x01\x1f\x7f', '\u2028\u2029\u0085', 'lone \udc00 and \ud83d', '|||\\\\\\', '', 'x\\x41', 'session:1|exec',
  ])('round-trips %j through escape and parse', (value) => {
    expect(unescapeField(escapeField(value))).toBe(value);
    const e = entry({ session: value, operation: value, target: value, metadata: value });
    const { line } = formatLine(TS, e, GENESIS);
    expect(line).not.toMatch(/[\n\r]/);
    expect(parseLine(line)).toMatchObject(e);
  });

  it('cannot be made to forge a record by an exec target', () => {
    const target = `a|b\n${TS}|session:x|exec|rm -rf /|success|exit_code:0|chain:${'0'.repeat(64)}`;
    const { line, chain } = formatLine(TS, entry({ operation: 'exec', target }), GENESIS);
    expect(line.split('\n')).toHaveLength(1);
    expect(splitFields(line)).toHaveLength(7);
    const parsed = parseLine(line);
    expect(parsed).toMatchObject({ session: '42', operation: 'exec', target, status: 'success', chain });
  });

  it('refuses malformed lines with a reason', () => {
    const { line } = formatLine(TS, entry(), GENESIS);
    const cases: Array<[string, string]> = [
      [line.replace('|open|', '|open|extra|'), 'expected 7 fields, found 8'],
      [line.replace(TS, '2026-01-02 03:04:05'), 'bad timestamp'],
      [line.replace('session:42', 'sess:42'), 'second field does not start with session:'],
      [line.replace('|success|', '|ok|'), 'status is neither success nor failed'],
      [line.slice(0, -1), 'last field is not chain:<64 hex digits>'],
      [line.replace('src/a.go', 'src\\qa.go'), 'bad escape sequence'],
      [line.replace('src/a.go', 'src\\x4'), 'bad escape sequence'],
      [line.replace('src/a.go', 'src\ta.go'), 'unescaped control character'],
      ['', 'expected 7 fields, found 1'],
    ];
    for (const [bad, error] of cases) expect(parseLine(bad), bad).toEqual({ error });
  });

  it('cuts very long fields and says how much was cut', () => {
    const long = 'x'.repeat(MAX_FIELD_CHARS + 10);
    const parsed = parseLine(formatLine(TS, entry({ target: long }), GENESIS).line);
    expect('error' in parsed).toBe(false);
    expect((parsed as { target: string }).target).toBe(`${'x'.repeat(MAX_FIELD_CHARS)}…[+10 chars]`);
  });

  it('makes the chain depend on the previous value and the body', () => {
    expect(chainHash('a', 'b')).not.toBe(chainHash('b', 'a'));
    expect(chainHash('a', 'b')).toBe(sha256('a\nb'));
  });
});
