/**
 * Warm exec containers that serve more than one command (commands.exec.reuse_containers).
 *
 * The command runs as the same uid as llmr's helper, so it can do anything the helper can —
 * including kill it. Reuse is safe only because nothing of one command survives into the next:
 * after a command finishes, the daemon asks the helper to `clean` (images/helper/llmr-helper.c):
 * kill(-1, SIGKILL) until no process but the helper and the container's init is left (the helper
 * is the subreaper, so every double-forked or setsid'ed leftover is its child and `waitpid`
 * tells when the last is gone), empty /tmp and /dev/shm (never following symlinks or leaving
 * their filesystem), and check every mask again. Any error, a timeout, a command that timed out
 * or was cancelled, or a helper that died → the container is retired, never reused. Before the
 * next command the mask label and the helper's own mask check apply as for a fresh container.
 *
 * Not wiped: System V IPC objects in the container's private IPC namespace and the container's
 * kernel state (e.g. its pids count); a command can leave data there for the next command of the
 * same workspace, never a process.
 */
import { LlmrError } from '../../protocol/errors.js';
import type { ExecOutputSoFar } from '../../protocol/errors.js';
import type { ContainerPool, Lease } from '../containers/pool.js';

/** How long `clean` may take before the container is retired instead. */
const CLEAN_TIMEOUT_MS = 3000;

/** Return `lease` to `pool`: cleaned and kept when `reuse`, else retired. Never throws. */
export async function releaseAfter(pool: ContainerPool, lease: Lease, reuse: boolean): Promise<void> {
  let keep = reuse && lease.conn.alive;
  if (keep) {
    // one controller and a timer cleared at once (AbortSignal.timeout keeps both alive for the whole 3 s)
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException('clean timed out', 'TimeoutError')), CLEAN_TIMEOUT_MS);
    keep = await lease.conn.clean(deadline.signal).then(() => true, () => false).finally(() => clearTimeout(timer));
  }
  await pool.release(lease, !keep).catch(() => undefined);
}

/**
 * The error for a command whose container stopped under it: the command killed llmr's helper
 * (kill(-1, SIGKILL), a kill of its parent) or the container ran out of memory. Its output so far
 * comes with it, never a bare CONTAINER_FAILED.
 */
export function stoppedWhileRunning(err: unknown, lease: Lease, output: ExecOutputSoFar): unknown {
  if (!(err instanceof LlmrError) || err.code !== 'CONTAINER_FAILED' || lease.conn.alive) return err;
  return new LlmrError('EXEC_ABORTED',
    'the command stopped its container while it ran (it killed llmr\'s helper, e.g. kill -1, or the container ran out of memory)',
    'its container was removed and nothing of it is reused; the output so far is attached', { output, cause: err });
}
