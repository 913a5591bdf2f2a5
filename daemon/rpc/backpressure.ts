/**
 * Output backpressure for one client connection. A client that does not read its socket must not
 * make the daemon queue answers without bound: while more than {@link HIGH_WATER_BYTES} wait
 * unsent, the connection takes no new input, handlers wait before they start, and streamed
 * notifications (exec output, progress) are dropped — their content is in the final result.
 * Requests already running when the client stopped reading still finish; when more than
 * {@link MAX_UNSENT_BYTES} of their answers wait unsent, or one of them has waited longer than
 * `daemon.write_timeout`, the client is dropped (its running and waiting requests are cancelled)
 * instead of buffering more or holding its requests forever.
 */
import type net from 'node:net';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc/node';
import { INTERNAL_MESSAGE, rpcNumber } from '../../protocol/errors.js';
import { encodeBody } from '../../protocol/wire.js';

/** Unsent bytes above which a connection counts as congested. */
export const HIGH_WATER_BYTES = 1024 * 1024;

/** Unsent bytes at which a connection is dropped rather than sent one more message. */
export const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

const INTERNAL_NUMBER = rpcNumber('INTERNAL');

/** `message`, with the text of an internal error replaced by the fixed INTERNAL message. */
export function withoutInternals(message: Message): Message {
  const e = (message as { error?: { code?: unknown; message?: unknown } }).error;
  if (e === undefined || e.code !== INTERNAL_NUMBER || e.message === INTERNAL_MESSAGE) return message;
  return { ...message, error: { code: INTERNAL_NUMBER, message: INTERNAL_MESSAGE, data: { code: 'INTERNAL' } } } as Message;
}

const waits = new WeakMap<net.Socket, Promise<void>>();

/** Undefined when `sock` can take more output; otherwise a promise that settles when it drained or closed. */
export function whenWritable(sock: net.Socket): Promise<void> | undefined {
  if (sock.writableLength <= HIGH_WATER_BYTES || sock.destroyed) return undefined;
  let wait = waits.get(sock);
  if (wait === undefined) {
    wait = new Promise<void>((resolve) => {
      const done = (): void => {
        sock.off('drain', done);
        sock.off('close', done);
        waits.delete(sock);
        resolve();
      };
      sock.on('drain', done);
      sock.on('close', done);
    });
    waits.set(sock, wait);
  }
  return wait;
}

/** What a {@link SocketMessageWriter} tells its connection, and how long a stall may last. */
export interface WriterHooks {
  /** Called for every response: its id is then free. */
  onAnswer: (id: unknown) => void;
  /** The client is to be dropped: over {@link MAX_UNSENT_BYTES} unsent, or a stall of `stallMs`. */
  onDrop: (reason: 'overflow' | 'stall') => void;
  /** True when the client reads tail frames (protocol/wire.ts). */
  tails?: () => boolean;
  /** A congested connection (over {@link HIGH_WATER_BYTES} unsent) with an answer unsent this long is dropped; 0 = never. */
  stallMs?: number;
}

/**
 * Writes messages straight into the socket's own buffer (vscode-jsonrpc's stream writer waits for
 * each write to flush and queues the rest where `writableLength` cannot see them). Calls
 * `onAnswer(id)` for every response and `onDrop` instead of writing when more than
 * {@link MAX_UNSENT_BYTES} are unsent, or when the connection is congested and an answer has
 * waited unsent for longer than `stallMs` (requests waiting for it to drain would otherwise hold
 * it forever). The
 * last line of defence of DESIGN §4: an internal error that did not come through handle.ts
 * (vscode-jsonrpc's own "Request … failed with message: …") leaves with the fixed INTERNAL message
 * only. When `tails()` says the client reads tail frames (protocol/wire.ts), file content
 * (`Utf8Text`) leaves as raw bytes after the JSON.
 */
export class SocketMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private stallTimer: NodeJS.Timeout | undefined;
  /** When each answer still (partly) unsent was written, oldest first. */
  private readonly unsentSince: number[] = [];

  constructor(private readonly sock: net.Socket, private readonly hooks: WriterHooks) {
    super();
    sock.on('error', (err) => this.fireError(err));
    sock.on('close', () => { this.fireClose(); clearInterval(this.stallTimer); });
  }

  write(message: Message): Promise<void> {
    const msg = withoutInternals(message);
    const m = msg as { id?: unknown; method?: unknown };
    if (m.method === undefined && m.id !== undefined) this.hooks.onAnswer(m.id);
    if (this.sock.destroyed) return Promise.resolve();
    if (this.sock.writableLength > MAX_UNSENT_BYTES) {
      this.hooks.onDrop('overflow');
      return Promise.resolve();
    }
    const body = encodeBody(msg, this.hooks.tails?.() ?? false);
    let length = 0;
    for (const part of body) length += part.length;
    // header and body in one writev: one syscall, and the client wakes up once
    this.sock.cork();
    this.sock.write(`Content-Length: ${length}\r\n\r\n`, 'ascii');
    for (let i = 0; i < body.length - 1; i += 1) this.sock.write(body[i] as Uint8Array);
    this.unsentSince.push(Date.now());
    this.sock.write(body[body.length - 1] as Uint8Array, () => this.unsentSince.shift()); // written in order
    this.sock.uncork();
    this.watchStall();
    return Promise.resolve();
  }

  /** While congested, check that no answer has waited unsent longer than `stallMs`; drop the client when one has. */
  private watchStall(): void {
    const limit = this.hooks.stallMs ?? 0;
    if (limit <= 0 || this.stallTimer !== undefined || this.sock.writableLength <= HIGH_WATER_BYTES) return;
    this.stallTimer = setInterval(() => {
      if (this.sock.destroyed || this.sock.writableLength <= HIGH_WATER_BYTES) {
        clearInterval(this.stallTimer);
        this.stallTimer = undefined;
      } else if (Date.now() - (this.unsentSince[0] ?? Date.now()) > limit) {
        this.hooks.onDrop('stall');
      }
    }, Math.max(25, limit / 4));
    this.stallTimer.unref();
  }

  end(): void {
    // the socket is ended by the server, after the last answer
  }
}
