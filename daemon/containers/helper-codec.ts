/**
 * Wire format of the in-container helper (images/helper/llmr-helper.c). Pure: no Docker, no I/O.
 *
 * Frame, both directions: u32be LEN (bytes after it), u8 TYPE, then fields, each u32be length
 * followed by that many bytes. Numbers travel as decimal ASCII, modes as octal ASCII.
 */
import { LlmrError, type ErrorCode } from '../../protocol/errors.js';

export type Frame = { type: string; fields: Buffer[] };

/** Largest LEN either side accepts. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The version string the helper answers a ping with. */
export const HELPER_VERSION = '8';

/** Request types. */
export const HELPER_OPS = { PING: 'P', READ: 'R', WRITE: 'W', EXEC: 'X', EXEC_MERGED: 'Y', CLEAN: 'C' } as const;

/** Answer types: K ok, E error, o/e an exec output chunk, x the exec's exit. */
export const HELPER_ANSWERS = { OK: 'K', ERROR: 'E', STDOUT: 'o', STDERR: 'e', EXIT: 'x' } as const;

/** Helper error codes and the llmr code each becomes. */
export const HELPER_ERROR_CODES = {
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  IS_DIRECTORY: 'IS_DIRECTORY',
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  PATH_INVALID: 'PATH_INVALID',
  PATH_CHANGED: 'PATH_CHANGED',
  NO_SPACE: 'CONTAINER_FAILED',
  IO_ERROR: 'CONTAINER_FAILED',
  BAD_REQUEST: 'CONTAINER_FAILED',
  COMMAND_NOT_FOUND: 'COMMAND_NOT_FOUND',
  EXEC_FAILED: 'EXEC_FAILED',
  MASK_BROKEN: 'MASK_BROKEN',
  UNCLEAN: 'CONTAINER_FAILED',
  SETUP_FAILED: 'CONTAINER_FAILED',
} as const satisfies Record<string, ErrorCode>;

/** Encodes one frame. Throws INTERNAL when the type is not one byte or the frame is too large. */
export function encodeFrame(type: string, fields: Array<Buffer | string>): Buffer {
  const typeByte = Buffer.from(type, 'latin1');
  if (type.length !== 1 || typeByte.length !== 1) throw new LlmrError('INTERNAL', `helper frame type ${JSON.stringify(type)} is not one byte`);
  const bufs = fields.map((f) => (typeof f === 'string' ? Buffer.from(f, 'utf8') : f));
  const len = 1 + bufs.reduce((n, b) => n + 4 + b.length, 0);
  if (len > MAX_FRAME_BYTES) throw new LlmrError('INTERNAL', `helper frame of ${len} bytes exceeds the limit of ${MAX_FRAME_BYTES}`);
  const out = Buffer.allocUnsafe(4 + len);
  out.writeUInt32BE(len, 0);
  out[4] = typeByte[0];
  let off = 5;
  for (const b of bufs) {
    out.writeUInt32BE(b.length, off);
    b.copy(out, off + 4);
    off += 4 + b.length;
  }
  return out;
}

/** Splits a frame body (everything after LEN) into type and fields; null when malformed. */
function parseBody(body: Buffer): Frame | null {
  if (body.length < 1) return null;
  const fields: Buffer[] = [];
  let off = 1;
  while (off < body.length) {
    if (body.length - off < 4) return null;
    const n = body.readUInt32BE(off);
    off += 4;
    if (n > body.length - off) return null;
    fields.push(body.subarray(off, off + n));
    off += n;
  }
  return { type: String.fromCharCode(body[0]), fields };
}

/**
 * Incremental decoder: push chunks split anywhere, get whole frames back in order.
 * A frame over {@link MAX_FRAME_BYTES} or with malformed fields is CONTAINER_FAILED; the decoder is
 * then unusable (the stream cannot be resynchronised).
 */
export class FrameDecoder {
  /** Largest LEN accepted, checked as soon as a frame's 4-byte header arrives; a conversation may lower it. */
  maxFrameBytes = MAX_FRAME_BYTES;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: LlmrError | undefined;

  push(chunk: Buffer): Frame[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.buffered >= 4) {
      const len = this.peekLength();
      if (len > this.maxFrameBytes) throw this.fail(`helper frame of ${len} bytes exceeds the limit of ${this.maxFrameBytes}`);
      if (this.buffered < 4 + len) break;
      const whole = this.take(4 + len);
      const frame = parseBody(whole.subarray(4));
      if (!frame) throw this.fail(`malformed helper frame of ${len} bytes`);
      frames.push(frame);
    }
    return frames;
  }

  /** Bytes received that do not yet form a whole frame. */
  get pending(): number {
    return this.buffered;
  }

  private fail(message: string): LlmrError {
    this.failed = new LlmrError('CONTAINER_FAILED', message);
    this.chunks = [];
    this.buffered = 0;
    return this.failed;
  }

  private peekLength(): number {
    if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].readUInt32BE(0);
  }

  private take(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
    const head = this.chunks[0];
    const out = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return out;
  }
}

