import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';

describe('daemon/io/diff', () => {
  it('shows one changed line with three lines of context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nc\nd\nE\nf\ng\nh\n';
    expect(unifiedDiff('x.txt', before, after)).toBe(
      '--- a/x.txt\n+++ b/x.txt\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n');
  });

  it('keeps distant changes in separate hunks', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i + 1}`);
    const after = [...lines];
    after[1] = 'X';
    after[27] = 'Y';
    const d = unifiedDiff('f', `${lines.join('\n')}\n`, `${after.join('\n')}\n`);
    expect(d.match(/^@@/gm)).toHaveLength(2);
    expect(d).toContain('@@ -1,5 +1,5 @@\n l1\n-l2\n+X\n');
    expect(d).toContain('-l28\n+Y\n');
  });

  it('marks a missing final newline', () => {
    expect(unifiedDiff('f', 'a\nb', 'a\nb\n')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  it('handles creation from empty and pure insertions', () => {
    expect(unifiedDiff('f', '', 'x\n')).toBe('--- a/f\n+++ b/f\n@@ -0,0 +1,1 @@\n+x\n');
    expect(unifiedDiff('f', 'a\nc\n', 'a\nb\nc\n')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n+b\n c\n');
    expect(unifiedDiff('f', 'same\n', 'same\n')).toBe('');
  });

  it('stays bounded on two large unrelated texts', () => {
    const a = Array.from({ length: 20000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 20000 }, (_, i) => `b${i}`).join('\n');
    const t = performance.now();
    const d = unifiedDiff('f', a, b);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(d.split('\n').filter((l) => l.startsWith('-a')).length).toBe(20000);
  });
});
