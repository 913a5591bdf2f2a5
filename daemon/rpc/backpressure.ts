/**
 * Output backpressure for one client connection. A client that does not read its socket must not
 * make the daemon queue answers without bound: while more than {@link HIGH_WATER_BYTES} wait
 * unsent, the connection takes no new input, handlers wait before they start, and streamed
 * notifications (exec output, progress) are dropped — their content is in the final result.
 * Requests already running when the client stopped reading still finish; when more than
 * {@link MAX_UNSENT_BYTES} of their answers wait unsent, the client is dropped (its running
 * requests are cancelled) instead of buffering more.
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

/**
 * Writes messages straight into the socket's own buffer (vscode-jsonrpc's stream writer waits for
 * each write to flush and queues the rest where `writableLength` cannot see them). Calls
 * `onAnswer(id)` for every response (the id is then free) and `onOverflow` instead of writing
 * when more than {@link MAX_UNSENT_BYTES} are unsent. The last line of defence of DESIGN §4: an
 * internal error that did not come through handle.ts (vscode-jsonrpc's own "Request … failed with
 * message: …") leaves with the fixed INTERNAL message only. When `tails()` says the client reads
 * tail frames (protocol/wire.ts), file content (`Utf8Text`) leaves as raw bytes after the JSON.
 */
export class SocketMessageWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(
    private readonly sock: net.Socket,
    private readonly onAnswer: (id: unknown) => void,
    private readonly onOverflow: () => void,
    private readonly tails: () => boolean = () => false,
  ) {
    super();
    sock.on('error', (err) => this.fireError(err));
    sock.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    const msg = withoutInternals(message);
    const m = msg as { id?: unknown; method?: unknown };
    if (m.method === undefined && m.id !== undefined) this.onAnswer(m.id);
    if (this.sock.destroyed) return Promise.resolve();
    if (this.sock.writableLength > MAX_UNSENT_BYTES) {
      this.onOverflow();
      return Promise.resolve();
    }
    const body = encodeBody(msg, this.tails());
    let length = 0;
    for (const part of body) length += part.length;
    // header and body in one writev: one syscall, and the client wakes up once
    this.sock.cork();
    this.sock.write(`Content-Length: ${length}\r\n\r\n`, 'ascii');
    for (const part of body) this.sock.write(part);
    this.sock.uncork();
    return Promise.resolve();
  }

  end(): void {
    // the socket is ended by the server, after the last answer
  }
}
