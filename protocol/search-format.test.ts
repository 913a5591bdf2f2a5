import { describe, expect, it } from 'vitest';
import { cutPreview, formatPreview, formatSearchText, formatSize } from './search-format.js';
import type { SearchResult } from './search.js';

describe('protocol/search-format', () => {
  it('formats sizes like the original when given bytes', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1.0 KB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(1024 * 1024)).toBe('1.0 MB');
    expect(formatSize(5 * 1024 ** 3)).toBe('5.0 GB');
  });

  it('indents every preview line and cuts long previews at a newline past half the cap', () => {
    expect(formatPreview('a\nb  ')).toBe('  a\n  b');
    const long = `${'x'.repeat(60)}\n${'y'.repeat(60)}`;
    expect(formatPreview(long, 100)).toBe(`  ${'x'.repeat(60)}\n  ...`);
    expect(formatPreview('z'.repeat(150), 100)).toBe(`  ${'z'.repeat(100)}\n  ...`);
  });

  it('keeps the first line\'s own indentation and drops only blank lines before it', () => {
    expect(formatPreview('    """Return a polite goodbye."""\n    return x\n')).toBe('      """Return a polite goodbye."""\n      return x');
    expect(formatPreview('\n  \r\n\tif (x) {\n\t}')).toBe('  \tif (x) {\n  \t}');
  });

  it('leaves a snippet the daemon already cut alone and never splits a surrogate pair', () => {
    const cut = cutPreview(`  ${'a'.repeat(200)}`, 100);
    expect(cut).toBe(`  ${'a'.repeat(98)}\n...`);
    expect(formatPreview(cut, 100)).toBe(`    ${'a'.repeat(98)}\n  ...`);
    expect(formatPreview(cut, 20)).toBe(`    ${'a'.repeat(98)}\n  ...`);
    expect(cutPreview('short', 100)).toBe('short');
    expect(cutPreview(`${'x'.repeat(9)}\u{1F642}tail`, 10)).toBe(`${'x'.repeat(9)}\n...`);
  });

  it('numbers preview lines from the snippet start, skipping dropped blank lines, and leaves the cut mark unnumbered', () => {
    expect(formatPreview('\nfoo()\nbar()', 100, 9)).toBe('  10: foo()\n  11: bar()');
    expect(formatPreview(`a\n${'b'.repeat(120)}`, 100, 99)).toBe(`   99: a\n  100: ${'b'.repeat(98)}\n       ...`.replace(`${'b'.repeat(98)}\n`, `${'b'.repeat(98)}\n`));
  });

  it('renders the SEARCH framing with line ranges when there are results', () => {
    const result: SearchResult = { durationMs: 12, mode: 'lexical', results: [
      { path: 'src/auth/login.ts', score: 0.9234, startLine: 10, endLine: 42, snippet: 'export function login() {', size: 4096 },
      { path: 'b.py', score: 0.5, startLine: 3, endLine: 3, snippet: 'def b():', size: 10 },
    ] };
    expect(formatSearchText('login', result, { maxResults: 10 })).toBe([
      '=== SEARCH: login ===',
      '=== SEARCH RESULTS (0.01s) ===',
      '1. src/auth/login.ts (score: 0.9234)',
      '   Lines: 10-42 | Size: 4.0 KB',
      '   Preview: "  10: export function login() {"',
      '',
      '2. b.py (score: 0.5000)',
      '   Lines: 3 | Size: 10 B',
      '   Preview: "  3: def b():"',
      '',
      '=== END SEARCH ===',
    ].join('\n'));
  });

  it('says no files were found and shows the truncation line when the list is full', () => {
    const empty = formatSearchText('nothing', { durationMs: 0, mode: 'lexical', results: [] }, { maxResults: 10 });
    expect(empty).toBe(['=== SEARCH: nothing ===', '=== SEARCH RESULTS (0.00s) ===', 'No files found matching query.',
      'Try broader search terms or check if files are indexed.', '=== END SEARCH ==='].join('\n'));
    const one = { path: 'a', score: 1, startLine: 1, endLine: 2, snippet: 's' };
    const full = formatSearchText('q', { durationMs: 0, mode: 'lexical', results: [one, one] }, { maxResults: 2 });
    expect(full).toContain('[Showing top 2 results]\n=== END SEARCH ===');
  });

  it('shows the truncation line at the limit the daemon applied when the result carries one', () => {
    const one = { path: 'a', score: 1, startLine: 1, endLine: 2, snippet: 's' };
    const capped = { durationMs: 0, mode: 'lexical' as const, results: [one, one, one], limit: 3 };
    expect(formatSearchText('q', capped, {})).toContain('[Showing top 3 results]\n=== END SEARCH ===');
    expect(formatSearchText('q', capped, { maxResults: Number.POSITIVE_INFINITY })).toContain('[Showing top 3 results]');
    expect(formatSearchText('q', { ...capped, limit: 5 }, {})).not.toContain('[Showing top');
    expect(formatSearchText('q', { ...capped, limit: undefined }, {})).not.toContain('[Showing top');
  });
});
