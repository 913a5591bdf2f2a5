/**
 * Value types of config keys and their parsers. A parser takes what a YAML file holds (or, with
 * `text`, what an environment variable or a command-line flag holds) and returns the typed value
 * or a description of what was expected.
 */

export const KEY_TYPES = ['bool', 'int', 'number', 'string', 'string[]', 'size', 'duration', 'seconds', 'map', 'path', 'enum'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface ValueRule {
  type: KeyType;
  min?: number;
  max?: number;
  /** Allowed values of an `enum` key. */
  values?: readonly string[];
  /** Extra check on the parsed value (each entry of a list); returns what was expected when it fails. */
  check?: (value: string) => string | undefined;
}

export type Parsed = { ok: true; value: unknown } | { ok: false; expected: string };

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Bytes from `1048576`, `"512m"`, `"64k"`, `"1g"`, `"100KiB"` (binary units); undefined when not a size. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(v.trim());
  if (m === null) return undefined;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Milliseconds from `"30s"`, `"5m"`, `"250ms"`, `"1h"`, `"1m30s"` or a number of seconds; undefined when not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (NUMBER_TEXT.test(text)) return parseDuration(Number(text));
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(part[1]) * DURATION_UNITS[part[2]];
  return Math.round(ms);
}

function parseBool(v: unknown, text: boolean): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (!text || typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

function parseNumber(v: unknown, text: boolean): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (text && typeof v === 'string' && NUMBER_TEXT.test(v.trim())) return Number(v.trim());
  return undefined;
}

function parseList(v: unknown, text: boolean): string[] | undefined {
  if (text && typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return undefined;
  return v.map((s: string) => s.trim());
}

function parseMap(v: unknown, text: boolean): Record<string, string> | undefined {
  if (text && typeof v === 'string') {
    const pairs = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (!pairs.every((p) => p.indexOf('=') > 0)) return undefined;
    return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!['string', 'number', 'boolean'].includes(typeof val)) return undefined;
    out[k] = String(val);
  }
  return out;
}

/** What a rule accepts, in words, for error messages. */
export function describeRule(rule: ValueRule): string {
  const unit = rule.type === 'size' ? ' bytes' : rule.type === 'duration' ? 'ms' : '';
  const range = rule.min !== undefined && rule.max !== undefined ? ` from ${rule.min}${unit} to ${rule.max}${unit}`
    : rule.min !== undefined ? ` ≥ ${rule.min}${unit}` : '';
  switch (rule.type) {
    case 'bool': return 'true or false';
    case 'int': return `an integer${range}`;
    case 'number': return `a number${range}`;
    case 'string': return 'a string';
    case 'path': return 'a path (absolute, ~/…, or relative to the config file), or "" for the default';
    case 'string[]': return 'a list of strings';
    case 'size': return `a size in bytes or like 64k, 512m, 1g${range}`;
    case 'duration': return `a duration like 250ms, 30s, 5m, 1h, or a number of seconds${range}`;
    case 'seconds': return `a number of seconds or a duration like 30s${range}`;
    case 'map': return 'a mapping of names to strings';
    case 'enum': return `one of ${(rule.values ?? []).join(', ')}`;
  }
}

function typed(rule: ValueRule, v: unknown, text: boolean): unknown {
  switch (rule.type) {
    case 'bool': return parseBool(v, text);
    case 'int': { const n = parseNumber(v, text); return n !== undefined && Number.isSafeInteger(n) ? n : undefined; }
    case 'number': return parseNumber(v, text);
    case 'string': case 'path': return typeof v === 'string' ? v.trim() : undefined;
    case 'enum': return typeof v === 'string' && (rule.values ?? []).includes(v.trim()) ? v.trim() : undefined;
    case 'string[]': return parseList(v, text);
    case 'size': return parseSize(v);
    case 'duration': return parseDuration(v);
    case 'seconds': { const ms = parseDuration(v); return ms === undefined ? undefined : ms / 1000; }
    case 'map': return parseMap(v, text);
  }
}

/** Parse one value by its rule; `text` allows the string forms of environment variables and flags. */
export function parseValue(rule: ValueRule, v: unknown, text: boolean): Parsed {
  const value = typed(rule, v, text);
  const expected = describeRule(rule);
  if (value === undefined) return { ok: false, expected };
  if (typeof value === 'number' && ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max))) {
    return { ok: false, expected };
  }
  if (rule.check !== undefined) {
    const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : Object.keys(value as object);
    for (const item of items) {
      const bad = rule.check(item);
      if (bad !== undefined) return { ok: false, expected: bad };
    }
  }
  return { ok: true, value };
}

/** A raw value as it appears in a message: JSON, cut short. */
export function showValue(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
