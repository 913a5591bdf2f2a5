import { describe, expect, it } from 'vitest';
import { countNewlines, matchTagStart, pairSafeEnd, parseOpenTarget, utf8Bytes } from './tags-text.js';

describe('protocol/tags-text', () => {
  it('counts UTF-8 bytes like TextEncoder, lone surrogates included', () => {
    const encoder = new TextEncoder();
    for (const s of ['', 'abc', 'é', '世界', '🌍', 'a\uD83Cb', '\uDF0D', 'x\uD83C', 'before\x00after', 'Hello 世界 🌍']) {
      expect(utf8Bytes(s), JSON.stringify(s)).toBe(encoder.encode(s).length);
    }
    expect(utf8Bytes('a🌍b', 1, 3)).toBe(4);
  });

  it('never ends a consumed range between the halves of a surrogate pair', () => {
    const s = 'a🌍';
    expect(pairSafeEnd(s, 0, 2)).toBe(1);
    expect(pairSafeEnd(s, 0, 3)).toBe(3);
    expect(pairSafeEnd(s, 1, 1)).toBe(1);
  });

  it('counts newlines only inside the given range', () => {
    expect(countNewlines('\na\nb\n', 1, 4)).toBe(1);
    expect(countNewlines('\r\n\r\n', 0, 4)).toBe(2);
  });

  it('recognises tag starts and undecided prefixes', () => {
    expect(matchTagStart('<open a>', 0)).toEqual({ tag: 'open', delimiter: ' ' });
    expect(matchTagStart('x<search\tq', 1)).toEqual({ tag: 'search', delimiter: '\t' });
    expect(matchTagStart('<exec>', 0)).toEqual({ tag: 'exec', delimiter: '>' });
    expect(matchTagStart('<wri', 0)).toBe('partial');
    expect(matchTagStart('<write', 0)).toBe('partial');
    expect(matchTagStart('<', 0)).toBe('partial');
    expect(matchTagStart('<writer', 0)).toBeUndefined();
    expect(matchTagStart('<x', 0)).toBeUndefined();
    expect(matchTagStart('<open\n', 0)).toBeUndefined();
  });

  it('parses #L suffixes of open arguments', () => {
    expect(parseOpenTarget('a.go')).toEqual({ path: 'a.go' });
    expect(parseOpenTarget('a#b#L2-L3')).toEqual({ path: 'a#b', lines: { from: 2, to: 3 } });
    expect(parseOpenTarget('a#L1-')).toEqual({ path: 'a#L1-' });
    expect(parseOpenTarget('a#l1')).toEqual({ path: 'a#l1' });
    expect(parseOpenTarget('a#L99999999999999999999')).toEqual({ error: '<open a#L99999999999999999999> line number is too large' });
  });
});