function decimal(what: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new LlmrError('INTERNAL', `helper ${what} ${n} is not a non-negative integer`);
  return String(n);
}

/** `P` with no fields. */
export function encodePing(): Buffer {
  return encodeFrame(HELPER_OPS.PING, []);
}

/** `C`: after a command in a reusable exec container, kill what it left, empty /tmp and /dev/shm, check the masks. */
export function encodeClean(): Buffer {
  return encodeFrame(HELPER_OPS.CLEAN, []);
}

/** The `K ["clean"]` answer; an error (UNCLEAN, MASK_BROKEN) throws: the container must be retired. */
export function decodeCleanAnswer(frame: Frame): void {
  const [word] = decodeAnswer(frame, 1);
  if (word.toString('latin1') !== 'clean') throw new LlmrError('CONTAINER_FAILED', 'helper did not answer clean with clean');
}

/** The "DEV:INO" of a file or directory as the path guard saw it (decimal, from a bigint lstat). */
export type Identity = string;

/** Where a write goes: the first `depth` components of its directory are the directory `id`; the rest is created. */
export interface WriteAnchor { depth: number; id: Identity }

const IDENTITY = /^\d{1,20}:\d{1,20}$/;

function identity(id: Identity): string {
  if (!IDENTITY.test(id)) throw new LlmrError('INTERNAL', `helper identity ${JSON.stringify(id)} is not DEV:INO`);
  return id;
}

/**
 * `R` [path, maxBytes, DEV:INO]: the file is not read at all when it is larger than maxBytes. With
 * `expect` no symlink is followed and a file other than `expect` is PATH_CHANGED; without it (image
 * probes only) symlinks are followed as a command would.
 */
export function encodeRead(path: string, maxBytes: number, expect?: Identity): Buffer {
  return encodeFrame(HELPER_OPS.READ, [path, decimal('maxBytes', maxBytes), expect === undefined ? '' : identity(expect)]);
}

/** `W` [path, content, mode, depth, DEV:INO]: mode undefined keeps an existing file's mode (0644 for a new file). */
export function encodeWrite(path: string, content: Buffer | string, anchor: WriteAnchor, mode?: number): Buffer {
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)) {
    throw new LlmrError('INTERNAL', `helper file mode ${mode} is out of range`);
  }
  const fields = [path, content, mode === undefined ? '' : mode.toString(8), decimal('parent depth', anchor.depth), identity(anchor.id)];
  return encodeFrame(HELPER_OPS.WRITE, fields);
}

export interface ExecRequestSpec {
  /** Working directory: empty = the helper's root, relative = under the root, absolute = as is. */
  cwd: string;
  /** Output cap per stream: the first half is streamed, the last half comes back as a tail. */
  maxOutputBytes: number;
  stdin: Buffer | string;
  /** The child's whole environment, nothing else is inherited. */
  env: Record<string, string>;
  argv: string[];
  /** The `2>&1` form: the command's stderr is its stdout pipe, so the output keeps the order it was written in (`Y`). */
  mergeStderr?: boolean;
}

/** `X` (or `Y` with stderr merged into stdout) [cwd, maxOutputBytes, stdin, nEnv, env×nEnv ("K=V"), argv…]. */
export function encodeExec(spec: ExecRequestSpec): Buffer {
  if (spec.argv.length === 0 || spec.argv[0] === '') throw new LlmrError('INTERNAL', 'helper exec needs a command');
  const env = Object.entries(spec.env).map(([k, v]) => {
    if (k === '' || k.includes('=') || k.includes('\0') || v.includes('\0')) {
      throw new LlmrError('INTERNAL', `helper environment variable ${JSON.stringify(k)} is invalid`);
    }
    return `${k}=${v}`;
  });
  const head = [spec.cwd, decimal('maxOutputBytes', spec.maxOutputBytes), spec.stdin, String(env.length)];
  return encodeFrame(spec.mergeStderr === true ? HELPER_OPS.EXEC_MERGED : HELPER_OPS.EXEC, [...head, ...env, ...spec.argv]);
}

