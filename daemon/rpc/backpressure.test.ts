import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERNAL_MESSAGE } from '../../protocol/errors.js';
import { HIGH_WATER_BYTES, MAX_UNSENT_BYTES, SocketMessageWriter, whenWritable, withoutInternals } from './backpressure.js';

const cleanup: Array<() => void> = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); });

/** A real Unix socket pair in a temp dir: `server` is the daemon's end, `client` one that does not read. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmr-bp-'));
  const file = path.join(dir, 's.sock');
  const accepted = new Promise<net.Socket>((resolve) => {
    const srv = net.createServer(resolve).listen(file);
    cleanup.push(() => { srv.close(); rmSync(dir, { recursive: true, force: true }); });
  });
  await new Promise((r) => setTimeout(r, 20));
  const client = net.connect(file);
  client.pause();
  const server = await accepted;
  cleanup.push(() => { client.destroy(); server.destroy(); });
  return { server, client };
}

const response = (id: number, size: number): { jsonrpc: '2.0'; id: number; result: string } => ({ jsonrpc: '2.0', id, result: 'x'.repeat(size) });

describe('rpc/backpressure', () => {
  it('reports congestion once more than the high-water mark waits unsent, and settles when the client reads', async () => {
    const { server, client } = await socketPair();
    const w = new SocketMessageWriter(server, { onAnswer: () => undefined, onDrop: () => undefined });
    expect(whenWritable(server)).toBeUndefined();
    for (let i = 0; i < 4; i += 1) await w.write(response(i, HIGH_WATER_BYTES));
    const wait = whenWritable(server);
    expect(wait).toBeInstanceOf(Promise);
    expect(whenWritable(server)).toBe(wait); // one shared wait, not a listener per caller
    client.resume();
    await wait;
    expect(whenWritable(server)).toBeUndefined();
  });

  it('frees ids of responses only, and calls onDrop instead of queueing past the unsent limit', async () => {
    const { server } = await socketPair();
    const answered: unknown[] = [];
    let overflows = 0;
    const w = new SocketMessageWriter(server, { onAnswer: (id) => answered.push(id), onDrop: (why) => { if (why === 'overflow') overflows += 1; } });
    await w.write({ jsonrpc: '2.0', method: 'exec/output', params: {} } as never);
    await w.write(response(1, 10));
    expect(answered).toEqual([1]);
    for (let i = 2; overflows === 0 && i < 100; i += 1) await w.write(response(i, 1024 * 1024));
    expect(overflows).toBe(1);
    expect(server.writableLength).toBeLessThanOrEqual(MAX_UNSENT_BYTES + 2 * 1024 * 1024);
  });

  it('drops a congested client whose answer waits unsent longer than stallMs', async () => {
    const { server } = await socketPair();
    const drops: string[] = [];
    const w = new SocketMessageWriter(server, { onAnswer: () => undefined, onDrop: (why) => drops.push(why), stallMs: 300 });
    await w.write(response(1, 2 * HIGH_WATER_BYTES)); // congested, under the overflow limit
    await new Promise((r) => setTimeout(r, 200));
    expect(drops).toEqual([]);
    await new Promise((r) => setTimeout(r, 400));
    expect(drops[0]).toBe('stall');
  });

  it('keeps a client that reads slowly but takes its answer within stallMs', async () => {
    const { server, client } = await socketPair();
    const drops: string[] = [];
    const w = new SocketMessageWriter(server, { onAnswer: () => undefined, onDrop: (why) => drops.push(why), stallMs: 1500 });
    await w.write(response(1, 2 * HIGH_WATER_BYTES));
    expect(server.writableLength).toBeGreaterThan(HIGH_WATER_BYTES); // congested
    let got = 0;
    const slow = setInterval(() => { got += client.read(64 * 1024)?.length ?? 0; }, 20); // ~3 MiB/s
    cleanup.push(() => clearInterval(slow));
    while (server.writableLength > 0) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 400));
    expect(got).toBeGreaterThan(HIGH_WATER_BYTES);
    expect(drops).toEqual([]);
  });

  it('stops watching once the client has drained what waited', async () => {
    const { server, client } = await socketPair();
    const drops: string[] = [];
    const w = new SocketMessageWriter(server, { onAnswer: () => undefined, onDrop: (why) => drops.push(why), stallMs: 100 });
    await w.write(response(1, 2 * HIGH_WATER_BYTES));
    client.resume();
    await new Promise((r) => setTimeout(r, 500));
    client.pause(); // idle, nothing waiting: not a stall
    await new Promise((r) => setTimeout(r, 400));
    expect(drops).toEqual([]);
  });

  it('never lets an internal error message out, whoever wrote the response', () => {
    const leaked = { jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'Request daemon/status failed with message: token.onCancellationRequested is not a function' } };
    expect(withoutInternals(leaked as never)).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: INTERNAL_MESSAGE, data: { code: 'INTERNAL' } } });
    const own = { jsonrpc: '2.0', id: 4, error: { code: -33011, message: '.env is excluded', data: { code: 'PATH_EXCLUDED' } } };
    expect(withoutInternals(own as never)).toBe(own);
  });
});
