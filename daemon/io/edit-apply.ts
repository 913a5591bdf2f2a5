/**
 * Applying `io/edit` replacements in memory. Pure: every edit is located against the original
 * text, all must be valid (unique unless `replaceAll`, no overlaps) before any is applied.
 */
import { LlmrError } from '../../protocol/errors.js';
import type { EditOperation } from '../../protocol/edit.js';

/** Most edits in one request, and most match lines named in an error. */
export const MAX_EDITS = 200;
const MAX_LINES_NAMED = 20;

interface Span { start: number; end: number; edit: number; replacement: string }

/** The edits of a request, checked for shape; INVALID_PARAMS names the field. */
export function checkEdits(value: unknown): EditOperation[] {
  if (!Array.isArray(value) || value.length === 0) throw new LlmrError('INVALID_PARAMS', 'edits must be a non-empty array');
  if (value.length > MAX_EDITS) throw new LlmrError('INVALID_PARAMS', `edits has ${value.length} entries, limit ${MAX_EDITS}`);
  return value.map((e: unknown, i) => {
    const o = (e ?? {}) as Record<string, unknown>;
    if (typeof o.oldString !== 'string') throw new LlmrError('INVALID_PARAMS', `edits[${i}].old_string must be a string`);
    if (o.oldString === '') throw new LlmrError('INVALID_PARAMS', `edits[${i}].old_string is empty; give the exact text to replace`);
    if (typeof o.newString !== 'string') throw new LlmrError('INVALID_PARAMS', `edits[${i}].new_string must be a string`);
    if (o.replaceAll !== undefined && typeof o.replaceAll !== 'boolean') throw new LlmrError('INVALID_PARAMS', `edits[${i}].replace_all must be a boolean`);
    if (o.oldString === o.newString) throw new LlmrError('INVALID_PARAMS', `edits[${i}] replaces a text with itself; nothing would change`);
    return { oldString: o.oldString, newString: o.newString, ...(o.replaceAll === true ? { replaceAll: true } : {}) };
  });
}

/** 1-based line number of offset `at` in `text`, with a running cursor for ascending offsets. */
function lineCounter(text: string): (at: number) => number {
  let pos = 0;
  let line = 1;
  return (at) => {
    for (let i = text.indexOf('\n', pos); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) { line++; pos = i + 1; }
    return line;
  };
}

/** Start offsets of every occurrence of `needle`, overlapping ones included (they make a match ambiguous). */
function occurrences(text: string, needle: string, limit: number): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(needle); i >= 0 && found.length < limit; i = text.indexOf(needle, i + 1)) found.push(i);
  return found;
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < s.length - 1; i++) m.set(s.slice(i, i + 2), (m.get(s.slice(i, i + 2)) ?? 0) + 1);
  return m;
}

function dice(a: Map<string, number>, aSize: number, b: string): number {
  if (aSize === 0 || b.length < 2) return 0;
  let common = 0;
  const seen = new Map<string, number>();
  for (let i = 0; i < b.length - 1; i++) {
    const g = b.slice(i, i + 2);
    const used = seen.get(g) ?? 0;
    if (used < (a.get(g) ?? 0)) { common++; seen.set(g, used + 1); }
  }
  return (2 * common) / (aSize + b.length - 1);
}

/** The line most like the first non-blank line of `needle` (whitespace ignored), for a no-match message. */
export function nearMatch(text: string, needle: string): { line: number; text: string } | undefined {
  const first = needle.split('\n').map((l) => l.trim()).find((l) => l !== '');
  if (first === undefined) return undefined;
  const squeeze = (s: string): string => s.replace(/\s+/g, ' ').trim();
  const target = squeeze(first);
  const grams = bigrams(target);
  let best: { line: number; text: string; score: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    if (raw.length > 2000) return;
    const score = squeeze(raw) === target ? 1 : dice(grams, Math.max(0, target.length - 1), squeeze(raw));
    if (score >= 0.6 && (best === undefined || score > best.score)) best = { line: i + 1, text: raw.trim().slice(0, 120), score };
  });
  return best === undefined ? undefined : { line: best.line, text: best.text };
}

function locate(text: string, e: EditOperation, index: number, lineOf: (at: number) => number): number[] {
  const found = occurrences(text, e.oldString, e.replaceAll ? Number.MAX_SAFE_INTEGER : MAX_LINES_NAMED + 1);
  const label = `edits[${index}].old_string`;
  if (found.length === 0) {
    const near = nearMatch(text, e.oldString);
    throw new LlmrError('EDIT_NO_MATCH', `${label} was not found in the file`,
      near === undefined ? 'no similar line either; read the file again and copy the text exactly'
        : `closest near-match at line ${near.line}: ${near.text} (copy the text exactly, whitespace included)`);
  }
  if (found.length > 1 && e.replaceAll !== true) {
    const lines = found.slice(0, MAX_LINES_NAMED).map((at) => lineOf(at));
    const more = found.length > MAX_LINES_NAMED ? ' and more' : '';
    throw new LlmrError('EDIT_AMBIGUOUS', `${label} matches ${found.length > MAX_LINES_NAMED ? 'more than ' + MAX_LINES_NAMED : found.length} times, at lines ${lines.join(', ')}${more}`,
      'add surrounding lines to make it unique, or set replace_all');
  }
  if (e.replaceAll !== true) return found;
  // replace_all replaces non-overlapping occurrences left to right
  const spans: number[] = [];
  for (const at of found) if (spans.length === 0 || at >= spans[spans.length - 1]! + e.oldString.length) spans.push(at);
  return spans;
}

/** CRLF files: an edit written with `\n` line ends is matched (and replaced) with `\r\n`. */
function adaptLineEnds(text: string, edits: EditOperation[]): EditOperation[] {
  if (!text.includes('\r\n')) return edits;
  return edits.map((e) => (e.oldString.includes('\n') && !e.oldString.includes('\r') && !text.includes(e.oldString)
    ? { ...e, oldString: e.oldString.replace(/\n/g, '\r\n'), newString: e.newString.replace(/\r?\n/g, '\r\n') } : e));
}

/** The new text, or an LlmrError (EDIT_NO_MATCH, EDIT_AMBIGUOUS, EDIT_OVERLAP) naming the edit and lines. */
export function applyEdits(text: string, requested: EditOperation[]): { text: string; replacements: number } {
  const edits = adaptLineEnds(text, requested);
  const spans: Span[] = [];
  edits.forEach((e, i) => {
    const lineOf = lineCounter(text);
    for (const at of locate(text, e, i, lineOf)) spans.push({ start: at, end: at + e.oldString.length, edit: i, replacement: e.newString });
  });
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  const lineOf = lineCounter(text);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.start < prev.end) {
      const same = edits[prev.edit]!.oldString === edits[cur.edit]!.oldString;
      throw new LlmrError('EDIT_OVERLAP', `edits[${Math.min(prev.edit, cur.edit)}] and edits[${Math.max(prev.edit, cur.edit)}] ${same ? 'are identical' : 'overlap'} at line ${lineOf(cur.start)}`,
        'merge them into one edit');
    }
  }
  const parts: string[] = [];
  let pos = 0;
  for (const s of spans) {
    parts.push(text.slice(pos, s.start), s.replacement);
    pos = s.end;
  }
  parts.push(text.slice(pos));
  return { text: parts.join(''), replacements: spans.length };
}
