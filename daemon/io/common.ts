import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import type { RequestContext } from '../rpc/handle.js';
import type { Workspace } from '../workspaces/workspace.js';

/** Audit a failed operation with its code and message (never the internal cause). */
export function auditFailure(ws: Workspace, ctx: RequestContext, operation: string, target: string, err: unknown): void {
  const e = asLlmrError(err);
  ws.audit.record({ session: ctx.session, operation, target, status: 'failed', metadata: `${e.code}: ${e.message}` });
}

/**
 * Run an I/O operation under `commands.io.timeout_seconds` as well as the request's own signal.
 * When the deadline passes, the container's conversation is cut (the container is retired) and
 * the operation fails with COMMAND_TIMEOUT.
 */
export async function withIoDeadline<T>(ws: Workspace, ctx: RequestContext, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const seconds = ws.config.commands.io.timeout_seconds;
  const deadline = AbortSignal.timeout(Math.round(seconds * 1000));
  try {
    return await fn(AbortSignal.any([ctx.signal, deadline]));
  } catch (err) {
    if (deadline.aborted && !ctx.signal.aborted) {
      throw new LlmrError('COMMAND_TIMEOUT', `${what} did not finish within ${seconds}s`, 'raise commands.io.timeout_seconds', { cause: err });
    }
    throw err;
  }
}
