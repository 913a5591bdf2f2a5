/**
 * Checks the JSON-RPC base-protocol framing before vscode-jsonrpc sees it: a header block of at
 * most 8 KiB with one valid Content-Length no larger than the limit (refused when the header
 * arrives, before any of the body is buffered), a whole frame within `frameTimeoutMs` of its first
 * byte, and a body that is JSON. A framing violation ends the connection with one error message
 * instead of letting a client make the daemon buffer gigabytes or hold a connection open with a
 * trickle. A body that is not JSON, or a message `admit` refuses, is answered (`onRefusal`) and
 * dropped: the frame was intact, so the connection stays usable.
 *
 * The guard decodes each body once (protocol/wire.ts: plain JSON, or a tail frame when the frame
 * carries the `Llmr-Wire: tails` header) and passes the message objects on (object mode);
 * {@link GuardMessageReader} hands them to vscode-jsonrpc, which does not parse them again.
 *
 * Backpressure: while `ready()` returns a promise (the client is not reading its answers), no
 * further input is taken, so a client cannot make the daemon queue answers without bound.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { AbstractMessageReader, Disposable, type DataCallback, type Message, type MessageReader } from 'vscode-jsonrpc/node';
import { decodeBody } from '../../protocol/wire.js';
import { refusal, type Refusal } from './envelope.js';

const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export type Violation = 'too-large' | 'malformed' | 'timeout';

export interface FrameGuardOptions {
  maxBody: number;
  /** A frame must be complete this long after its first byte arrived; 0 = no limit. */
  frameTimeoutMs?: number;
  /** Ends the connection: the stream cannot be read further. */
  onViolation: (message: string, kind: Violation) => void;
  /** An intact frame that is not passed on; `reply` is the error answer to send. */
  onRefusal?: (reply: Refusal) => void;
  /** Checks a parsed message; a Refusal drops it. */
  admit?: (message: unknown) => Refusal | undefined;
  /** A promise while output is congested: input waits for it. */
  ready?: () => Promise<void> | undefined;
  /** A frame carried `Llmr-Wire: tails`: the client reads tail frames (called for each such frame). */
  onTails?: () => void;
}

export class FrameGuard extends Transform {
  private header: Buffer = Buffer.alloc(0);
  private bodyLeft = 0;
  private frame: Buffer[] = [];
  private frameTails = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: FrameGuardOptions) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.stopped) return done();
    this.consume(chunk);
    if (this.stopped) return done();
    this.armTimer();
    const wait = this.opts.ready?.();
    if (wait === undefined) done();
    else wait.then(() => done(), () => done());
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.stop();
    cb(err);
  }

  override _flush(cb: TransformCallback): void {
    this.stop();
    cb();
  }

  private stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The clock runs from a frame's first byte until the frame is whole; a trickle does not reset it. */
  private armTimer(): void {
    const pending = this.header.length > 0 || this.bodyLeft > 0;
    const ms = this.opts.frameTimeoutMs ?? 0;
    if (!pending) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.timer === undefined && ms > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.violate(`message not complete ${ms / 1000}s after its first byte`, 'timeout');
      }, ms);
    }
  }

  private consume(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0 && !this.stopped) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, rest.length);
        this.frame.push(rest.subarray(0, take));
        this.bodyLeft -= take;
        rest = rest.subarray(take);
        if (this.bodyLeft === 0) this.flushFrame();
        continue;
      }
      this.header = this.header.length === 0 ? rest : Buffer.concat([this.header, rest]);
      rest = Buffer.alloc(0);
      const end = this.header.indexOf(HEADER_END);
      if (end < 0) {
        if (this.header.length > MAX_HEADER_BYTES) this.violate(`header block longer than ${MAX_HEADER_BYTES} bytes`, 'malformed');
        break;
      }
      const block = this.header.subarray(0, end).toString('ascii');
      const length = parseContentLength(block);
      if (typeof length === 'string') return this.violate(length, 'malformed');
      if (length > this.opts.maxBody) return this.violate(`message of ${length} bytes exceeds the limit of ${this.opts.maxBody} bytes`, 'too-large');
      this.frameTails = wantsTails(block);
      if (this.frameTails) this.opts.onTails?.();
      this.frame = [];
      rest = this.header.subarray(end + HEADER_END.length);
      this.header = Buffer.alloc(0);
      this.bodyLeft = length;
      if (length === 0) this.flushFrame();
    }
  }

  /** Pass a complete frame's message on when it decodes and is admitted; otherwise answer it and drop it. */
  private flushFrame(): void {
    const body = this.frame.length === 1 ? this.frame[0] : Buffer.concat(this.frame);
    this.frame = [];
    const decoded = decodeBody(body, this.frameTails);
    if (!decoded.ok) {
      this.opts.onRefusal?.(refusal(decoded.id, 'PARSE_ERROR', decoded.problem));
      return;
    }
    const message = decoded.message;
    const refused = message === null ? refusal(null, 'INVALID_REQUEST', 'a JSON-RPC message must be an object, got null') : this.opts.admit?.(message);
    if (refused !== undefined) {
      this.opts.onRefusal?.(refused);
      return;
    }
    this.push(message);
  }

  private violate(message: string, kind: Violation): void {
    this.stop();
    this.header = Buffer.alloc(0);
    this.frame = [];
    this.opts.onViolation(message, kind);
  }
}

/** Whether a header block carries `Llmr-Wire: tails` (protocol/wire.ts). */
export function wantsTails(block: string): boolean {
  return block.split('\r\n').some((line) => /^llmr-wire\s*:\s*tails\s*$/i.test(line));
}

/**
 * vscode-jsonrpc's reader for the messages a {@link FrameGuard} decoded: they are handed on as
 * they are, not serialised and parsed again.
 */
export class GuardMessageReader extends AbstractMessageReader implements MessageReader {
  constructor(private readonly guard: FrameGuard) {
    super();
    guard.on('error', (err: Error) => this.fireError(err));
    guard.on('close', () => this.fireClose());
  }

  listen(callback: DataCallback): Disposable {
    const onData = (message: Message): void => callback(message);
    this.guard.on('data', onData);
    return Disposable.create(() => this.guard.off('data', onData));
  }
}

/** The Content-Length of a header block, or a message saying what is wrong with it. */
export function parseContentLength(block: string): number | string {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed header line ${JSON.stringify(line.slice(0, 80))}`;
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,15}$/.test(value)) return `invalid Content-Length ${JSON.stringify(value.slice(0, 40))}`;
    if (length !== undefined) return 'duplicate Content-Length header';
    length = Number(value);
  }
  return length ?? 'missing Content-Length header';
}
