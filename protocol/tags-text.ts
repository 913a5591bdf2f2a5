/**
 * Character-level helpers of the tag parser: tag-start recognition, UTF-8 byte counts,
 * newline counts, the `#L10-L40` suffix and the error messages. Pure; no I/O.
 */
import type { LineRange } from './io.js';
import type { TagName } from './tags.js';

export const TAG_NAMES: readonly TagName[] = ['open', 'write', 'exec', 'search', 'edit', 'list', 'grep'];
export const WRITE_CLOSE = '</write>';
export const EXEC_CLOSE = '</exec>';
export const EDIT_CLOSE = '</edit>';
/** Longest text that can be an unfinished tag start or closing tag: `<search` / `</write`. */
export const MAX_PARTIAL = 7;

export interface TagStart {
  tag: TagName;
  /** The character right after the name: a space or tab starts the argument, `>` means no argument. */
  delimiter: ' ' | '\t' | '>';
}

/**
 * What starts at `text[i]` (which must be `<`): a tag start, `'partial'` when the text ends
 * before that can be decided, or `undefined` for plain text.
 */
export function matchTagStart(text: string, i: number): TagStart | 'partial' | undefined {
  let partial = false;
  for (const tag of TAG_NAMES) {
    const after = i + 1 + tag.length;
    if (after >= text.length) {
      if (tag.startsWith(text.slice(i + 1))) partial = true;
      continue;
    }
    if (!text.startsWith(tag, i + 1)) continue;
    const delimiter = text[after];
    if (delimiter === ' ' || delimiter === '\t' || delimiter === '>') return { tag, delimiter };
  }
  return partial ? 'partial' : undefined;
}

/** True when `text` from `i` to its end is a proper beginning of `close` (more text could complete it). */
export function isPartialClose(text: string, i: number, close: string): boolean {
  const rest = text.length - i;
  return rest < close.length && close.startsWith(text.slice(i));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The end to use when consuming `text` up to `end`: one less when that would separate a
 * surrogate pair, so that byte counts do not depend on where chunks were split.
 */
export function pairSafeEnd(text: string, from: number, end: number): number {
  return end > from && isHighSurrogate(text.charCodeAt(end - 1)) ? end - 1 : end;
}

/** UTF-8 length of `text[from, to)`, as `TextEncoder` counts it (a lone surrogate is 3 bytes). */
export function utf8Bytes(text: string, from = 0, to = text.length): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (isHighSurrogate(code) && i + 1 < to && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Number of `\n` in `text[from, to)`; never looks past `to`. */
export function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

export type OpenTarget = { path: string; lines?: LineRange } | { error: string };

const LINE_SUFFIX = /^(.*)#L(\d+)(?:-L?(\d+))?$/s;

/** Splits an `<open>` argument into path and optional `#L10-L40` / `#L10` / `#L10-40` range. */
export function parseOpenTarget(arg: string): OpenTarget {
  const m = LINE_SUFFIX.exec(arg);
  if (!m) return { path: arg };
  const [, path, fromText, toText] = m;
  const from = Number(fromText);
  const to = toText === undefined ? from : Number(toText);
  if (path === '') return { error: `<open ${arg}> needs a path before the #L line range` };
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
    return { error: `<open ${arg}> line number is too large` };
  }
  if (from < 1) return { error: `<open ${arg}> line range must start at line 1 or later` };
  if (to < from) return { error: `<open ${arg}> line range ends before it starts` };
  return { path, lines: { from, to } };
}

const ARG_NOUN: Record<TagName, string> = { open: 'path', write: 'path', exec: 'command', search: 'query', edit: 'path', list: 'path', grep: 'pattern' };

export const MESSAGES = {
  emptyArg: (tag: TagName) => `<${tag}> tag needs a ${ARG_NOUN[tag]}`,
  argNewline: (tag: TagName) => `<${tag} tag not closed before end of line`,
  argEnd: (tag: TagName) => `<${tag} tag not closed before end of input`,
  argTooLong: (tag: TagName, max: number) => `<${tag} tag argument longer than ${max} bytes`,
  bodyTooLarge: (path: string, max: number, tag: 'write' | 'edit' = 'write') => `<${tag} ${path}> body larger than ${max} bytes`,
  writeUnclosed: (path: string, tag: 'write' | 'edit' = 'write') => `<${tag} ${path}> has no closing </${tag}>`,
} as const;

/** Splits a `<grep>` argument at its last ` -- ` into pattern and path. */
export function parseGrepTarget(arg: string): { pattern: string; path?: string } | { error: string } {
  if (arg.endsWith(' --')) return { error: `<grep ${arg}> needs a path after --` };
  const at = arg.lastIndexOf(' -- ');
  if (at < 0) return { pattern: arg };
  const pattern = arg.slice(0, at).trim();
  const path = arg.slice(at + 4).trim();
  if (pattern === '') return { error: `<grep ${arg}> needs a pattern before --` };
  if (path === '') return { error: `<grep ${arg}> needs a path after --` };
  return { pattern, path };
}
