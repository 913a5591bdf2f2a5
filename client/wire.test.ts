/**
 * The client side of tail frames against a fake daemon (a plain net.Server on a temp Unix socket,
 * the process edge): what the client sends, that it reads plain JSON and tail frames, and that a
 * malformed frame from the daemon ends the connection instead of leaving the request waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestType } from 'vscode-jsonrpc/node';
import { TAIL_MIN_CHARS } from '../protocol/wire.js';
import { wireConnection } from './wire.js';

const Echo = new RequestType<{ content: string }, { content: string }, unknown>('test/echo');

interface Fake { socket: string; frames: Buffer[]; close(): void }
const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0)) c(); });

/** A fake daemon: records each whole frame it gets and answers it with `answer(frame)` (raw bytes). */
async function fakeDaemon(answer: (frame: Buffer) => Buffer): Promise<Fake> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmr-wire-'));
  const socket = path.join(dir, 's');
  const frames: Buffer[] = [];
  const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = Number(/Content-Length: (\d+)/.exec(buf.subarray(0, end).toString())?.[1]);
        if (buf.length < end + 4 + len) return;
        const frame = buf.subarray(0, end + 4 + len);
        frames.push(frame);
        buf = buf.subarray(end + 4 + len);
        sock.write(answer(frame));
      }
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  const close = (): void => { server.close(); rmSync(dir, { recursive: true, force: true }); };
  cleanups.push(close);
  return { socket, frames, close };
}

function idOf(frame: Buffer): number {
  const body = frame.subarray(frame.indexOf('\r\n\r\n') + 4);
  const nul = body.indexOf(0);
  return (JSON.parse(body.subarray(0, nul < 0 ? body.length : nul).toString()) as { id: number }).id;
}

function frameOf(head: object, tail?: Buffer): Buffer {
  const body = tail === undefined ? Buffer.from(JSON.stringify(head)) : Buffer.concat([Buffer.from(JSON.stringify(head)), Buffer.from([0]), tail]);
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
}

async function connect(socket: string) {
  const sock = net.connect(socket);
  await new Promise<void>((r) => sock.once('connect', r));
  const conn = wireConnection(sock);
  conn.listen();
  cleanups.push(() => conn.dispose());
  return { sock, conn };
}

describe('client/wire', () => {
  it('sends Llmr-Wire with every frame and long strings as raw bytes; reads tail and plain answers', async () => {
    const text = 'é'.repeat(TAIL_MIN_CHARS);
    let n = 0;
    const fake = await fakeDaemon((f) => {
      n += 1;
      const bytes = Buffer.from(text);
      return n === 1 ? frameOf({ jsonrpc: '2.0', id: idOf(f), result: { content: { $tail: [0, bytes.length] } } }, bytes)
        : frameOf({ jsonrpc: '2.0', id: idOf(f), result: { content: 'plain' } });
    });
    const { conn } = await connect(fake.socket);
    expect(await conn.sendRequest(Echo, { content: text })).toEqual({ content: text });
    expect(await conn.sendRequest(Echo, { content: 'short' })).toEqual({ content: 'plain' });
    const [first, second] = fake.frames;
    expect(first.toString('latin1')).toMatch(/^Content-Length: \d+\r\nLlmr-Wire: tails\r\n\r\n/);
    const body = first.subarray(first.indexOf('\r\n\r\n') + 4);
    const nul = body.indexOf(0);
    expect(JSON.parse(body.subarray(0, nul).toString()).params).toEqual({ content: { $tail: [0, Buffer.byteLength(text)] } });
    expect(body.subarray(nul + 1).toString('utf8')).toBe(text);
    expect(second.includes(0)).toBe(false);
    expect(second.toString()).toContain('"content":"short"');
  });

  it('ends the connection on a malformed tail from the daemon: the request fails instead of waiting', async () => {
    const fake = await fakeDaemon((f) => frameOf({ jsonrpc: '2.0', id: idOf(f), result: { content: { $tail: [0, 50] } } }, Buffer.from('short')));
    const { sock, conn } = await connect(fake.socket);
    conn.onClose(() => conn.dispose()); // as client/connect.ts does: disposing rejects what is pending
    await expect(conn.sendRequest(Echo, { content: 'x' })).rejects.toThrow();
    expect(sock.destroyed).toBe(true);
  });
});
