/** Matching lines of one text, with context lines merged, for `search/grep`. */
import type { RE2JS } from 're2js';
import type { GrepLine } from '../../protocol/grep.js';

/** Longest line text returned; longer lines are cut with a marker. */
const MAX_LINE_CHARS = 500;

function clip(line: string): string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}… [${text.length - MAX_LINE_CHARS} more characters]` : text;
}

/** Every matching line is counted; at most `room` matches (plus their context) are returned. */
export function matchLines(text: string, re: RE2JS, context: number, room: number): { count: number; shown: number; lines: GrepLine[] } {
  const all = text.split('\n');
  if (all.length > 1 && all[all.length - 1] === '') all.pop();
  const hits: number[] = [];
  for (let i = 0; i < all.length; i++) if (re.matcher(all[i]!).find()) hits.push(i);
  const shownHits = hits.slice(0, Math.max(0, room));
  const picked = new Map<number, boolean>();
  for (const h of shownHits) {
    for (let j = Math.max(0, h - context); j <= Math.min(all.length - 1, h + context); j++) if (!picked.has(j)) picked.set(j, false);
    picked.set(h, true);
  }
  const lines = [...picked.entries()].sort((a, b) => a[0] - b[0]).map(([i, match]) => ({ line: i + 1, text: clip(all[i]!), match }));
  return { count: hits.length, shown: shownHits.length, lines };
}
