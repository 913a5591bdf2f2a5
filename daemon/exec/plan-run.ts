/**
 * Runs an {@link ExecPlan}: its steps one after the other through the single-command runner,
 * stopping after the first non-zero exit (`a && b`), each step's stderr merged for `2>&1` and its
 * output cut by `| head -N` / `| tail -N`. Pure apart from the runner it is given.
 */
import { LlmrError } from '../../protocol/errors.js';
import type { ExecParams, ExecResult } from '../../protocol/exec.js';
import { applyFilters, type ExecPlan, type PlanStep } from './normalize.js';

/** Runs one step with `params` (stdin only for the first step, the time left as its timeout). */
export type StepRunner = (step: PlanStep, params: ExecParams) => Promise<ExecResult>;

/** A step's result as the model sees it: stderr merged into stdout for `2>&1`, then the filters. */
export function shapeStep(step: PlanStep, r: ExecResult): ExecResult {
  // with 2>&1 the runner already sent stderr to stdout in order; what is left is a capped tail
  const stdout = step.mergeStderr ? r.stdout + r.stderr : r.stdout;
  const stderr = step.mergeStderr ? '' : r.stderr;
  return { ...r, stdout: applyFilters(stdout, step.filters), stderr };
}

function join(a: ExecResult | undefined, b: ExecResult): ExecResult {
  if (a === undefined) return b;
  return { exitCode: b.exitCode, durationMs: b.durationMs, stdout: a.stdout + b.stdout, stderr: a.stderr + b.stderr, omittedBytes: a.omittedBytes + b.omittedBytes };
}

/**
 * Every step of `plan` until one fails; the result carries the output of all that ran and the exit
 * status of the last. `timeoutMs` bounds the whole plan. An error of a later step keeps the output
 * of the steps before it.
 */
export async function runPlan(plan: ExecPlan, params: ExecParams, timeoutMs: number, run: StepRunner): Promise<ExecResult> {
  const deadline = performance.now() + timeoutMs;
  let result: ExecResult | undefined;
  for (const [i, step] of plan.steps.entries()) {
    const left = Math.max(1, Math.round(deadline - performance.now()));
    const stepParams: ExecParams = { ...params, timeoutMs: left, stdin: i === 0 ? params.stdin : undefined };
    let r: ExecResult;
    try {
      r = shapeStep(step, await run(step, stepParams));
    } catch (err) {
      throw withEarlierOutput(err, result);
    }
    result = join(result, r);
    if (r.exitCode !== 0) break;
  }
  if (result === undefined) throw new LlmrError('INVALID_SYNTAX', 'empty command');
  return result;
}

function withEarlierOutput(err: unknown, before: ExecResult | undefined): unknown {
  if (before === undefined || !(err instanceof LlmrError) || err.output === undefined) return err;
  const output = { ...err.output, stdout: before.stdout + err.output.stdout, stderr: before.stderr + err.output.stderr };
  return new LlmrError(err.code, err.message, err.details, { cause: err.cause, output });
}
