/**
 * Minimal local stand-in for `protocol/search-format.ts` (`formatSearchText`), in the original's
 * search frame (reference §6.5). Replace the import with the protocol one once it exists.
 */
import type { SearchResult } from '../protocol/search.js';

export function formatSearchText(query: string, result: SearchResult, opts: { maxResults?: number } = {}): string {
  const lines = [`=== SEARCH: ${query} ===`, `=== SEARCH RESULTS (${(result.durationMs / 1000).toFixed(2)}s) ===`];
  if (result.results.length === 0) {
    lines.push('No files found matching query.', 'Try broader search terms or check if files are indexed.');
  }
  result.results.forEach((h, i) => {
    const size = h.size !== undefined ? ` | Size: ${formatSize(h.size)}` : '';
    lines.push(`${i + 1}. ${h.path} (score: ${(h.score * 100).toFixed(2)})`, `   Lines: ${h.startLine}-${h.endLine}${size}`);
    lines.push(`   Preview: "${h.snippet.split('\n').join('\n   ')}"`, '');
  });
  if (opts.maxResults !== undefined && result.results.length >= opts.maxResults) lines.push(`[Showing top ${opts.maxResults} results]`);
  lines.push('=== END SEARCH ===');
  return lines.join('\n') + '\n';
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${'KMGTPE'[unit]}B`;
}
