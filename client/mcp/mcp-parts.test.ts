import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { checkArgs } from './check-args.js';
import { numberedSlice } from './read-view.js';
import { LineTransport } from './stdio-transport.js';
import { TOOLS } from './tools.js';

const spec = (name: string) => TOOLS.find((t) => t.name === name)!;
function message(run: () => unknown): string {
  try { run(); } catch (err) { if (err instanceof LlmrError) return `${err.code}: ${err.message}`; throw err; }
  return 'OK';
}

describe('client/mcp', () => {
  it('names the field of every argument error', () => {
    expect(message(() => checkArgs(spec('read_file'), {}))).toBe('INVALID_PARAMS: path is required');
    expect(message(() => checkArgs(spec('read_file'), { path: 3 }))).toBe('INVALID_PARAMS: path must be a string, got 3');
    expect(message(() => checkArgs(spec('grep'), { pattern: 'a', context: 1.5 }))).toBe('INVALID_PARAMS: context must be an integer, got 1.5');
    expect(message(() => checkArgs(spec('edit_file'), { path: 'a', edits: [] }))).toBe('INVALID_PARAMS: edits needs at least 1 item, got []');
    expect(message(() => checkArgs(spec('edit_file'), { path: 'a', edits: [{ old_string: 'x' }] }))).toBe('INVALID_PARAMS: edits[0].new_string is required');
    expect(message(() => checkArgs(spec('read_file'), { path: 'a', lines: 3 }))).toMatch(/^INVALID_PARAMS: lines is not an argument of this tool/);
    expect(checkArgs(spec('grep'), { pattern: 'a', include: '*.py' })).toEqual({ pattern: 'a', include: ['*.py'] });
  });

  it('numbers lines, counts negative starts from the end and says when the view is partial', () => {
    const text = 'a\nb\nc\nd\n';
    expect(numberedSlice(text, 4)).toEqual({ text: '     1\ta\n     2\tb\n     3\tc\n     4\td', from: 1, to: 4, partial: false });
    expect(numberedSlice(text, 4, -2)).toMatchObject({ text: '     3\tc\n     4\td', from: 3, to: 4, partial: true });
    expect(numberedSlice(text, 4, 2, 99)).toMatchObject({ from: 2, to: 4, partial: true });
    expect(message(() => numberedSlice(text, 4, 9))).toMatch(/^INVALID_PARAMS: start_line 9 is past the end/);
    expect(message(() => numberedSlice(text, 4, 3, 2))).toMatch(/^INVALID_PARAMS: end_line 2 is before start_line 3/);
  });

  it('reads messages split anywhere and drops an oversized one without closing', async () => {
    const input = new PassThrough();
    const t = new LineTransport(input, new PassThrough(), 100);
    const got: unknown[] = [];
    const errors: string[] = [];
    t.onmessage = (m) => void got.push(m);
    t.onerror = (e) => void errors.push(e.message);
    await t.start();
    const a = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    for (const ch of `${a}\n`) input.write(ch);
    input.write(`{"jsonrpc":"2.0","id":2,"method":"x","params":{"p":"${'y'.repeat(200)}"}}\n${a.replace('1', '3')}\n`);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 3, method: 'ping' }]);
    expect(errors).toEqual(['message larger than 100 bytes dropped']);
  });
});
