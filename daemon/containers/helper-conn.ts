/**
 * A conversation with the helper inside one container: frames out over the attached stdin,
 * frames back from its demultiplexed stdout. One request at a time (the pool lends a
 * container to one operation at a time).
 */
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import type { AttachedContainer } from './docker.js';
import { FrameDecoder, encodeFrame, helperError, type Frame } from './helper-codec.js';

type Waiter = { onFrame: (f: Frame) => boolean; reject: (e: Error) => void };

/** Helper stderr kept in the daemon log per container; the rest is dropped (a command could flood it). */
const STDERR_LOG_BYTES = 16 * 1024;
/** Slack over the output cap before exec frames are treated as forged by the command. */
const OUTPUT_SLACK_BYTES = 64 * 1024;
/** The exit frame's fields besides its two tails (type, lengths, three decimal numbers). */
const EXIT_FRAME_OVERHEAD_BYTES = 256;

export interface ExecRequest {
  cwd: string;
  maxOutputBytes: number;
  stdin: string;
  env: string[];
  argv: string[];
}

export interface ExecFinal {
  exitCode: number;
  omittedStdout: number;
  omittedStderr: number;
  stdoutTail: Buffer;
  stderrTail: Buffer;
}

export class HelperConnection {
  readonly id: string;
  private readonly decoder = new FrameDecoder();
  private waiter: Waiter | undefined;
  private dead: Error | undefined;

  constructor(private readonly container: AttachedContainer, private readonly log: Logger) {
    this.id = container.id;
    container.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    let logged = 0;
    container.stderr.on('data', (chunk: Buffer) => {
      if (logged >= STDERR_LOG_BYTES) return;
      logged += chunk.length;
      const stderr = chunk.toString('utf8').slice(0, 500);
      log.warn({ container: this.id.slice(0, 12), stderr, truncated: logged >= STDERR_LOG_BYTES || undefined }, 'helper stderr');
    });
    container.stdin.on('error', (err) => this.fail(new LlmrError('CONTAINER_FAILED', 'container stdin failed', undefined, { cause: err })));
    void container.closed.then(() => this.fail(new LlmrError('CONTAINER_FAILED', `container ${this.id.slice(0, 12)} stopped unexpectedly`)));
  }

  /** False once the container's stream ended or a protocol error happened. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const frame of frames) {
      const w = this.waiter;
      if (w === undefined) {
        this.fail(new LlmrError('CONTAINER_FAILED', `helper sent an unexpected '${frame.type}' frame`));
        return;
      }
      if (w.onFrame(frame)) this.waiter = undefined;
    }
  }

  private fail(err: Error): void {
    if (this.dead !== undefined) return;
    this.dead = err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  /** Send one frame and collect frames until `onFrame` returns true. */
  private converse<T>(type: string, fields: Array<Buffer | string>, signal: AbortSignal | undefined,
    handle: (f: Frame, resolve: (v: T) => void, reject: (e: Error) => void) => boolean): Promise<T> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    if (this.waiter !== undefined) return Promise.reject(new LlmrError('INTERNAL', 'helper connection is busy'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.fail(new LlmrError('CANCELLED', 'operation cancelled'));
      };
      const cleanup = (): void => signal?.removeEventListener('abort', onAbort);
      this.waiter = {
        onFrame: (f) => handle(f, (v) => { cleanup(); resolve(v); }, (e) => { cleanup(); reject(e); }),
        reject: (e) => { cleanup(); reject(e); },
      };
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.container.stdin.write(encodeFrame(type, fields));
    });
  }

  /** A request with one answer: `K` fields, or an `E` turned into an LlmrError. */
  request(type: string, fields: Array<Buffer | string>, signal?: AbortSignal): Promise<Buffer[]> {
    return this.converse<Buffer[]>(type, fields, signal, (f, resolve, reject) => {
      if (f.type === 'K') resolve(f.fields);
      else if (f.type === 'E') reject(helperError(f));
      else reject(new LlmrError('CONTAINER_FAILED', `helper answered with an unexpected '${f.type}' frame`));
      return true;
    });
  }

  /** Liveness round trip. */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.request('P', [], signal);
  }

  /**
   * Run argv; `onOutput` receives live chunks; resolves with the final frame. The command shares
   * the container (and its stdout) with the helper, so frames are untrusted here: more output
   * than the cap allows ends the conversation instead of growing the daemon's memory.
   */
  exec(req: ExecRequest, onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => void, signal?: AbortSignal): Promise<ExecFinal> {
    const fields: Array<Buffer | string> = [req.cwd, String(req.maxOutputBytes), req.stdin, String(req.env.length), ...req.env, ...req.argv];
    const budget = req.maxOutputBytes + OUTPUT_SLACK_BYTES;
    // the command can write forged frame headers: cap their length when the header arrives, not at 64 MiB
    this.decoder.maxFrameBytes = budget + EXIT_FRAME_OVERHEAD_BYTES;
    let received = 0;
    return this.converse<ExecFinal>('X', fields, signal, (f, resolve, reject) => {
      if (f.type === 'o' || f.type === 'e') {
        const data = f.fields[0] ?? Buffer.alloc(0);
        received += data.length;
        if (received > budget) {
          reject(new LlmrError('CONTAINER_FAILED', `command output exceeded ${budget} bytes outside the helper's cap (forged output frames?)`));
          this.fail(new LlmrError('CONTAINER_FAILED', 'exec output over budget'));
          return true;
        }
        onOutput(f.type === 'o' ? 'stdout' : 'stderr', data);
        return false;
      }
      if (f.type === 'x') {
        const [code, omO, omE, tailO, tailE] = f.fields;
        if ((tailO?.length ?? 0) + (tailE?.length ?? 0) > budget) {
          reject(new LlmrError('CONTAINER_FAILED', 'command output tails exceed the output cap (forged exit frame?)'));
          return true;
        }
        resolve({
          exitCode: Number(code?.toString() ?? '-1'),
          omittedStdout: Number(omO?.toString() ?? '0'),
          omittedStderr: Number(omE?.toString() ?? '0'),
          stdoutTail: tailO ?? Buffer.alloc(0),
          stderrTail: tailE ?? Buffer.alloc(0),
        });
      } else if (f.type === 'E') reject(helperError(f));
      else reject(new LlmrError('CONTAINER_FAILED', `helper answered with an unexpected '${f.type}' frame`));
      return true;
    });
  }

  /** Close stdin so the helper exits (the container then removes itself). */
  close(): void {
    this.fail(new LlmrError('CONTAINER_FAILED', 'connection closed'));
    this.container.stdin.end();
  }
}
