import { describe, expect, it } from 'vitest';
import { CUT_MARK } from '../../protocol/search-format.js';
import type { SearchHit } from '../../protocol/search.js';
import { chunkText } from './chunker.js';
import type { ChunkHit } from './db.js';
import { RELEVANCE_CUTOFF, shownRange, toHits, type FileCandidate } from './ranker.js';
import { parseQuery } from './tokens.js';

/** The chunk of `text` that holds `line` (1-based), as the store returns it. */
function chunkAt(text: string, rel: string, line: number): ChunkHit {
  const c = chunkText(text, rel).find((k) => k.startLine <= line && line <= k.endLine)!;
  return { id: 1, fileId: 1, startLine: c.startLine, endLine: c.endLine, symbols: c.symbols.join(' '), text: c.text,
    hash: 'h', path: rel, size: text.length, lines: text.split('\n').length, score: 1 };
}

/** Lines `from..to` (1-based, inclusive) of `text`, without terminators. */
function linesOf(text: string, from: number, to: number): string {
  return text.split(/\r?\n/).slice(from - 1, to).join('\n');
}

/** The contract: the snippet is the text of startLine..endLine, cut only at its end. */
function expectAgrees(text: string, hit: Pick<SearchHit, 'startLine' | 'endLine' | 'snippet'>, max: number): void {
  const full = linesOf(text, hit.startLine, hit.endLine);
  if (hit.snippet.endsWith(CUT_MARK) && full !== hit.snippet) {
    const kept = hit.snippet.slice(0, -CUT_MARK.length);
    expect(full.startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(max);
  } else {
    expect(hit.snippet).toBe(full);
  }
}

const FAREWELL = [
  'def farewell(name: str) -> str:',
  '    """Return a polite goodbye for name."""',
  '    return f"Goodbye, {name}!"',
  '',
  '',
  'class Greeter:',
  '    """Says things."""',
  '',
  '    def wave(self):',
  '        return "goodbye wave"',
  '',
].join('\n');

const LONG = [
  'export function processOrders(orders: Order[]) {',
  ...Array.from({ length: 20 }, (_, i) => `  const step${i} = orders.map((o) => o.amount * ${i});`),
  '  const refundTotal = computeRefunds(orders);',
  '  return refundTotal;',
  '}',
  '',
].join('\n');

describe('search/ranker', () => {
  it('starts the snippet at startLine with its indentation when the best line is the second', () => {
    const r = shownRange(chunkAt(FAREWELL, 'greet.py', 1), parseQuery('goodbye function'), 100);
    expect(r.startLine).toBe(1);
    expect(r.snippet.startsWith('def farewell(name: str) -> str:\n    """Return a polite goodbye')).toBe(true);
    expectAgrees(FAREWELL, r, 100);
  });

  it('drops blank lines at the ends of the range so both ends are lines with text', () => {
    const chunk = chunkAt(FAREWELL, 'greet.py', 1);
    expect([chunk.startLine, chunk.endLine]).toEqual([1, 8]);
    expect(shownRange(chunk, parseQuery('goodbye'), 1000)).toEqual({ startLine: 1, endLine: 7, snippet: linesOf(FAREWELL, 1, 7) });
    const padded = '\n\n  \nexport function lonely() {\n  return 1;\n}\n';
    expect(shownRange(chunkAt(padded, 'a.ts', 1), parseQuery('lonely'), 1000))
      .toEqual({ startLine: 4, endLine: 6, snippet: 'export function lonely() {\n  return 1;\n}' });
  });

  it('keeps the indentation of a nested best line inside a class', () => {
    const chunk = chunkAt(FAREWELL, 'greet.py', 10);
    const r = shownRange(chunk, parseQuery('goodbye wave'), 100);
    expect(r.endLine).toBe(10);
    expect(r.snippet.endsWith('        return "goodbye wave"')).toBe(true);
    expectAgrees(FAREWELL, r, 100);
  });

  it('starts at the best line, indentation kept, when the chunk head would hide it from the preview', () => {
    const r = shownRange(chunkAt(LONG, 'orders.ts', 22), parseQuery('refund total'), 100);
    expect(r.startLine).toBe(22);
    expect(r.endLine).toBe(24);
    expect(r.snippet).toBe('  const refundTotal = computeRefunds(orders);\n  return refundTotal;\n}');
    expectAgrees(LONG, r, 100);
  });

  it('cuts a long range only at its end, at a newline past half the cap, with the cut mark', () => {
    const r = shownRange(chunkAt(LONG, 'orders.ts', 1), parseQuery('processOrders'), 60);
    expect(r).toMatchObject({ startLine: 1, endLine: 24 });
    expect(r.snippet).toBe(`${linesOf(LONG, 1, 1)}${CUT_MARK}`);
    expectAgrees(LONG, r, 60);
    const wide = shownRange(chunkAt(LONG, 'orders.ts', 1), parseQuery('processOrders'), 100);
    expect(wide.snippet).toBe(`${linesOf(LONG, 1, 2)}${CUT_MARK}`);
  });

  it('drops CR of CRLF line ends from the snippet', () => {
    const crlf = FAREWELL.replace(/\n/g, '\r\n');
    const r = shownRange(chunkAt(crlf, 'greet.py', 1), parseQuery('farewell'), 1000);
    expect(r).toEqual({ startLine: 1, endLine: 7, snippet: linesOf(FAREWELL, 1, 7) });
    expect(r.snippet).not.toContain('\r');
  });

  it('gives hits whose lines and snippet agree for every query and preview cap', () => {
    const files: Array<[string, string]> = [['greet.py', FAREWELL], ['orders.ts', LONG]];
    for (const query of ['goodbye', 'goodbye function', 'Greeter', 'wave', 'refund total', 'processOrders', 'step7 amount', 'zzz']) {
      for (const max of [10, 40, 100, 500]) {
        for (const [rel, text] of files) {
          for (let line = 1; line <= text.split('\n').length - 1; line += 3) {
            const f: FileCandidate = { path: rel, raw: 1, coverage: 1, chunks: [chunkAt(text, rel, line), chunkAt(text, rel, 1)] };
            const [hit] = toHits([f], parseQuery(query), { limit: 5, maxPreviewLength: max, scale: 1 });
            expectAgrees(text, hit, max);
            expect(hit.ranges?.[0].startLine).toBe(1);
          }
        }
      }
    }
  });

  it('keeps at most limit hits', () => {
    const chunk = chunkAt(FAREWELL, 'greet.py', 1);
    const files = ['a.py', 'b.py', 'c.py'].map((path): FileCandidate => ({ path, raw: 1, coverage: 1, chunks: [{ ...chunk, path }] }));
    expect(toHits(files, parseQuery('goodbye'), { limit: 2, maxPreviewLength: 100, scale: 1 }).map((h) => h.path)).toEqual(['a.py', 'b.py']);
  });

  it('drops results below the relevance cutoff instead of filling the limit', () => {
    const chunk = chunkAt(FAREWELL, 'greet.py', 1);
    const files = [['a.py', 1], ['b.py', RELEVANCE_CUTOFF], ['c.py', RELEVANCE_CUTOFF * 0.99]]
      .map(([path, raw]): FileCandidate => ({ path: path as string, raw: raw as number, coverage: 1, chunks: [{ ...chunk, path: path as string }] }));
    expect(toHits(files, parseQuery('goodbye'), { limit: 10, maxPreviewLength: 100, scale: 1 }).map((h) => h.path)).toEqual(['a.py', 'b.py']);
  });
});
