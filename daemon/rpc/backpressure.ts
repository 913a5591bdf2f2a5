/**
 * Output backpressure for one client connection. A client that does not read its socket must not
 * make the daemon queue answers without bound: while more than {@link HIGH_WATER_BYTES} wait
 * unsent, the connection takes no new input, handlers wait before they start, and streamed
 * notifications (exec output, progress) are dropped — their content is in the final result.
 */
import type net from 'node:net';
import type { Message, MessageWriter } from 'vscode-jsonrpc/node';

/** Unsent bytes above which a connection counts as congested. */
export const HIGH_WATER_BYTES = 1024 * 1024;

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

/** `writer`, calling `onAnswer(id)` for every response written through it (the id is then free). */
export function trackAnswers(writer: MessageWriter, onAnswer: (id: unknown) => void): MessageWriter {
  return {
    onError: writer.onError,
    onClose: writer.onClose,
    write(msg: Message): Promise<void> {
      const m = msg as { id?: unknown; method?: unknown };
      if (m.method === undefined && m.id !== undefined) onAnswer(m.id);
      return writer.write(msg);
    },
    end: () => writer.end(),
    dispose: () => writer.dispose(),
  };
}
