/**
 * The tag language: `<open PATH>`, `<write PATH>CONTENT</write>`, `<exec COMMAND>`,
 * `<exec COMMAND>STDIN</exec>`, `<search QUERY>`, `<edit PATH>` with SEARCH/REPLACE blocks `</edit>`,
 * `<list PATH>`, `<grep PATTERN>` / `<grep PATTERN -- PATH>`. Pure; no I/O.
 */
import type { LineRange } from './io.js';
import { TagParser } from './tags-parser.js';

export { TagParser, DEFAULT_MAX_ARG_BYTES, DEFAULT_MAX_BODY_BYTES } from './tags-parser.js';

export type TagName = 'open' | 'write' | 'exec' | 'search' | 'edit' | 'list' | 'grep';

interface TagBase {
  /** The tag's argument, trimmed, as written (for `open` including any `#L…` suffix). */
  arg: string;
  /** 1-based line of the input on which the tag started. */
  line: number;
}

export interface OpenCommand extends TagBase {
  kind: 'open';
  /** The path without a `#L10-L40` / `#L10` suffix. */
  path: string;
  lines?: LineRange;
}

export interface WriteCommand extends TagBase {
  kind: 'write';
  path: string;
  /** Content byte for byte (one newline right after `>` dropped). */
  content: string;
}

export interface ExecCommand extends TagBase {
  kind: 'exec';
  command: string;
  /** Body of the `<exec CMD>STDIN</exec>` form. */
  stdin?: string;
}

export interface SearchCommand extends TagBase {
  kind: 'search';
  query: string;
}

/** One aider-style block of an `<edit>`: whole lines (each ending with a newline) to find and their replacement. */
export interface EditBlock {
  search: string;
  replace: string;
}

export interface EditCommand extends TagBase {
  kind: 'edit';
  path: string;
  blocks: EditBlock[];
}

export interface ListCommand extends TagBase {
  kind: 'list';
  path: string;
}

export interface GrepCommand extends TagBase {
  kind: 'grep';
  pattern: string;
  /** The part after ` -- `, when given. */
  path?: string;
}

/** A tag that could not become a command (unterminated, oversized, empty argument…). */
export interface TagError extends TagBase {
  kind: 'error';
  tag: TagName;
  code: 'INVALID_SYNTAX' | 'FILE_TOO_LARGE';
  message: string;
}

export type ParsedCommand = OpenCommand | WriteCommand | ExecCommand | SearchCommand | EditCommand | ListCommand | GrepCommand;
export type ParsedItem = ParsedCommand | TagError;

export interface TagParserOptions {
  /** Largest `<write>` or `<exec>` body in bytes (UTF-8); a larger one is a FILE_TOO_LARGE item. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Largest tag argument in bytes; a longer one is an INVALID_SYNTAX item. Default 4096. */
  maxArgBytes?: number;
}

/** The text a command is shown as in `=== COMMAND: … ===` and `Command:` lines (`<open>` when the argument is empty). */
export function commandLabel(item: ParsedItem): string {
  const tag = item.kind === 'error' ? item.tag : item.kind;
  return item.arg === '' ? `<${tag}>` : `<${tag} ${item.arg}>`;
}

/** Parses a whole text at once; same result as feeding it to a {@link TagParser} in any chunks. */
export function parseTags(text: string, options?: TagParserOptions): ParsedItem[] {
  const parser = new TagParser(options);
  return [...parser.push(text), ...parser.end()];
}
