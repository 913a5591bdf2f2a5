/**
 * The exec capability (`exec/run`): policy check and plan (normalize.ts), then an exec container
 * with the current masks runs each step's argv (no shell unless configured); afterwards it is
 * cleaned and kept for the next command, or retired (reuse.ts, commands.exec.reuse_containers).
 * Timeout and cancellation remove the container, which kills everything in it.
 */
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import { ExecOutputNotification, type ExecParams, type ExecResult } from '../../protocol/exec.js';
import type { AuditSink } from '../audit/record.js';
import type { ContainerPool } from '../containers/pool.js';
import type { RequestContext } from '../context.js';
import type { ExecMasks } from './masks.js';
import { OutputCollector } from './output.js';
import { releaseAfter, stoppedWhileRunning } from './reuse.js';
import { runPlan } from './plan-run.js';
import { planCommand, type ExecPolicy } from './policy.js';

export interface ExecLimits {
  enabled: boolean;
  timeoutSeconds: number;
  maxTimeoutSeconds: number;
  maxOutputBytes: number;
}

export interface ExecDeps {
  /** Whitelist (profile entries included), shell switch, and the roots a leading `cd ROOT &&` may name. */
  policy: ExecPolicy & { roots?: readonly string[] };
  /** Single-use exec containers. */
  pool: ContainerPool;
  /** How many containers the pool holds (bounds the retries for a fresh one). */
  poolSize: number;
  masks: Pick<ExecMasks, 'freshLease' | 'invalidate'>;
  audit: AuditSink;
  limits: ExecLimits;
  /** The command's whole environment (tool caches on tmpfs, plus commands.exec.env). */
  env: Record<string, string>;
  /** The exec image (commands.exec.container_image), named in hints. */
  image: string;
  /** commands.exec.reuse_containers: a container serves the next command after `clean` (reuse.ts). */
  reuse?: boolean;
}

export interface Exec {
  run(params: ExecParams, ctx: RequestContext): Promise<ExecResult>;
}

/** Build the exec capability of one workspace. */
export function createExec(deps: ExecDeps): Exec {
  return { run: (params, ctx) => runExec(deps, params, ctx) };
}

function timeoutOf(limits: ExecLimits, params: ExecParams): number {
  const asked = typeof params.timeoutMs === 'number' && params.timeoutMs > 0 ? params.timeoutMs : limits.timeoutSeconds * 1000;
  return Math.min(asked, limits.maxTimeoutSeconds * 1000);
}

/** Run one command for the model. */
async function runExec(deps: ExecDeps, params: ExecParams, ctx: RequestContext): Promise<ExecResult> {
  const command = typeof params.command === 'string' ? params.command : '';
  const started = performance.now();
  try {
    if (!deps.limits.enabled) throw new LlmrError('COMMAND_DISABLED', 'exec is disabled by commands.exec.enabled');
    const plan = planCommand(command, deps.policy);
    const result = await runPlan(plan, params, timeoutOf(deps.limits, params), (step, p) => runInContainer(deps, p, ctx, step.argv, started, step.mergeStderr));
    const status = result.exitCode === 0 ? 'completed' : 'failed';
    deps.audit.record({
      session: ctx.session, operation: 'exec', target: command, status: result.exitCode === 0 ? 'success' : 'failed',
      metadata: `exit_code:${result.exitCode},duration:${(result.durationMs / 1000).toFixed(3)}s,status:${status}${params.stdin ? ',stdin:provided' : ''}`,
    });
    return result;
  } catch (err) {
    const e = asLlmrError(err);
    deps.audit.record({ session: ctx.session, operation: 'exec', target: command, status: 'failed', metadata: `${e.code}: ${e.message}` });
    throw err;
  }
}

/** How often a command is tried in a fresh container when the helper finds a mask broken before it starts. */
const MASK_RETRIES = 3;

async function runInContainer(deps: ExecDeps, params: ExecParams, ctx: RequestContext, argv: string[], started: number, mergeStderr = false): Promise<ExecResult> {
  // masks (masks.ts): MASK_BROKEN comes before the command starts, so nothing ran and nothing was streamed
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runOnce(deps, params, ctx, argv, started, mergeStderr);
    } catch (err) {
      if (!(err instanceof LlmrError && err.code === 'MASK_BROKEN') || attempt >= MASK_RETRIES) throw err;
      deps.masks.invalidate();
    }
  }
}

async function runOnce(deps: ExecDeps, params: ExecParams, ctx: RequestContext, argv: string[], started: number, mergeStderr: boolean): Promise<ExecResult> {
  const timeoutMs = timeoutOf(deps.limits, params);
  const out = new OutputCollector();
  const token = params.streamToken;
  const lease = await deps.masks.freshLease(deps.pool, ctx.signal, deps.poolSize, timeoutMs);
  let timedOut = false;
  let finished = false;
  const timer = setTimeout(() => { timedOut = true; lease.conn.close(); }, timeoutMs);
  const onAbort = (): void => lease.conn.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const final = await lease.conn.exec(
      { cwd: '/workspace', maxOutputBytes: deps.limits.maxOutputBytes, stdin: params.stdin ?? '', env: deps.env, argv },
      (stream, data) => {
        out.add(mergeStderr ? 'stdout' : stream, data);
        if (token !== undefined) ctx.notify(ExecOutputNotification, { token, stream, data: data.toString('utf8') });
      });
    finished = true;
    const { stdout, stderr, omitted } = out.finish(final);
    return { exitCode: final.exitCode, durationMs: Math.round(performance.now() - started), stdout, stderr, omittedBytes: omitted };
  } catch (err) {
    const soFar = { ...out.partial(), durationMs: Math.round(performance.now() - started) };
    if (timedOut) {
      throw new LlmrError('COMMAND_TIMEOUT', `command timed out after ${(timeoutMs / 1000).toFixed(1)}s and was killed`,
        'its container was removed; raise the limit with commands.exec.timeout_seconds (max commands.exec.max_timeout_seconds)', { output: soFar });
    }
    if (ctx.signal.aborted) throw new LlmrError('CANCELLED', 'command cancelled; its container was removed', undefined, { output: soFar });
    if (err instanceof LlmrError && err.code === 'COMMAND_NOT_FOUND' && err.details === undefined) {
      throw new LlmrError('COMMAND_NOT_FOUND', err.message,
        `the exec image ${deps.image} has no ${argv[0]} on its PATH; set commands.exec.container_image in your user config (llmr config path) to an image that has it`);
    }
    throw stoppedWhileRunning(err, lease, soFar);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
    // reuse.ts: cleaned and kept only after a command that finished, in the background (off the answer's path)
    void releaseAfter(deps.pool, lease, finished && deps.reuse === true);
  }
}
