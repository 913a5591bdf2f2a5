import { describe, expect, it } from 'vitest';
import { countLines, decodeText, sliceLines } from './read.js';

describe('io/read', () => {
  it('decodes UTF-8 text and refuses NUL bytes and invalid UTF-8 as binary', () => {
    expect(decodeText(Buffer.from('héllo 🌍\n'), 'a')).toBe('héllo 🌍\n');
    expect(decodeText(Buffer.from('plain ascii\n'), 'a')).toBe('plain ascii\n');
    expect(decodeText(Buffer.from('\ufeffwith bom é'), 'a')).toBe('with bom é');
    expect(() => decodeText(Buffer.from([0x61, 0xc3]), 'a')).toThrow(expect.objectContaining({ code: 'BINARY_FILE' }));
    expect(() => decodeText(Buffer.from([0x61, 0, 0x62]), 'a')).toThrow(expect.objectContaining({ code: 'BINARY_FILE' }));
    expect(() => decodeText(Buffer.from([0xff, 0xfe, 0x41]), 'a')).toThrow(expect.objectContaining({ code: 'BINARY_FILE' }));
  });

  it('counts lines with and without a final newline', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a')).toBe(1);
    expect(countLines('a\n')).toBe(1);
    expect(countLines('a\nb')).toBe(2);
  });

  it('counts the lines of bytes as of their text, multibyte characters included', () => {
    for (const text of ['', 'a', 'a\n', 'a\nb', '\n\n', 'é€\n😀\nx', 'line\n'.repeat(1000)]) {
      expect(countLines(Buffer.from(text)), JSON.stringify(text.slice(0, 10))).toBe(countLines(text));
    }
  });

  it('slices an inclusive line range and clips it at the end', () => {
    const text = 'l1\nl2\nl3\nl4\n';
    expect(sliceLines(text, { from: 2, to: 3 }, 'f')).toEqual({ content: 'l2\nl3\n', lines: { from: 2, to: 3 } });
    expect(sliceLines(text, { from: 3, to: 99 }, 'f')).toEqual({ content: 'l3\nl4\n', lines: { from: 3, to: 4 } });
    expect(sliceLines('a\nb', { from: 2, to: 2 }, 'f').content).toBe('b');
    expect(() => sliceLines(text, { from: 9, to: 9 }, 'f')).toThrow(/past the end of f \(4 lines\)/);
  });
});
