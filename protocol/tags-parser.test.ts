import { describe, expect, it } from 'vitest';
import { prng } from '../test/support/prng.js';
import { TagParser, parseTags, type ParsedItem, type TagParserOptions } from './tags.js';


function feed(chunks: Iterable<string>, options?: TagParserOptions): ParsedItem[] {
  const parser = new TagParser(options);
  const items: ParsedItem[] = [];
  for (const chunk of chunks) items.push(...parser.push(chunk));
  return [...items, ...parser.end()];
}

function* chunksOf(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

function timed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/**
 * Linear work: 8x the input costs about 8x the time; quadratic would cost 64x. The sizes are
 * timed alternately (so a busy machine slows both alike) and the fastest of five runs counts;
 * the bound sits far from both so that load cannot flip the verdict.
 */
function expectLinear(make: (scale: number) => () => void): void {
  const small = make(1);
  const large = make(8);
  small();
  let bestSmall = Infinity;
  let bestLarge = Infinity;
  for (let k = 0; k < 5; k++) {
    bestSmall = Math.min(bestSmall, timed(small));
    bestLarge = Math.min(bestLarge, timed(large));
  }
  expect(bestLarge / Math.max(bestSmall, 0.5)).toBeLessThan(28);
}

const FRAGMENTS = [
  '<open ', '<write ', '</write>', '<exec ', '</exec>', '<search ', '<open>', '<write>', '>', '>', '\n', '\r\n', '\r',
  'a', 'b.txt', ' ', '\t', '<', '<op', '</wr', '</ex', '#L3', '#L0', '-L2', '🌍', 'é', '世界', '\x00', 'xyz xyz',
];

function randomInput(random: () => number): string {
  let text = '';
  const n = Math.floor(random() * 40);
  for (let i = 0; i < n; i++) text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
  return text;
}

describe('protocol/tags-parser', () => {
  it('gives the same items however a random tag soup is split into chunks', () => {
    const random = prng(42);
    const options = { maxBodyBytes: 24, maxArgBytes: 12 };
    for (let k = 0; k < 400; k++) {
      const text = randomInput(random);
      const whole = parseTags(text, options);
      expect(feed(text.split(''), options), text).toEqual(whole);
      const chunks: string[] = [];
      for (let i = 0; i < text.length; ) {
        const n = Math.floor(random() * 9);
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      expect(feed(chunks, options), text).toEqual(whole);
    }
  });

  it('returns each command as soon as it is complete', () => {
    const parser = new TagParser();
    expect(parser.push('<open a')).toEqual([]);
    expect(parser.push('.go> <write b>x</wri')).toEqual([{ kind: 'open', arg: 'a.go', path: 'a.go', line: 1 }]);
    expect(parser.push('te>')).toEqual([{ kind: 'write', arg: 'b', path: 'b', content: 'x', line: 1 }]);
    expect(parser.push('<exec ls>\nwaiting')).toEqual([]);
    expect(parser.push(' <search q')).toEqual([{ kind: 'exec', arg: 'ls', command: 'ls', line: 1 }]);
    expect(parser.end()).toMatchObject([{ kind: 'error', tag: 'search', code: 'INVALID_SYNTAX' }]);
  });

  it('refuses input after end', () => {
    const parser = new TagParser();
    parser.end();
    expect(() => parser.push('<open a>')).toThrow('tag parser used after end');
  });

  it('parses a 5 MB write body fed in 4 KiB chunks', () => {
    const body = 'line of text <open not-a-tag> é🌍\n'.repeat(150_000);
    const items = feed(chunksOf(`<write big.txt>\n${body}</write>\n<open after>`, 4096));
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ kind: 'write', path: 'big.txt' });
    expect(items[0].kind === 'write' && items[0].content === body).toBe(true);
    expect(items[1]).toEqual({ kind: 'open', arg: 'after', path: 'after', line: 150_003 });
  });

  it('parses 200k tags on one line and on separate lines', () => {
    const oneLine = '<open a.go> '.repeat(200_000);
    expect(parseTags(oneLine)).toHaveLength(200_000);
    const items = feed(chunksOf('x <search q>\n'.repeat(200_000), 1000));
    expect(items).toHaveLength(200_000);
    expect(items[199_999]).toEqual({ kind: 'search', arg: 'q', query: 'q', line: 200_000 });
  });

  it('reports an oversized write body once, keeping memory bounded, and parses what follows', () => {
    const parser = new TagParser({ maxBodyBytes: 1024 * 1024 });
    const internals = parser as unknown as { buf: string; state: { parts?: string[] } };
    const items = parser.push('<write huge.bin>\n');
    const chunk = `${'0123456789abcdef'.repeat(255)}<exec rm -rf />\n`;
    for (let i = 0; i < 600; i++) {
      items.push(...parser.push(chunk));
      expect(internals.buf.length).toBeLessThanOrEqual(chunk.length + 8);
    }
    expect(internals.state.parts).toEqual([]);
    items.push(...parser.push('</write>\n<open next>'), ...parser.end());
    expect(items).toEqual([
      { kind: 'error', tag: 'write', arg: 'huge.bin', line: 1, code: 'FILE_TOO_LARGE', message: '<write huge.bin> body larger than 1048576 bytes' },
      { kind: 'open', arg: 'next', path: 'next', line: 603 },
    ]);
  });

  it('stops waiting for </exec> once the look-ahead is over the body limit', () => {
    const parser = new TagParser({ maxBodyBytes: 4096 });
    expect(parser.push('<exec cat>\n')).toEqual([]);
    expect(parser.push('a < b '.repeat(700))).toEqual([{ kind: 'exec', arg: 'cat', command: 'cat', line: 1 }]);
    expect(parser.push('</exec><open z>')).toEqual([{ kind: 'open', arg: 'z', path: 'z', line: 2 }]);
  });

  describe('linear time', () => {
    it('scans write bodies in linear time, in 4 KiB and in 1-character chunks', () => {
      expectLinear((s) => () => void feed(chunksOf(`<write a>${'<</writ '.repeat(60_000 * s)}</write>`, 4096)));
      expectLinear((s) => () => void feed(chunksOf(`<write a>${'x</wr'.repeat(3_000 * s)}</write>`, 1)));
    });

    it('scans many tags on one line in linear time', () => {
      expectLinear((s) => () => void parseTags('<open a> <exec b><search c> '.repeat(5_000 * s)));
    });

    it('scans a long exec look-ahead, an over-long argument and a huge oversized body in linear time', () => {
      expectLinear((s) => () => void feed(chunksOf(`<exec a>${'< </e '.repeat(25_000 * s)}`, 4096)));
      expectLinear((s) => () => void feed(chunksOf(`<open ${'y'.repeat(400_000 * s)}>`, 1024)));
      expectLinear((s) => () => void feed(chunksOf(`<write a>${'z'.repeat(600_000 * s)}`, 4096), { maxBodyBytes: 1000 }));
    });
  });
});
