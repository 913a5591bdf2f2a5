/**
 * The typed client of the helper inside one container: `read`, `write`, `exec` and `ping`, each
 * encoded and decoded by helper-codec.ts (the only place that knows the wire letters). Frames go
 * both ways over the helper's own Unix socket (docker.ts, helper-socket.ts), which no command in the
 * container can reach. One request at a time (the pool lends a container to one operation at a
 * time). A malformed answer is an error.
 */
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import type { StartedContainer } from './docker.js';
import {
  FrameDecoder, HELPER_VERSION, decodeCleanAnswer, decodeExecChunk, decodeExecExit, decodePong, decodeReadAnswer, decodeWriteAnswer,
  encodeClean, encodeExec, encodePing, encodeRead, encodeWrite, type ExecExit, type ExecRequestSpec, type Frame, type Identity, type WriteAnchor,
} from './helper-codec.js';

export type { ExecExit, ExecRequestSpec, Identity, WriteAnchor } from './helper-codec.js';

type Waiter = { onFrame: (f: Frame) => boolean; reject: (e: Error) => void };
/** Handles one answer frame: true when the conversation is over (resolved or rejected). */
type FrameHandler<T> = (f: Frame, resolve: (v: T) => void) => boolean;

/** Slack over the output cap before the helper's exec frames are treated as out of step. */
const OUTPUT_SLACK_BYTES = 64 * 1024;
/** The exit frame's fields besides its two tails (type, lengths, three decimal numbers). */
const EXIT_FRAME_OVERHEAD_BYTES = 256;

export class HelperConnection {
  readonly id: string;
  private readonly decoder = new FrameDecoder();
  private waiter: Waiter | undefined;
  private dead: Error | undefined;

  constructor(private readonly container: StartedContainer, private readonly log: Logger) {
    this.id = container.id;
    container.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    container.socket.on('error', (err) => this.fail(new LlmrError('CONTAINER_FAILED', `helper connection of container ${this.id.slice(0, 12)} failed`, undefined, { cause: err })));
    void container.closed.then(() => this.fail(new LlmrError('CONTAINER_FAILED', `container ${this.id.slice(0, 12)} stopped unexpectedly`)));
    container.socket.resume(); // handed over paused (helper-socket.ts): nothing was read before this reader
  }

  /** False once the container's stream ended or a protocol error happened. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  /** Liveness round trip; a helper of another version is IMAGE_MISSING (the image is outdated). */
  async ping(signal?: AbortSignal): Promise<{ version: string }> {
    const pong = await this.converse(encodePing(), signal, answer(decodePong));
    if (pong.version !== HELPER_VERSION) {
      throw new LlmrError('IMAGE_MISSING', `the helper in container ${this.id.slice(0, 12)} is version ${JSON.stringify(pong.version)}, llmr needs ${HELPER_VERSION}`,
        'rebuild the images with: llmr images build');
    }
    return pong;
  }

  /** After a command (reusable exec containers): nothing of it left, scratch emptied, masks intact; throws otherwise. */
  clean(signal?: AbortSignal): Promise<void> {
    return this.converse(encodeClean(), signal, answer(decodeCleanAnswer));
  }

  /**
   * The bytes of the repository-relative `path`, which must be the file `expect` (the guard's
   * identity; no symlink followed, else PATH_CHANGED); the helper refuses a file over `maxBytes`.
   */
  read(path: string, maxBytes: number, expect: Identity, signal?: AbortSignal): Promise<{ size: number; content: Buffer }> {
    return this.converse(encodeRead(path, maxBytes, expect), signal, answer(decodeReadAnswer));
  }

  /**
   * Whether a file is at `path` as a command in this container would see it (symlinks followed, no
   * identity: for image probes, never for repository files): the helper's answer to a 0-byte read.
   */
  probe(path: string, signal?: AbortSignal): Promise<{ size: number; content: Buffer }> {
    return this.converse(encodeRead(path, 0), signal, answer(decodeReadAnswer));
  }

