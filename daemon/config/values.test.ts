import { describe, expect, it } from 'vitest';
import { describeRule, parseDuration, parseSize, parseValue, showValue } from './values.js';

describe('config/values', () => {
  it('parses sizes in bytes and binary units', () => {
    expect(parseSize(1048576)).toBe(1048576);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('64k')).toBe(64 * 1024);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('512M')).toBe(512 * 1024 ** 2);
    expect(parseSize('1g')).toBe(1024 ** 3);
    expect(parseSize('100KiB')).toBe(100 * 1024);
    expect(parseSize('2mb')).toBe(2 * 1024 ** 2);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('10b')).toBe(10);
  });

  it('rejects what is not a size', () => {
    for (const bad of ['', 'm', '12 parsecs', '-1', '1x', '5ib', true, null, -3, 1.5, [1]]) expect(parseSize(bad)).toBeUndefined();
  });

  it('parses durations to milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration('0.25')).toBe(250);
  });

  it('rejects what is not a duration', () => {
    for (const bad of ['', '5 minutes', '5d', 'ms', '-1s', -1, Infinity, true, null, '30s '.repeat(2)]) {
      expect(parseDuration(bad)).toBeUndefined();
    }
  });

  it('parses text forms only when asked to', () => {
    expect(parseValue({ type: 'bool' }, 'true', false)).toEqual({ ok: false, expected: 'true or false' });
    expect(parseValue({ type: 'bool' }, '1', true)).toEqual({ ok: true, value: true });
    expect(parseValue({ type: 'bool' }, '0', true)).toEqual({ ok: true, value: false });
    expect(parseValue({ type: 'int' }, '12', true)).toEqual({ ok: true, value: 12 });
    expect(parseValue({ type: 'int' }, '12', false).ok).toBe(false);
    expect(parseValue({ type: 'string[]' }, 'a, b ,,c', true)).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(parseValue({ type: 'string[]' }, 'a', false).ok).toBe(false);
    expect(parseValue({ type: 'map' }, 'A=1,B=x=y', true)).toEqual({ ok: true, value: { A: '1', B: 'x=y' } });
    expect(parseValue({ type: 'map' }, 'A', true).ok).toBe(false);
  });

  it('checks ranges and per-item rules', () => {
    expect(parseValue({ type: 'int', min: 1, max: 4 }, 5, false)).toEqual({ ok: false, expected: 'an integer from 1 to 4' });
    expect(parseValue({ type: 'size', min: 1024 }, '1', false)).toEqual({ ok: false, expected: 'a size in bytes or like 64k, 512m, 1g ≥ 1024 bytes' });
    const check = (v: string): string | undefined => (v.startsWith('.') ? undefined : 'extensions like .go');
    expect(parseValue({ type: 'string[]', check }, ['.go', 'py'], false)).toEqual({ ok: false, expected: 'extensions like .go' });
    expect(parseValue({ type: 'map', check }, { '.a': 1, b: 2 }, false)).toEqual({ ok: false, expected: 'extensions like .go' });
    expect(parseValue({ type: 'map' }, { A: 1, B: true }, false)).toEqual({ ok: true, value: { A: '1', B: 'true' } });
    expect(parseValue({ type: 'map' }, { A: [1] }, false).ok).toBe(false);
  });

  it('describes enums and shortens long values in messages', () => {
    expect(describeRule({ type: 'enum', values: ['a', 'b'] })).toBe('one of a, b');
    expect(showValue('x'.repeat(200))).toHaveLength(80);
    expect(showValue(undefined)).toBe('undefined');
  });
});
