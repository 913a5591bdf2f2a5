import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import type { RequestContext } from '../rpc/handle.js';
import type { Workspace } from '../workspaces/workspace.js';

/** A required string param, or INVALID_PARAMS naming it. */
export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new LlmrError('INVALID_PARAMS', `${name} must be a string`);
  return value;
}

/** Audit a failed operation with its code and message (never the internal cause). */
export function auditFailure(ws: Workspace, ctx: RequestContext, operation: string, target: string, err: unknown): void {
  const e = asLlmrError(err);
  ws.audit.record({ session: ctx.session, operation, target, status: 'failed', metadata: `${e.code}: ${e.message}` });
}
