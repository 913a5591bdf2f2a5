/**
 * The exec capability (`exec/run`): policy check and plan (normalize.ts), then an exec container
 * with the current masks runs each step's argv (no shell unless configured); afterwards it is
 * cleaned and kept for the next command, or retired (reuse.ts, commands.exec.reuse_containers).
 * Timeout and cancellation remove the container, which kills everything in it.
 */
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import { ExecOutputNotification, type ExecParams, type ExecResult, type ExecUndoParams, type ExecUndoResult } from '../../protocol/exec.js';
import type { AuditSink } from '../audit/record.js';
import type { ContainerPool } from '../containers/pool.js';
import type { RequestContext } from '../context.js';
import type { ExecMasks } from './masks.js';
import { OutputCollector } from './output.js';
import { releaseAfter, stoppedWhileRunning } from './reuse.js';
import { runPlan } from './plan-run.js';
import { planCommand, type ExecPolicy } from './policy.js';
import type { PlanStep } from './normalize.js';
import { assertGit, type GitAccess } from './git.js';
import type { ReadWrite } from './rw.js';
import type { ToolCache } from './tool-cache.js';

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
  /** Single-use exec containers on the bridge network, for networked steps. */
  netPool?: ContainerPool;
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
  /** Whether commands see `.git`; a git command gets one clear line when they do not. */
  git: GitAccess;
  /** Set in read-write mode: each command between two walks, its changes reported and undoable. */
  rw?: ReadWrite;
  /** Persistent tool caches: emptied before a command when over their cap, measured after it. */
  toolCache?: ToolCache;
}

export interface Exec {
  run(params: ExecParams, ctx: RequestContext): Promise<ExecResult>;
  /** Undo the newest read-write command (NOTHING_TO_RESTORE in read-only mode or when none is left). */
  undo(params: ExecUndoParams, ctx: RequestContext): Promise<ExecUndoResult>;
}

/** Build the exec capability of one workspace. */
export function createExec(deps: ExecDeps): Exec {
  return {
    run: (params, ctx) => runExec(deps, params, ctx),
    undo: async (_params, ctx) => {
      if (deps.rw === undefined) throw new LlmrError('NOTHING_TO_RESTORE', 'commands run read-only here (commands.exec.repository: read-only), so they changed nothing to undo');
      const out = await deps.rw.undo();
      deps.audit.record({ session: ctx.session, operation: 'exec-undo', target: out.command, status: 'success', metadata: `run:${out.id},restored:${out.restored.length},removed:${out.removed.length},skipped:${out.skipped.length}` });
      return out;
    },
  };
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
    for (const step of plan.steps) assertGit(step.argv, deps.git);
    const go = (): Promise<ExecResult> => runPlan(plan, params, timeoutOf(deps.limits, params), (step, p) => runInContainer(deps, p, ctx, step, started));
    await deps.toolCache?.beforeCommand();
    const ran = await (deps.rw === undefined ? go() : runReadWrite(deps.rw, command, go)).finally(() => deps.toolCache?.afterCommand());
    const result = plan.steps.some((st) => st.networked === true) ? { ...ran, networked: true } : ran;
    const status = result.exitCode === 0 ? 'completed' : 'failed';
    deps.audit.record({
      session: ctx.session, operation: 'exec', target: command, status: result.exitCode === 0 ? 'success' : 'failed',
      metadata: `exit_code:${result.exitCode},duration:${(result.durationMs / 1000).toFixed(3)}s,status:${status}${params.stdin ? ',stdin:provided' : ''}${plan.steps.some((st) => st.networked === true) ? ',network:bridge' : ''}${changeMeta(result)}`,
    });
    return result;
  } catch (err) {
    const e = asLlmrError(err);
    deps.audit.record({ session: ctx.session, operation: 'exec', target: command, status: 'failed', metadata: `${e.code}: ${e.message}` });
    throw err;
  }
}

/** A read-write command: its result carries what it changed; an error still records the changes (they are undoable). */
async function runReadWrite(rw: ReadWrite, command: string, go: () => Promise<ExecResult>): Promise<ExecResult> {
  let failure: unknown;
  const { value, changes } = await rw.around(command, () => go().catch((err: unknown) => { failure = err; return undefined; }));
  if (failure !== undefined) {
    const n = changes.counts.created + changes.counts.changed + changes.counts.deleted;
    if (!(failure instanceof LlmrError) || n === 0) throw failure;
    const note = `before it stopped it created ${changes.counts.created}, changed ${changes.counts.changed} and deleted ${changes.counts.deleted} files (undo record ${changes.undoId}; llmr exec undo puts them back)`;
    throw new LlmrError(failure.code, failure.message, failure.details === undefined ? note : `${failure.details}; ${note}`, { cause: failure.cause, output: failure.output });
  }
  return { ...(value as ExecResult), changes };
}

function changeMeta(r: ExecResult): string {
  const c = r.changes;
  if (c === undefined) return '';
  return `,created:${c.counts.created},changed:${c.counts.changed},deleted:${c.counts.deleted},refused:${c.refused.length},undo:${c.undoId}`;
}

/** How often a command is tried in a fresh container when the helper finds a mask broken before it starts. */
const MASK_RETRIES = 3;

async function runInContainer(deps: ExecDeps, params: ExecParams, ctx: RequestContext, step: PlanStep, started: number): Promise<ExecResult> {
  // masks (masks.ts): MASK_BROKEN comes before the command starts, so nothing ran and nothing was streamed
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runOnce(deps, params, ctx, step, started);
    } catch (err) {
      if (!(err instanceof LlmrError && err.code === 'MASK_BROKEN') || attempt >= MASK_RETRIES) throw err;
      deps.masks.invalidate();
    }
  }
}

async function runOnce(deps: ExecDeps, params: ExecParams, ctx: RequestContext, step: PlanStep, started: number): Promise<ExecResult> {
  const { argv, mergeStderr } = step;
  const timeoutMs = timeoutOf(deps.limits, params);
  const out = new OutputCollector();
  const token = params.streamToken;
  const pool = step.networked === true && deps.netPool !== undefined ? deps.netPool : deps.pool;
  if (step.networked === true && deps.netPool === undefined) throw new LlmrError('INTERNAL', 'a networked step without a networked pool');
  const lease = await deps.masks.freshLease(pool, ctx.signal, deps.poolSize, timeoutMs);
  let timedOut = false;
  let finished = false;
  const timer = setTimeout(() => { timedOut = true; lease.conn.close(); }, timeoutMs);
  const onAbort = (): void => lease.conn.close();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const final = await lease.conn.exec(
      { cwd: '/workspace', maxOutputBytes: deps.limits.maxOutputBytes, stdin: params.stdin ?? '', env: deps.env, argv, mergeStderr },
      (stream, data) => {
        out.add(mergeStderr ? 'stdout' : stream, data);
        if (token !== undefined) ctx.notify(ExecOutputNotification, { token, stream, data: data.toString('utf8') });
      });
    finished = true;
    const { stdout, stderr, omitted } = out.finish(final);
    return {
      exitCode: final.exitCode, durationMs: Math.round(performance.now() - started), stdout, stderr, omittedBytes: omitted,
      ...(step.networked === true ? { networked: true } : {}),
    };
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
    // reuse.ts: cleaned and kept only after a command that finished (networked containers never are).
    // In read-write mode the clean is awaited, so no leftover process can change the repository after
    // the walk that reports (and backs up) what the command changed; otherwise it runs off the answer's path.
    const kept = releaseAfter(pool, lease, finished && deps.reuse === true && pool === deps.pool);
    if (deps.rw !== undefined) await kept; else void kept;
  }
}
