import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';

export interface ExecParams {
  root: string;
  /** The command as the model wrote it; split with shell-word rules and run without a shell. */
  command: string;
  /** Body of the `<exec CMD>STDIN</exec>` form, fed to the command's standard input. */
  stdin?: string;
  /** Per-command timeout, capped by the configured maximum. */
  timeoutMs?: number;
  /** When set, output chunks are sent as `exec/output` notifications carrying this token. */
  streamToken?: string;
}

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
