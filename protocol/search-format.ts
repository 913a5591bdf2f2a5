/**
 * Text rendering of search results in the original tool's SEARCH framing
 * (reference/original-behaviour.md §6.5), with the best line range added. Pure; no Node I/O.
 */
import type { SearchHit, SearchResult } from './search.js';

export interface SearchFormatOptions {
  /**
   * A result cap; `[Showing top N results]` appears when the list reaches the smaller of this
   * and the result's own `limit` (the cap the daemon applied).
   */
  maxResults?: number;
  /** Preview cap (the original's `max_preview_length`, 100 by default). */
  maxPreviewLength?: number;
}

const UNITS = 'KMGTPE';

/** The original's size format: `0 B`, `1023 B`, `1.0 KB`, `1.5 KB`, `1.0 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}B`;
}

/** Marks a snippet or preview that was cut. */
export const CUT_MARK = '\n...';

/**
 * The original's cut: at `max` characters, or at the last newline past half of them, then
 * `\n...`. Text within the cap comes back unchanged; a surrogate pair is never split.
 */
export function cutPreview(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  const nl = cut.lastIndexOf('\n');
  if (nl > max / 2) cut = cut.slice(0, nl);
  else if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}${CUT_MARK}`;
}

/**
 * The preview of a snippet: leading blank lines and trailing white space dropped (the first
 * line keeps its own indentation), cut like the original unless already cut, every line
 * indented by two spaces; with `startLine`, every line after its line number (`  12: …`).
 */
export function formatPreview(snippet: string, maxPreviewLength = 100, startLine?: number): string {
  const lead = /^(?:[ \t]*\r?\n)+/.exec(snippet)?.[0] ?? '';
  let text = snippet.slice(lead.length).trimEnd();
  if (!text.endsWith(CUT_MARK)) text = cutPreview(text, maxPreviewLength);
  const lines = text.split('\n');
  if (startLine === undefined) return lines.map((line) => `  ${line}`).join('\n');
  // with the snippet's first line number: each line carries its own number, the cut mark none
  const first = startLine + (lead.match(/\n/g)?.length ?? 0);
  const width = String(first + lines.length - 1).length;
  return lines.map((line, i) => (i === lines.length - 1 && text.endsWith(CUT_MARK)
    ? `  ${' '.repeat(width)}  ${line}` : `  ${String(first + i).padStart(width)}: ${line}`)).join('\n');
}

function formatHit(hit: SearchHit, index: number, opts: SearchFormatOptions): string[] {
  const lines = hit.startLine === hit.endLine ? `${hit.startLine}` : `${hit.startLine}-${hit.endLine}`;
  const size = hit.size === undefined ? '' : ` | Size: ${formatSize(hit.size)}`;
  return [
    `${index + 1}. ${hit.path} (score: ${hit.score.toFixed(4)})`,
    `   Lines: ${lines}${size}`,
    `   Preview: "${formatPreview(hit.snippet, opts.maxPreviewLength, hit.startLine)}"`,
    '',
  ];
}

/** The `<search>` command's body, from `=== SEARCH: … ===` to `=== END SEARCH ===` (no trailing newline). */
export function formatSearchText(query: string, result: SearchResult, opts: SearchFormatOptions): string {
  const out = [`=== SEARCH: ${query} ===`, `=== SEARCH RESULTS (${(result.durationMs / 1000).toFixed(2)}s) ===`];
  if (result.results.length === 0) {
    out.push('No files found matching query.', 'Try broader search terms or check if files are indexed.');
  } else {
    result.results.forEach((hit, i) => out.push(...formatHit(hit, i, opts)));
    const cap = Math.min(opts.maxResults ?? Number.POSITIVE_INFINITY, result.limit ?? Number.POSITIVE_INFINITY);
    if (result.results.length >= cap) out.push(`[Showing top ${cap} results]`);
  }
  out.push('=== END SEARCH ===');
  return out.join('\n');
}
