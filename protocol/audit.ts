import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { AuditVerifyParamsSchema } from './params.js';

/** Params of the method, inferred from `AuditVerifyParamsSchema` (protocol/params.ts), their one definition. */
export type AuditVerifyParams = z.infer<typeof AuditVerifyParamsSchema>;

export interface AuditVerifyResult {
  file: string;
  ok: boolean;
  lines: number;
  firstBadLine?: number;
  reason?: string;
}

/** Check the audit log's hash chain: an edited, inserted, reordered or deleted line is reported. */
export const AuditVerifyRequest = new RequestType<AuditVerifyParams, AuditVerifyResult, ErrorData>('audit/verify');
