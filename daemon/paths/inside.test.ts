import { describe, expect, it } from 'vitest';
import { isInside, relativeInside } from './inside.js';

describe('paths/inside', () => {
  it('keeps the root and its children inside, including names that start with ..', () => {
    expect(relativeInside('/repo', '/repo')).toBe('');
    expect(relativeInside('/repo', '/repo/a/b')).toBe('a/b');
    expect(relativeInside('/repo', '/repo/..foo')).toBe('..foo');
    expect(isInside('/repo', '/repo/a/../b')).toBe(true);
  });

  it('puts parents, prefix siblings and unrelated paths outside', () => {
    for (const p of ['/', '/rep', '/repo-evil', '/repo-evil/x', '/repo/../etc', '/other']) {
      expect(isInside('/repo', p), p).toBe(false);
    }
  });
});
