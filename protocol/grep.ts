import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { GrepParamsSchema } from './params.js';

export type GrepParams = z.infer<typeof GrepParamsSchema>;

export interface GrepLine {
  line: number;
  text: string;
  /** True for a matching line, false for a context line. */
  match: boolean;
}

export interface GrepFile {
  path: string;
  /** Matching lines in this file (all of them, even beyond `maxResults`). */
  count: number;
  /** Matches and context, in line order; absent with `filesOnly`/`count`. */
  lines?: GrepLine[];
}

export interface GrepResult {
  pattern: string;
  /** `lines`: matches with context; `files`: names only; `count`: matching lines per file. */
  mode: 'lines' | 'files' | 'count';
  files: GrepFile[];
  /** Matching lines returned in `files` (≤ maxResults). */
  matches: number;
  filesSearched: number;
  truncated: boolean;
  /** What was left out and why (result cap, work budget, skipped binaries). */
  note?: string;
}

/** Regular-expression search over the repository's files (`.gitignore`-aware, bounded). */
export const GrepRequest = new RequestType<GrepParams, GrepResult, ErrorData>('search/grep');

/** `path:line:text` for matches and `path-line-text` for context, as grep prints them. */
export function formatGrepLines(result: GrepResult): string[] {
  const out: string[] = [];
  for (const f of result.files) {
    if (result.mode !== 'lines' || f.lines === undefined) {
      out.push(result.mode === 'count' ? `${f.path}:${f.count}` : f.path);
      continue;
    }
    let last = -1;
    // `--` between separate groups, as grep prints it, only when context lines are shown
    const grouped = f.lines.some((l) => !l.match);
    for (const l of f.lines) {
      if (grouped && last >= 0 && l.line > last + 1) out.push('--');
      out.push(`${f.path}${l.match ? ':' : '-'}${l.line}${l.match ? ':' : '-'}${l.text}`);
      last = l.line;
    }
  }
  return out;
}
