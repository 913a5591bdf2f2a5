/**
 * Text rendering of search results in the original tool's SEARCH framing
 * (reference/original-behaviour.md §6.5), with the best line range added. Pure; no Node I/O.
 */
import type { SearchHit, SearchResult } from './search.js';

export interface SearchFormatOptions {
  /** The configured result cap; `[Showing top N results]` appears when the list reaches it. */
  maxResults: number;
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

/** The original's preview: trimmed, cut at the cap (at a newline past half of it) with `\n...`, every line indented by two spaces. */
export function formatPreview(snippet: string, maxPreviewLength = 100): string {
  let text = snippet.trim();
  if (text.length > maxPreviewLength && !text.endsWith('\n...')) {
    let cut = text.slice(0, maxPreviewLength);
    const nl = cut.lastIndexOf('\n');
    if (nl > maxPreviewLength / 2) cut = cut.slice(0, nl);
    text = `${cut}\n...`;
  }
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}

function formatHit(hit: SearchHit, index: number, opts: SearchFormatOptions): string[] {
  const lines = hit.startLine === hit.endLine ? `${hit.startLine}` : `${hit.startLine}-${hit.endLine}`;
  const size = hit.size === undefined ? '' : ` | Size: ${formatSize(hit.size)}`;
  return [
    `${index + 1}. ${hit.path} (score: ${(hit.score * 100).toFixed(2)})`,
    `   Lines: ${lines}${size}`,
    `   Preview: "${formatPreview(hit.snippet, opts.maxPreviewLength)}"`,
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
    if (result.results.length >= opts.maxResults) out.push(`[Showing top ${opts.maxResults} results]`);
  }
  out.push('=== END SEARCH ===');
  return out.join('\n');
}