/** The LlmrError an `E` frame stands for. */
export function helperError(frame: Frame): LlmrError {
  const code = frame.fields[0]?.toString('utf8') ?? '';
  const message = frame.fields[1]?.toString('utf8') ?? 'helper error without a message';
  const mapped = (HELPER_ERROR_CODES as Record<string, ErrorCode>)[code] ?? 'CONTAINER_FAILED';
  return new LlmrError(mapped, message, mapped === code ? undefined : `helper code ${code}`);
}

/** The fields of a `K` answer; an `E` answer throws its LlmrError, anything else CONTAINER_FAILED. */
export function decodeAnswer(frame: Frame, fieldCount?: number): Buffer[] {
  if (frame.type === HELPER_ANSWERS.ERROR) throw helperError(frame);
  if (frame.type !== HELPER_ANSWERS.OK) throw new LlmrError('CONTAINER_FAILED', `unexpected helper answer type ${JSON.stringify(frame.type)}`);
  if (fieldCount !== undefined && frame.fields.length !== fieldCount) {
    throw new LlmrError('CONTAINER_FAILED', `helper answer has ${frame.fields.length} fields, expected ${fieldCount}`);
  }
  return frame.fields;
}

function parseDecimal(b: Buffer, what: string): number {
  const s = b.toString('latin1');
  const n = /^-?\d{1,16}$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n)) throw new LlmrError('CONTAINER_FAILED', `helper sent an invalid ${what} ${JSON.stringify(s.slice(0, 40))}`);
  return n;
}

/** A ping answer: the helper's version. */
export function decodePong(frame: Frame): { version: string } {
  const [pong, version] = decodeAnswer(frame, 2);
  if (pong.toString('latin1') !== 'pong') throw new LlmrError('CONTAINER_FAILED', 'helper did not answer the ping with pong');
  return { version: version.toString('utf8') };
}

/** A read answer: the bytes exactly as stored. */
export function decodeReadAnswer(frame: Frame): { size: number; content: Buffer } {
  const [size, content] = decodeAnswer(frame, 2);
  return { size: parseDecimal(size, 'size'), content };
}

/** A write answer. */
export function decodeWriteAnswer(frame: Frame): { action: 'CREATED' | 'UPDATED'; bytesWritten: number } {
  const [action, bytes] = decodeAnswer(frame, 2);
  const a = action.toString('latin1');
  if (a !== 'CREATED' && a !== 'UPDATED') throw new LlmrError('CONTAINER_FAILED', `helper sent an invalid write action ${JSON.stringify(a)}`);
  return { action: a, bytesWritten: parseDecimal(bytes, 'byte count') };
}

export interface ExecExit {
  /** Exit status; 128 + signal number when the command was killed by a signal. */
  exitCode: number;
  /** Bytes dropped between the streamed head and the returned tail (0: head + tail is everything). */
  omittedStdout: number;
  omittedStderr: number;
  stdoutTail: Buffer;
  stderrTail: Buffer;
}

/** The final `x` frame of an exec; an `E` frame (the command could not start) throws. */
export function decodeExecExit(frame: Frame): ExecExit {
  if (frame.type === HELPER_ANSWERS.ERROR) throw helperError(frame);
  if (frame.type !== HELPER_ANSWERS.EXIT || frame.fields.length !== 5) {
    throw new LlmrError('CONTAINER_FAILED', `unexpected helper exec answer type ${JSON.stringify(frame.type)}`);
  }
  const [code, omO, omE, stdoutTail, stderrTail] = frame.fields;
  return {
    exitCode: parseDecimal(code, 'exit code'),
    omittedStdout: parseDecimal(omO, 'omitted byte count'),
    omittedStderr: parseDecimal(omE, 'omitted byte count'),
    stdoutTail,
    stderrTail,
  };
}

/** A streamed exec output chunk (`o`/`e`), or undefined for any other frame. */
export function decodeExecChunk(frame: Frame): { stream: 'stdout' | 'stderr'; data: Buffer } | undefined {
  if (frame.type !== HELPER_ANSWERS.STDOUT && frame.type !== HELPER_ANSWERS.STDERR) return undefined;
  if (frame.fields.length !== 1) throw new LlmrError('CONTAINER_FAILED', `helper output chunk has ${frame.fields.length} fields, expected 1`);
  return { stream: frame.type === HELPER_ANSWERS.STDOUT ? 'stdout' : 'stderr', data: frame.fields[0] };
}

/** True for the frame that ends a request (K, E or x); o/e chunks are not final. */
export function isFinalFrame(frame: Frame): boolean {
  return frame.type !== HELPER_ANSWERS.STDOUT && frame.type !== HELPER_ANSWERS.STDERR;
}
