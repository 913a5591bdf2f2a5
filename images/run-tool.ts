/**
 * Runs the external tools of the image builder (gcc, debootstrap, tar, docker) with argv arrays,
 * never through a shell, turning their output into progress lines and their failures into LlmrErrors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { LlmrError, type ErrorCode } from '../protocol/errors.js';

export interface ToolOptions {
  /** Called with each non-empty line the tool prints (stdout and stderr). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  cwd?: string;
  /** Code of the error thrown when the tool exits non-zero (default IMAGE_MISSING). */
  failCode?: ErrorCode;
  /** Keep stdout as a string instead of reporting it line by line. */
  captureStdout?: boolean;
  /** `pipe` leaves stdin (or stdout) to the caller, for pipelines. */
  stdin?: 'ignore' | 'pipe';
  stdout?: 'lines' | 'pipe';
  /** Extra environment variables (on top of this process's environment). */
  env?: Record<string, string>;
}

export interface StartedTool {
  child: ChildProcess;
  /** Resolves with captured stdout when the tool exits 0; rejects with an LlmrError otherwise. */
  done: Promise<string>;
}

/** What to install when a tool is missing. */
export const INSTALL_HINT = 'apt-get install -y debootstrap busybox-static gcc libc6-dev';

const KEPT_LINES = 15;

function lineSplitter(onLine: (line: string) => void): { feed: (chunk: Buffer) => void; end: () => void } {
  let rest = '';
  return {
    feed(chunk) {
      const parts = (rest + chunk.toString('utf8')).split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim() !== '') onLine(p.trimEnd());
    },
    end() {
      if (rest.trim() !== '') onLine(rest.trimEnd());
      rest = '';
    },
  };
}

function spawnError(cmd: string, err: NodeJS.ErrnoException): LlmrError {
  if (err.name === 'AbortError') return new LlmrError('CANCELLED', `${cmd} was cancelled`, undefined, { cause: err });
  if (err.code === 'ENOENT') {
    if (cmd === 'docker') return new LlmrError('DOCKER_UNAVAILABLE', 'docker command not found; install Docker (apt-get install -y docker.io)', undefined, { cause: err });
    return new LlmrError('IMAGE_MISSING', `${cmd} not found; install the image build tools: ${INSTALL_HINT}`, undefined, { cause: err });
  }
  return new LlmrError('IMAGE_MISSING', `cannot run ${cmd}: ${err.message}`, undefined, { cause: err });
}

/** `docker import`, `debootstrap`: the name a person recognises in an error message. */
function toolName(cmd: string, args: string[]): string {
  const base = path.basename(cmd);
  return base === 'docker' && args[0] ? `docker ${args[0]}` : base;
}

/** Starts a tool; its output is reported through `onLine`, its last lines end up in the error details. */
export function startTool(cmd: string, args: string[], opts: ToolOptions = {}): StartedTool {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    signal: opts.signal,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', ...opts.env },
  });
  const recent: string[] = [];
  const onLine = (line: string): void => {
    recent.push(line);
    if (recent.length > KEPT_LINES) recent.shift();
    opts.onLine?.(line);
  };
  let captured = '';
  const errLines = lineSplitter(onLine);
  const outLines = lineSplitter(onLine);
  child.stderr?.on('data', errLines.feed);
  if (opts.captureStdout) child.stdout?.on('data', (c: Buffer) => (captured += c.toString('utf8')));
  else if (opts.stdout !== 'pipe') child.stdout?.on('data', outLines.feed);
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', (err) => reject(spawnError(cmd, err)));
    child.on('close', (code, signal) => {
      errLines.end();
      outLines.end();
      if (code === 0) return resolve(captured);
      if (opts.signal?.aborted) return reject(new LlmrError('CANCELLED', `${cmd} was cancelled`));
      const status = code === null ? `signal ${signal}` : `status ${code}`;
      reject(new LlmrError(opts.failCode ?? 'IMAGE_MISSING', `${toolName(cmd, args)} failed with ${status}`, recent.join('\n')));
    });
  });
  return { child, done };
}

/** Runs a tool to completion; resolves with its stdout when `captureStdout` is set. */
export function runTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<string> {
  return startTool(cmd, args, opts).done;
}

/** Runs `first | second` (first's stdout into second's stdin); the second tool's error wins. */
export async function runPipeline(first: [string, string[]], second: [string, string[]], opts: ToolOptions = {}): Promise<void> {
  const a = startTool(first[0], first[1], { ...opts, stdout: 'pipe' });
  const b = startTool(second[0], second[1], { ...opts, stdin: 'pipe' });
  const src = a.child.stdout;
  const dst = b.child.stdin;
  if (!src || !dst) throw new LlmrError('INTERNAL', 'pipeline streams are missing');
  dst.on('error', () => {
    /* EPIPE when the consumer exits early: its own exit status reports the failure */
  });
  src.pipe(dst);
  // A consumer that dies stops reading; without this the producer would block on a full pipe forever.
  b.done.catch(() => a.child.kill('SIGTERM'));
  const [ra, rb] = await Promise.allSettled([a.done, b.done]);
  if (rb.status === 'rejected') throw rb.reason;
  if (ra.status === 'rejected') throw ra.reason;
}
