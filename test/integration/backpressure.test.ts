/**
 * A client that sends requests and never reads its socket must not grow the daemon's memory
 * without bound: 100 commands of 1 MiB output each, streamed, to a client that reads nothing.
 * Real daemon, real exec containers (Docker).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonStatusRequest } from '../../protocol/daemon.js';
import { ExecRequest } from '../../protocol/exec.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const COMMAND = `python3 -c "import sys; sys.stdout.write('x' * 1048576)"`;
let d: TestDaemon;
let repo: string;

/** Resident memory of a process, in MiB. */
function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

beforeAll(async () => {
  repo = makeRepo({ 'a.txt': 'a\n' });
  // the whitelist is the user's (daemon's) setting
  d = await startDaemon({ LLMR_COMMANDS__EXEC__WHITELIST: 'python3 -c', LLMR_CONTAINER_POOL__MIN_IDLE: '2' });
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/backpressure', () => {
  it('keeps daemon memory bounded while a client does not read 100 × 1 MiB of exec output', async () => {
    const conn = await d.connect();
    const warm = await conn.sendRequest(ExecRequest, { root: repo, command: COMMAND, streamToken: 'warm' });
    expect(warm.stdout.length + warm.omittedBytes).toBe(1048576);
    const pid = d.child.pid as number;
    const before = rssMiB(pid);

    const sock = net.connect(d.socket);
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.pause(); // never read
    const frames = Array.from({ length: 100 }, (_, i) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'exec/run', params: { root: repo, command: COMMAND, streamToken: `t${i}` } });
      return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    });
    sock.write(frames.join(''));
    let peak = before;
    for (let t = 0; t < 30; t += 1) {
      await new Promise((r) => setTimeout(r, 500));
      peak = Math.max(peak, rssMiB(pid));
    }
    process.stderr.write(`daemon RSS: before ${before.toFixed(1)} MiB, peak while unread ${peak.toFixed(1)} MiB (+${(peak - before).toFixed(1)})\n`);
    // bound: 8 MiB unsent before the client is dropped, plus heap garbage of the requests that ran
    // (before backpressure: +98 MiB after 15 s and growing with every finished command)
    expect(peak - before).toBeLessThan(64);

    // the daemon serves others meanwhile, and has dropped the client that does not read: at 8 MiB
    // unsent, or after daemon.write_timeout (30 s) without reading when fewer commands finished
    // (on a loaded machine the queued ones end in POOL_EXHAUSTED, whose answers are small)
    let connections = 0;
    for (let t = 0; t < 120; t += 1) {
      connections = (await conn.sendRequest(DaemonStatusRequest)).connections;
      if (connections === 1) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(connections).toBe(1);
    sock.destroy();
    const after = await conn.sendRequest(ExecRequest, { root: repo, command: COMMAND });
    expect(after.stdout.length + after.omittedBytes).toBe(1048576);
  }, 180_000);
});

describe('integration/backpressure (stall)', () => {
  it('drops a client whose answers wait unread for daemon.write_timeout, under the 8 MiB limit', async () => {
    // 3 requests in flight: at most 3 MiB of answers, never the 8 MiB that drops a client by size
    const s = await startDaemon({
      LLMR_COMMANDS__EXEC__WHITELIST: 'python3 -c', LLMR_DAEMON__MAX_REQUESTS_IN_FLIGHT: '3', LLMR_DAEMON__WRITE_TIMEOUT: '2s',
    });
    try {
      const conn = await s.connect();
      const sock = net.connect(s.socket);
      await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
      sock.pause(); // never read
      const frames = Array.from({ length: 3 }, (_, i) => {
        const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'exec/run', params: { root: repo, command: COMMAND } });
        return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      });
      sock.write(frames.join(''));
      const t0 = Date.now();
      let connections = 2;
      while (connections !== 1 && Date.now() - t0 < 90_000) {
        await new Promise((r) => setTimeout(r, 250));
        connections = (await conn.sendRequest(DaemonStatusRequest)).connections;
      }
      expect(connections).toBe(1);
      const log = readFileSync(path.join(s.home, 'state', 'llmr', 'daemon.log'), 'utf8');
      expect(log).toMatch(/"unreadForMs":2000.*client does not read its answers; dropping the connection/);
      sock.destroy();
    } finally {
      await s.stop();
    }
    expect(containersOf(s.instance)).toEqual([]);
  }, 120_000);
});
