import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTail, scanLines } from './tail.js';

let tmp: string;
let file: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-tail-'));
  file = path.join(tmp, 'audit.log');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const chained = (c: string, pad = 10): string => `${'x'.repeat(pad)}|chain:${c.repeat(64)}`;

describe('audit/tail', () => {
  it('reads the last line and whether the file ends with a newline', async () => {
    expect(await readTail(file)).toEqual({ size: 0, endsWithNewline: true });
    writeFileSync(file, 'one\ntwo\n');
    expect(await readTail(file)).toEqual({ size: 8, endsWithNewline: true, lastLine: 'two' });
    writeFileSync(file, 'one\ntw');
    expect(await readTail(file)).toEqual({ size: 6, endsWithNewline: false, lastLine: 'tw' });
  });

  it('counts lines, an unterminated last one included', async () => {
    for (const [text, n] of [['', 0], ['a', 1], ['a\n', 1], ['a\nb', 2], ['\n\n', 2]] as const) {
      writeFileSync(file, text);
      expect((await scanLines(file)).lines).toBe(n);
    }
  });

  it('gives the chain field of the line asked for, terminated or not', async () => {
    writeFileSync(file, `${chained('a')}\n${chained('b')}\n${chained('c')}`);
    expect(await scanLines(file, 2)).toEqual({ lines: 3, endOfLine: `|chain:${'b'.repeat(64)}` });
    expect(await scanLines(file, 3)).toEqual({ lines: 3, endOfLine: `|chain:${'c'.repeat(64)}` });
    expect(await scanLines(file, 4)).toEqual({ lines: 3, endOfLine: undefined });
  });

  it('does not take the end of a line shorter than a chain field for one', async () => {
    writeFileSync(file, `${chained('a', 0).slice(0, -1)}\nshort\n`);
    expect((await scanLines(file, 2)).endOfLine).not.toBe(`|chain:${'a'.repeat(64)}`);
    expect((await scanLines(file, 2)).endOfLine?.endsWith('short')).toBe(true);
  });

  it('finds a chain field that spans two read chunks', async () => {
    const chunk = 64 * 1024;
    const first = `${'y'.repeat(chunk - 40)}\n`;
    writeFileSync(file, `${first}${chained('d')}\n${chained('e')}\n`);
    // the second line's chain field starts in the first 64 KiB chunk and ends in the second
    expect(Buffer.byteLength(first) + 10).toBeLessThan(chunk);
    expect(Buffer.byteLength(first) + 10 + 71).toBeGreaterThan(chunk);
    expect(await scanLines(file, 2)).toEqual({ lines: 3, endOfLine: `|chain:${'d'.repeat(64)}` });
  });
});
