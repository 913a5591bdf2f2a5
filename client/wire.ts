/**
 * The JSON-RPC connection of llmr's own clients (the CLI, the MCP server, the benchmarks): it
 * speaks tail frames (protocol/wire.ts), so file content travels as raw bytes after the JSON in
 * both directions. Every frame carries `Llmr-Wire: tails`; strings of a request of at least
 * TAIL_MIN_CHARS go in the tail; answers are read whether they are plain JSON or tail frames.
 */
import type { Socket } from 'node:net';
import {
  AbstractMessageWriter, StreamMessageReader, createMessageConnection,
  type Message, type MessageConnection, type MessageWriter,
} from 'vscode-jsonrpc/node';
import { WIRE_HEADER_LINE, decodeOrThrow, encodeBody } from '../protocol/wire.js';

/**
 * Writes each message as one tail frame straight into the socket (header and body in one writev),
 * instead of vscode-jsonrpc's writer, which sends plain JSON and waits for each write to flush.
 */
export class TailMessageWriter extends AbstractMessageWriter implements MessageWriter {
  constructor(private readonly sock: Socket) {
    super();
    sock.on('error', (err) => this.fireError(err));
    sock.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    if (this.sock.destroyed) return Promise.reject(new Error('the connection to the daemon is closed'));
    const body = encodeBody(message, true, true);
    let length = 0;
    for (const part of body) length += part.length;
    this.sock.cork();
    this.sock.write(`Content-Length: ${length}\r\n${WIRE_HEADER_LINE}\r\n`, 'ascii');
    for (const part of body) this.sock.write(part);
    this.sock.uncork();
    return Promise.resolve();
  }

  end(): void {
    this.sock.end();
  }

  /** Disposing the connection closes the socket, as vscode-jsonrpc's own socket writer does. */
  override dispose(): void {
    super.dispose();
    this.sock.destroy();
  }
}

/**
 * A MessageConnection over `sock` that speaks tail frames (not yet listening). A frame from the
 * daemon that cannot be decoded ends the connection: the stream cannot be trusted after it, and
 * closing rejects the requests still waiting (connect.ts disposes the connection on close).
 */
export function wireConnection(sock: Socket): MessageConnection {
  const reader = new StreamMessageReader(sock, {
    contentTypeDecoder: {
      name: 'application/vscode-jsonrpc',
      decode: async (bytes: Uint8Array) => {
        try {
          return decodeOrThrow(bytes, true) as Message;
        } catch (err) {
          sock.destroy();
          throw err;
        }
      },
    },
  });
  return createMessageConnection(reader, new TailMessageWriter(sock));
}
