import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';

export interface AuditVerifyParams {
  /** Verify this file instead of the daemon's configured audit log. */
  file?: string;
}

export interface AuditVerifyResult {
  file: string;
  ok: boolean;
  lines: number;
  firstBadLine?: number;
  reason?: string;
}

/** Check the audit log's hash chain: an edited, inserted, reordered or deleted line is reported. */
export const AuditVerifyRequest = new RequestType<AuditVerifyParams, AuditVerifyResult, ErrorData>('audit/verify');
