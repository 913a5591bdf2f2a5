/**
 * `exec/run`: policy check and plan (normalize.ts), then one single-use exec container per step runs
 * its argv (no shell unless configured). Timeout and cancellation remove the container, which kills everything in it.
 */
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import { ExecOutputNotification, type ExecParams, type ExecResult } from '../../protocol/exec.js';
import type { Lease } from '../containers/pool.js';
import { LABELS } from '../containers/spec.js';
import type { RequestContext } from '../rpc/handle.js';
import { execEnv, maskVersion } from '../workspaces/pools.js';
import type { Workspace } from '../workspaces/workspace.js';
import { planCommand } from './policy.js';
import { OutputCollector } from './output.js';
import { runPlan } from './plan-run.js';
import { effectiveWhitelist } from './profiles.js';

/** How old the list of excluded files may be when a command starts (the walk is shared by concurrent execs). */
const MASK_MAX_AGE_MS = 500;

/**
 * An exec container created with the current mask set: one whose masks are out of date (an
 * excluded file appeared since it was started) is retired and replaced, never used.
 */
async function acquireFresh(ws: Workspace, signal: AbortSignal): Promise<Lease> {
  // every idle container may be stale after a change: try one more than the pool can hold
  for (let i = 0; i <= ws.config.container_pool.size; i += 1) {
    const masks = await ws.pools.masks.fresh(MASK_MAX_AGE_MS);
    if (!masks.complete) {
      throw new LlmrError('COMMAND_DISABLED', `exec is unavailable in this repository: ${masks.reason}, so llmr cannot hide every excluded file from commands`);
    }
    const lease = await ws.pools.exec.acquire(signal);
    if (lease.labels[LABELS.masks] === maskVersion(masks.version)) return lease;
    await ws.pools.exec.release(lease, true);
  }
  throw new LlmrError('CONTAINER_FAILED', 'could not start an exec container matching the current excluded files (they keep changing)');
}

function timeoutOf(ws: Workspace, params: ExecParams): number {
  const cfg = ws.config.commands.exec;
  const asked = typeof params.timeoutMs === 'number' && params.timeoutMs > 0 ? params.timeoutMs : cfg.timeout_seconds * 1000;
  return Math.min(asked, cfg.max_timeout_seconds * 1000);
}

/** Run one command for the model. */
export async function runExec(ws: Workspace, params: ExecParams, ctx: RequestContext): Promise<ExecResult> {
  const command = typeof params.command === 'string' ? params.command : '';
  const started = performance.now();
  try {
    const cfg = ws.config.commands.exec;
    if (!cfg.enabled) throw new LlmrError('COMMAND_DISABLED', 'exec is disabled by commands.exec.enabled');
    const plan = planCommand(command, { whitelist: effectiveWhitelist(cfg.profile, cfg.whitelist), allowShell: cfg.allow_shell, roots: [ws.root] });
    const result = await runPlan(plan, params, timeoutOf(ws, params), (step, p) => runInContainer(ws, p, ctx, step.argv, started, step.mergeStderr));
    const status = result.exitCode === 0 ? 'completed' : 'failed';
    ws.audit.record({
      session: ctx.session, operation: 'exec', target: command, status: result.exitCode === 0 ? 'success' : 'failed',
      metadata: `exit_code:${result.exitCode},duration:${(result.durationMs / 1000).toFixed(3)}s,status:${status}${params.stdin ? ',stdin:provided' : ''}`,
    });
    return result;
  } catch (err) {
    const e = asLlmrError(err);
    ws.audit.record({ session: ctx.session, operation: 'exec', target: command, status: 'failed', metadata: `${e.code}: ${e.message}` });
    throw err;
  }
}

async function runInContainer(ws: Workspace, params: ExecParams, ctx: RequestContext, argv: string[], started: number, mergeStderr = false): Promise<ExecResult> {
  const cfg = ws.config.commands.exec;
  const timeoutMs = timeoutOf(ws, params);
  const out = new OutputCollector();
  const token = params.streamToken;
  const lease = await acquireFresh(ws, ctx.signal);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; lease.conn.close(); }, timeoutMs);
  const onAbort = (): void => lease.conn.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const final = await lease.conn.exec(
      { cwd: '/workspace', maxOutputBytes: cfg.max_output_bytes, stdin: params.stdin ?? '', env: execEnv(ws.config), argv },
      (stream, data) => {
        out.add(mergeStderr ? 'stdout' : stream, data);
        if (token !== undefined) ctx.notify(ExecOutputNotification, { token, stream, data: data.toString('utf8') });
      });
    const { stdout, stderr, omitted } = out.finish(final);
    return { exitCode: final.exitCode, durationMs: Math.round(performance.now() - started), stdout, stderr, omittedBytes: omitted };
  } catch (err) {
    const soFar = { ...out.partial(), durationMs: Math.round(performance.now() - started) };
    if (timedOut) {
      throw new LlmrError('COMMAND_TIMEOUT', `command timed out after ${(timeoutMs / 1000).toFixed(1)}s and was killed`,
        'its container was removed; raise the limit with commands.exec.timeout_seconds (max commands.exec.max_timeout_seconds)', { output: soFar });
    }
    if (ctx.signal.aborted) throw new LlmrError('CANCELLED', 'command cancelled; its container was removed', undefined, { output: soFar });
    throw err;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    await ws.pools.exec.release(lease, true);
  }
}
