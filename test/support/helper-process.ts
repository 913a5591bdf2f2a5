/**
 * Test driver for the in-container helper: runs a command whose stdin/stdout speak the helper's
 * frames (the helper itself, or `docker run -i` of an image) and sends requests through the codec.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { lstatSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LlmrError } from '../../protocol/errors.js';
import { FrameDecoder, decodeExecExit, encodeExec, isFinalFrame, type ExecRequestSpec, type Frame } from '../../daemon/containers/helper-codec.js';

/** The LlmrError code `p` rejects with (fails when it resolves or rejects with something else). */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof LlmrError)) throw new Error(`expected an LlmrError, got ${String(err)}`);
    return err.code;
  }
  throw new Error('expected an error');
}

/** The helper's source in this checkout. */
const HELPER_SOURCE = fileURLToPath(new URL('../../images/helper/llmr-helper.c', import.meta.url));

/** Compile the helper as the image build does, warnings as errors, into a new temp dir; the binary's path and its dir (the caller removes it). */
export function compileHelper(prefix: string): { dir: string; binary: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const binary = path.join(dir, 'llmr-helper');
  execFileSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, HELPER_SOURCE], { stdio: 'pipe' });
  return { dir, binary };
}

export const TEST_PATH_ENV = '/usr/local/bin:/usr/bin:/bin';

export class HelperProcess {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private wake: (() => void) | undefined;
  private decodeError: unknown;
  stderr = '';

  constructor(command: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(env !== undefined ? { env } : {}) });
    this.proc.stdout.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.decoder.push(chunk));
      } catch (err) {
        this.decodeError = err;
      }
      this.wake?.();
    });
    this.proc.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.proc.stdin.on('error', () => {
      /* EPIPE after the helper exited: the next request times out with the helper's stderr */
    });
  }

  /** Sends one request and collects frames up to and including the final one (K, E or x). */
  async request(frame: Buffer, timeoutMs = 15_000): Promise<Frame[]> {
    this.proc.stdin.write(frame);
    const deadline = Date.now() + timeoutMs;
    const out: Frame[] = [];
    for (;;) {
      if (this.decodeError) throw this.decodeError;
      while (this.frames.length > 0) {
        const f = this.frames.shift()!;
        out.push(f);
        if (isFinalFrame(f)) return out;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`helper did not answer within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The final frame of one request. */
  async one(frame: Buffer): Promise<Frame> {
    const frames = await this.request(frame);
    return frames[frames.length - 1];
  }

  /** Runs a command; `head` is what was streamed live, `exit` the decoded `x` frame. */
  async exec(spec: Partial<ExecRequestSpec> & { argv: string[] }, timeoutMs?: number) {
    const request = encodeExec({ cwd: '', maxOutputBytes: 1 << 20, stdin: '', env: { PATH: TEST_PATH_ENV }, ...spec });
    const frames = await this.request(request, timeoutMs);
    const pick = (t: string) => Buffer.concat(frames.filter((f) => f.type === t).map((f) => f.fields[0]));
    return { head: { stdout: pick('o'), stderr: pick('e') }, exit: decodeExecExit(frames[frames.length - 1]), frames };
  }

  /** Ends stdin and waits for the exit status. */
  async close(): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    const exited = once(this.proc, 'exit');
    this.proc.stdin.end();
    const [code] = await exited;
    return code as number | null;
  }
}

/** "DEV:INO" of `rel` under `root` as the daemon's guard sends it with a read ('0:0' when there is nothing). */
export function identityOf(root: string, rel: string): string {
  if (rel.includes('\0')) return '0:0';
  const st = lstatSync(path.join(root, rel), { bigint: true, throwIfNoEntry: false });
  return st === undefined ? '0:0' : `${st.dev}:${st.ino}`;
}

/** The write anchor the guard sends: the deepest existing directory above `rel` (the root at worst). */
export function anchorOf(root: string, rel: string): { depth: number; id: string } {
  const dir = path.posix.dirname(rel);
  const parts = dir === '.' || dir === '/' || rel.includes('\0') ? [] : dir.split('/');
  for (let depth = parts.length; depth > 0; depth -= 1) {
    const st = lstatSync(path.join(root, ...parts.slice(0, depth)), { bigint: true, throwIfNoEntry: false });
    if (st?.isDirectory() === true) return { depth, id: `${st.dev}:${st.ino}` };
  }
  return { depth: 0, id: identityOf(root, '.') };
}
