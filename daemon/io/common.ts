/**
 * What the io capability is built from (`createIo` in io.ts), and the pieces read and write share.
 */
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import type { AuditSink } from '../audit/record.js';
import type { ContainerPool } from '../containers/pool.js';
import type { RequestContext } from '../context.js';
import type { PathGuard } from '../paths/guard.js';

export interface IoLimits {
  open: { enabled: boolean; maxFileSize: number };
  write: { enabled: boolean; maxFileSize: number; allowedExtensions: string[]; backupBeforeWrite: boolean };
  /** `commands.io.timeout_seconds`: the deadline of one read or write. */
  timeoutSeconds: number;
}

export interface IoDeps {
  guard: Pick<PathGuard, 'forRead' | 'forWrite'>;
  /** io-read containers: the repository mounted read-only. */
  readPool: ContainerPool;
  /** io-write containers: the repository mounted read-write, `.git` and the config read-only. */
  writePool: ContainerPool;
  limits: IoLimits;
  audit: AuditSink;
  /** Where backups of overwritten files go: `<stateDir>/backups/<workspaceId>/…`. */
  backups: { stateDir: string; workspaceId: string };
}

/** Audit a failed operation with its code and message (never the internal cause). */
export function auditFailure(audit: AuditSink, ctx: RequestContext, operation: string, target: string, err: unknown): void {
  const e = asLlmrError(err);
  audit.record({ session: ctx.session, operation, target, status: 'failed', metadata: `${e.code}: ${e.message}` });
}

/**
 * Run an I/O operation under `commands.io.timeout_seconds` as well as the request's own signal.
 * When the deadline passes, the container's conversation is cut (the container is retired) and
 * the operation fails with COMMAND_TIMEOUT.
 *
 * One controller, one timer and one listener per operation, all released when it ends
 * (`AbortSignal.timeout` plus `AbortSignal.any` cost several times more per request and keep
 * their signals alive until the timeout fires).
 */
export async function withIoDeadline<T>(seconds: number, ctx: RequestContext, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(ctx.signal.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`${what} did not finish within ${seconds}s`, 'TimeoutError'));
  }, Math.round(seconds * 1000));
  if (ctx.signal.aborted) onAbort(); else ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(controller.signal);
  } catch (err) {
    if (timedOut && !ctx.signal.aborted) {
      throw new LlmrError('COMMAND_TIMEOUT', `${what} did not finish within ${seconds}s`, 'raise commands.io.timeout_seconds', { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
