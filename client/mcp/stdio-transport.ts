/**
 * The stdio transport of `llmr mcp`: newline-delimited JSON-RPC like the SDK's own
 * StdioServerTransport, but a message is collected as a list of chunks (joined once), so a large
 * request costs linear time, and the limit per message is MAX_MESSAGE_BYTES instead of the SDK's
 * 10 MiB — a 50 MB write_file then gets a FILE_TOO_LARGE tool result instead of a closed session.
 * A longer line is dropped unread (reported on stderr) and the session goes on.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private closed = false;

  constructor(private readonly input: Readable, private readonly output: Writable, private readonly maxBytes = MAX_MESSAGE_BYTES) {}

  private readonly onData = (chunk: Buffer | string): void => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      this.add(buf.subarray(start, nl));
      this.line();
      start = nl + 1;
    }
    if (start < buf.length) this.add(buf.subarray(start));
  };

  private readonly onEnd = (): void => void this.close();
  private readonly onError = (err: Error): void => this.onerror?.(err);

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('error', this.onError);
  }

  private add(b: Buffer): void {
    if (this.skipping || b.length === 0) return;
    this.size += b.length;
    if (this.size > this.maxBytes) {
      this.skipping = true;
      this.parts = [];
      this.onerror?.(new Error(`message larger than ${this.maxBytes} bytes dropped`));
    } else this.parts.push(b);
  }

  private line(): void {
    const parts = this.parts;
    const skipped = this.skipping;
    this.parts = [];
    this.size = 0;
    this.skipping = false;
    if (skipped || parts.length === 0) return;
    const text = Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let message: JSONRPCMessage;
    try {
      message = JSONRPCMessageSchema.parse(JSON.parse(text));
    } catch (err) {
      this.onerror?.(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.onmessage?.(message);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onError);
    this.onclose?.();
  }
}
