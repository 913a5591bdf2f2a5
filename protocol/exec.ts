import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { CacheClearParamsSchema, ExecParamsSchema, ExecUndoParamsSchema } from './params.js';

/** Params of the method, inferred from `ExecParamsSchema` (protocol/params.ts), their one definition. */
export type ExecParams = z.infer<typeof ExecParamsSchema>;

export interface ExecResult {
  exitCode: number;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** Bytes left out of the middle of stdout/stderr because of the output cap. */
  omittedBytes: number;
  /** What a read-write command changed in the repository (absent in read-only mode). */
  changes?: ExecChanges;
  /** True when the command ran with network access (a prefix of commands.exec.network_commands). */
  networked?: boolean;
}

/** Changes a read-write command made, each list capped (the counts are whole). */
export interface ExecChanges {
  created: string[];
  changed: string[];
  deleted: string[];
  counts: { created: number; changed: number; deleted: number };
  /** Changes it must not make (protected paths, a new .git, new hard links), already put back. */
  refused: string[];
  /** Changed or deleted files too large to keep a copy of: `exec/undo` cannot restore them. */
  unrestorable: string[];
  /** The undo record of this run. */
  undoId: string;
}

export type ExecUndoParams = z.infer<typeof ExecUndoParamsSchema>;

export interface ExecUndoResult {
  id: string;
  command: string;
  /** Paths put back as they were before the command. */
  restored: string[];
  /** Paths the command created, removed. */
  removed: string[];
  /** Paths left as they are, with the reason. */
  skipped: string[];
}

export type CacheClearParams = z.infer<typeof CacheClearParamsSchema>;

export interface CacheClearResult {
  /** The workspace's tool cache directory (host path). */
  dir: string;
  /** Bytes freed. */
  freedBytes: number;
}

export interface ExecOutputParams {
  token: string;
  stream: 'stdout' | 'stderr';
  data: string;
}

/** Run one whitelisted command in a fresh single-use exec container. */
export const ExecRequest = new RequestType<ExecParams, ExecResult, ErrorData>('exec/run');
/** A chunk of a running command's output. */
export const ExecOutputNotification = new NotificationType<ExecOutputParams>('exec/output');
/** Undo the newest read-write command of a workspace: remove what it created, restore what it changed or deleted. */
export const ExecUndoRequest = new RequestType<ExecUndoParams, ExecUndoResult, ErrorData>('exec/undo');
/** Empty the workspace's persistent tool caches (Go, pip, npm). */
export const CacheClearRequest = new RequestType<CacheClearParams, CacheClearResult, ErrorData>('cache/clear');
