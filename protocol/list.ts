import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { ListParamsSchema } from './params.js';

export type ListParams = z.infer<typeof ListParamsSchema>;

export interface ListEntry {
  /** Repository-relative POSIX path; folders end with `/`. */
  path: string;
  kind: 'file' | 'directory' | 'symlink';
  /** Depth below the listed folder (1 = direct entry). */
  depth: number;
  size?: number;
}

export interface ListResult {
  path: string;
  entries: ListEntry[];
  /** True when the cap on entries or the walk budget left entries out; see `note`. */
  truncated: boolean;
  /** What was left out, in words (`1234 more entries not shown (limit 1000)`). */
  note?: string;
}

/** A `.gitignore`-aware tree of one folder; excluded paths are never shown. */
export const ListRequest = new RequestType<ListParams, ListResult, ErrorData>('io/list');

/** The listing as an indented tree (two spaces per level; folders end with `/`), then the note. */
export function formatListText(result: ListResult): string {
  const lines = result.entries.map((e) => {
    const name = e.path.replace(/\/$/, '').split('/').pop() ?? e.path;
    return `${'  '.repeat(Math.max(0, e.depth - 1))}${name}${e.kind === 'directory' ? '/' : e.kind === 'symlink' ? ' -> (symlink)' : ''}`;
  });
  if (result.note !== undefined) lines.push(`[${result.note}]`);
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
