import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { WorkspaceParamsSchema } from './params.js';

/** Params of the method, inferred from `WorkspaceParamsSchema` (protocol/params.ts), their one definition. */
export type WorkspaceParams = z.infer<typeof WorkspaceParamsSchema>;

export interface PoolStatus {
  kind: 'io-read' | 'io-write' | 'exec';
  enabled: boolean;
  size: number;
  idle: number;
  borrowed: number;
  waiting: number;
  max: number;
  min: number;
  hits: number;
  misses: number;
  created: number;
  destroyed: number;
  acquireP50Ms: number;
  acquireP95Ms: number;
  lastError?: string;
}

export interface IndexStatus {
  state: 'absent' | 'building' | 'ready' | 'error' | 'disabled';
  files: number;
  chunks: number;
  vectors: number;
  vectorCoverage: number;
  ollama: { inUse: boolean; reason?: string; model: string; url: string };
  lastReconcile?: string;
  watcher: 'watching' | 'polling' | 'off';
  error?: string;
  /** Files seen but not indexed (binary, too large, minified, generated). */
  skipped?: number;
  /** Something the user should know, e.g. that a corrupt index database was rebuilt. */
  note?: string;
  /**
   * The syntax-aware chunker: grammars loaded, grammars that failed to load (their files are
   * chunked by lines: a warning), and how many files the parser could not handle (chunked by lines).
   */
  syntax?: { parser: 'tree-sitter'; grammars: string[]; failed: Array<{ grammar: string; error: string }>; lineFallbacks: number };
}

export interface WorkspaceStatusResult {
  root: string;
  owner: { uid: number; gid: number };
  configFiles: string[];
  pools: PoolStatus[];
  index?: IndexStatus;
  auditLog: string;
  stateDir: string;
  cacheDir: string;
  /** The persistent tool caches of exec commands (absent when commands.exec.cache is false). */
  toolCache?: { dir: string; bytes: number; maxBytes: number };
}

/** State of one workspace: pools, index, configuration sources. */
export const WorkspaceStatusRequest = new RequestType<WorkspaceParams, WorkspaceStatusResult, ErrorData>('workspace/status');
