import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { ExecParamsSchema } from './params.js';

/** Params of the method, inferred from `ExecParamsSchema` (protocol/params.ts), their one definition. */
export type ExecParams = z.infer<typeof ExecParamsSchema>;

export interface ExecResult {
  exitCode: number;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** Bytes left out of the middle of stdout/stderr because of the output cap. */
  omittedBytes: number;
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
