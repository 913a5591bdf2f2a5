import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { ReindexParamsSchema, SearchParamsSchema } from './params.js';

/** Params of the method, inferred from `SearchParamsSchema` (protocol/params.ts), their one definition. */
export type SearchParams = z.infer<typeof SearchParamsSchema>;

export interface SearchHit {
  /** Repository-relative path. */
  path: string;
  score: number;
  /** Best line range of the file for the query. */
  startLine: number;
  endLine: number;
  snippet: string;
  /** Further good ranges of the same file. */
  ranges?: Array<{ startLine: number; endLine: number }>;
  size?: number;
  lineCount?: number;
}

export interface SearchResult {
  results: SearchHit[];
  durationMs: number;
  /** Whether vectors took part in the ranking. */
  mode: 'lexical' | 'hybrid';
  /** The cap applied to results (the query's limit or commands.search.max_results). */
  limit?: number;
}

/** Params of the method, inferred from `ReindexParamsSchema` (protocol/params.ts), their one definition. */
export type ReindexParams = z.infer<typeof ReindexParamsSchema>;

export interface ReindexResult {
  files: number;
  chunks: number;
  durationMs: number;
}

export interface SearchProgressParams {
  token: string;
  phase: string;
  done: number;
  total: number;
}

/** Ranked search over the workspace's index. */
export const SearchRequest = new RequestType<SearchParams, SearchResult, ErrorData>('search/query');
/** Rebuild the workspace's index from scratch. */
export const ReindexRequest = new RequestType<ReindexParams, ReindexResult, ErrorData>('search/reindex');
/** Progress of an index build. */
export const SearchProgressNotification = new NotificationType<SearchProgressParams>('search/progress');