  /**
   * Replace `path` atomically (temp file, fsync, rename) in the directory `anchor` names (PATH_CHANGED
   * when it is not the guard's); `mode` undefined keeps the file's mode.
   */
  write(path: string, content: Buffer | string, anchor: WriteAnchor, signal?: AbortSignal, mode?: number): Promise<{ action: 'CREATED' | 'UPDATED'; bytesWritten: number }> {
    return this.converse(encodeWrite(path, content, anchor, mode), signal, answer(decodeWriteAnswer));
  }

  /**
   * Run argv; `onOutput` receives live chunks; resolves with the exit. Only the helper can write
   * to its socket (a command cannot reach it: helper-socket.ts), but the helper shares a container
   * with the command, so more output than the cap allows still ends the conversation instead of
   * growing the daemon's memory.
   */
  exec(spec: ExecRequestSpec, onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => void, signal?: AbortSignal): Promise<ExecExit> {
    const budget = spec.maxOutputBytes + OUTPUT_SLACK_BYTES;
    // an answer longer than the cap allows is refused when its header arrives, not at 64 MiB
    this.decoder.maxFrameBytes = budget + EXIT_FRAME_OVERHEAD_BYTES;
    let received = 0;
    return this.converse<ExecExit>(encodeExec(spec), signal, (f, resolve) => {
      const chunk = decodeExecChunk(f);
      if (chunk !== undefined) {
        received += chunk.data.length;
        if (received > budget) {
          throw new LlmrError('CONTAINER_FAILED', `command output exceeded ${budget} bytes, over the helper's cap`);
        }
        onOutput(chunk.stream, chunk.data);
        return false;
      }
      const exit = decodeExecExit(f);
      if (exit.stdoutTail.length + exit.stderrTail.length > budget) {
        throw new LlmrError('CONTAINER_FAILED', 'command output tails exceed the output cap');
      }
      resolve(exit);
      return true;
    });
  }

  /** End the connection: the helper reads end of file and exits (the container then removes itself). */
  close(): void {
    this.fail(new LlmrError('CONTAINER_FAILED', 'connection closed'));
    this.container.socket.end();
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
        // an error frame nobody asked for still says what the helper meant (text truncated)
        const said = frame.type === 'E' ? `: ${frame.fields.map((f) => f.toString('utf8').slice(0, 300)).join(': ')}` : ` (${frame.fields.length} fields)`;
        this.fail(new LlmrError('CONTAINER_FAILED', `helper of container ${this.id.slice(0, 12)} sent a frame nobody asked for${said}`));
        return;
      }
      if (w.onFrame(frame)) this.waiter = undefined;
    }
  }

  private fail(err: Error): void {
    if (this.dead !== undefined) return;
    this.dead = err;
    this.log.debug({ container: this.id.slice(0, 12), why: err.message }, 'helper connection ended');
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  /**
   * Send one encoded request and feed answer frames to `handle` until it returns true. A handler
   * that throws rejects the request and ends the connection: after a malformed or forged answer
   * the stream cannot be trusted to be in step.
   */
  private converse<T>(request: Buffer, signal: AbortSignal | undefined, handle: FrameHandler<T>): Promise<T> {
    if (this.dead !== undefined) return Promise.reject(this.dead);
    if (this.waiter !== undefined) return Promise.reject(new LlmrError('INTERNAL', 'helper connection is busy'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => this.fail(new LlmrError('CANCELLED', 'operation cancelled'));
      const cleanup = (): void => signal?.removeEventListener('abort', onAbort);
      this.waiter = {
        onFrame: (f) => {
          try {
            const done = handle(f, (v) => { cleanup(); resolve(v); });
            return done;
          } catch (err) {
            cleanup();
            reject(err as Error);
            if (!(err instanceof LlmrError) || err.code === 'CONTAINER_FAILED') this.fail(err as Error);
            return true;
          }
        },
        reject: (e) => { cleanup(); reject(e); },
      };
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.container.socket.write(request);
    });
  }
}

/** A handler for a request with exactly one answer frame, decoded by `decode` (which throws on an error answer). */
function answer<T>(decode: (f: Frame) => T): FrameHandler<T> {
  return (f, resolve) => {
    resolve(decode(f));
    return true;
  };
}
