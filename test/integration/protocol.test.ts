/**
 * Malformed and abusive protocol input against the real daemon, in raw frames: each gets a clear
 * error, and the daemon keeps serving this and other clients. Docker-free.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelloRequest, PROTOCOL_VERSION } from '../../protocol/daemon.js';
import { DAEMON_JS, startDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

beforeAll(async () => { d = await startDaemon({ LLMR_DAEMON__READ_TIMEOUT: '1500ms', LLMR_DAEMON__MAX_REQUESTS_IN_FLIGHT: '32' }); });
afterAll(async () => { await d?.stop(); });

const frame = (body: string | object): string => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
};

/** Send raw bytes, collect what comes back until the daemon closes the connection (or `ms`). */
function raw(bytes: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(d.socket, () => sock.write(bytes));
    let out = '';
    sock.on('data', (c) => { out += c.toString(); });
    const done = (): void => resolve(out);
    sock.on('close', done);
    sock.on('error', done);
    setTimeout(() => { sock.destroy(); }, ms);
  });
}

/** A raw connection that parses the frames it gets back. */
class RawClient {
  readonly sock: net.Socket;
  readonly messages: Array<{ id?: unknown; result?: unknown; error?: { code: number; message: string; data?: { code: string } } }> = [];
  closed = false;
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  constructor(socket: string) {
    this.sock = net.connect(socket);
    this.sock.on('data', (c: Buffer) => { this.buf = Buffer.concat([this.buf, c]); this.parse(); });
    this.sock.on('close', () => { this.closed = true; this.wake(); });
    this.sock.on('error', () => undefined);
  }

  send(...bodies: Array<string | object>): void {
    this.sock.write(bodies.map(frame).join(''));
  }

  /** Wait until `n` messages arrived (or the connection closed, or 10 s). */
  async wait(n: number, ms = 10_000): Promise<RawClient['messages']> {
    const deadline = Date.now() + ms;
    while (this.messages.length < n && !this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    return this.messages;
  }

  close(): void { this.sock.destroy(); }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  private parse(): void {
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, end).toString())?.[1]);
      if (this.buf.length < end + 4 + len) return;
      this.messages.push(JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString()));
      this.buf = this.buf.subarray(end + 4 + len);
      this.wake();
    }
  }
}

async function stillServes(): Promise<void> {
  const conn = await d.connect();
  const hello = await conn.sendRequest(HelloRequest, { protocolVersion: PROTOCOL_VERSION, clientVersion: 't' });
  expect(hello.protocolVersion).toBe(PROTOCOL_VERSION);
}

const status = (id: unknown, extra: object = {}): object => ({ jsonrpc: '2.0', id, method: 'daemon/status', ...extra });

describe('integration/protocol', () => {
  it('refuses a huge Content-Length without buffering it, and keeps serving', async () => {
    const reply = await raw('Content-Length: 99999999999\r\n\r\n{');
    expect(reply).toContain('MESSAGE_TOO_LARGE');
    expect(reply).toContain('"code":-33080');
    expect(reply).toContain('exceeds the limit');
    await stillServes();
  });

  it('refuses a frame without Content-Length and an endless header block', async () => {
    expect(await raw('Content-Type: x\r\n\r\n{}')).toContain('missing Content-Length');
    expect(await raw('X'.repeat(20_000))).toContain('header block longer');
    expect(await raw('Content-Length: x1\r\n\r\n{}')).toContain('"code":"PARSE_ERROR"');
    await stillServes();
  });

  it('answers a body that is not JSON with -32700 and keeps the connection usable', async () => {
    const c = new RawClient(d.socket);
    c.send('{notjson}}', status(1));
    const [bad, ok] = await c.wait(2);
    expect(bad).toMatchObject({ id: null, error: { code: -32700, data: { code: 'PARSE_ERROR' } } });
    expect(bad.error?.message).toContain('not valid JSON');
    expect(ok).toMatchObject({ id: 1, result: { protocolVersion: PROTOCOL_VERSION } });
    expect(c.closed).toBe(false);
    c.close();
  });

  it('answers a wrong or missing "jsonrpc" and ids of the wrong type with -32600 (id null for a bad id)', async () => {
    const c = new RawClient(d.socket);
    c.send({ id: 1, method: 'daemon/status' }, { jsonrpc: '1.0', id: 2, method: 'daemon/status' });
    for (const id of [{}, [1], true, 1.5]) c.send(status(id));
    c.send(status(3));
    const got = await c.wait(7);
    expect(got.slice(0, 2)).toMatchObject([{ id: 1, error: { code: -32600 } }, { id: 2, error: { code: -32600 } }]);
    for (const m of got.slice(2, 6)) expect(m).toMatchObject({ id: null, error: { code: -32600, data: { code: 'INVALID_REQUEST' } } });
    expect(got[6]).toMatchObject({ id: 3, result: {} });
    c.close();
  });

  it('answers a batch, empty or not, with one clear -32600', async () => {
    const c = new RawClient(d.socket);
    c.send('[]', JSON.stringify([status(1), status(2)]));
    const got = await c.wait(2);
    expect(got).toHaveLength(2);
    for (const m of got) expect(m).toMatchObject({ id: null, error: { code: -32600, message: 'batches are not supported: send one JSON-RPC message per frame' } });
    c.close();
  });

  it('answers daemon/status sent "params": {} normally, and never leaks an internal message', async () => {
    const c = new RawClient(d.socket);
    c.send(status(1, { params: {} }), status(2, { params: { x: 1 } }));
    const got = await c.wait(2);
    const ok = got.find((m) => m.id === 1);
    const bad = got.find((m) => m.id === 2);
    expect(ok).toMatchObject({ id: 1, result: { protocolVersion: PROTOCOL_VERSION } });
    expect(bad).toMatchObject({ id: 2, error: { code: -32602, data: { code: 'INVALID_PARAMS' } } });
    expect(JSON.stringify([ok, bad])).not.toMatch(/failed with message|is not a function|at .*\.js:\d+/);
    c.close();
  });

  it('checks params per method: -32602 naming the field', async () => {
    const c = new RawClient(d.socket);
    c.send(
      { jsonrpc: '2.0', id: 1, method: 'exec/run', params: { argv: 'ls' } },
      `{"jsonrpc":"2.0","id":2,"method":"io/read","params":{"root":"/tmp","path":"a","__proto__":{"x":1}}}`,
      { jsonrpc: '2.0', id: 3, method: 'io/read', params: [1, 2] },
      { jsonrpc: '2.0', id: 4, method: 'io/read', params: { root: 'relative/path', path: 'a' } },
    );
    const got = await c.wait(4);
    const byId = new Map(got.map((m) => [m.id, m]));
    expect(byId.get(1)).toMatchObject({ error: { code: -32602, message: expect.stringContaining('unknown field "argv"') } });
    expect(byId.get(2)).toMatchObject({ error: { code: -32602, message: expect.stringContaining('unknown field "__proto__"') } });
    expect(byId.get(3)).toMatchObject({ error: { code: -32602 } });
    expect(byId.get(4)).toMatchObject({ error: { code: -32602, data: { code: 'INVALID_PARAMS' } } });
    c.close();
  });

  it('answers an unknown method with -32601', async () => {
    const conn = await d.connect();
    await expect(conn.sendRequest('no/such-method', {})).rejects.toMatchObject({ code: -32601 });
  });

  it('refuses a second in-flight request with the same id instead of answering it with the other\'s output', async () => {
    const c = new RawClient(d.socket);
    // doctor takes a while (it asks Docker and the image store); the second one reuses its id at once
    c.send({ jsonrpc: '2.0', id: 5, method: 'daemon/doctor', params: {} }, { jsonrpc: '2.0', id: 5, method: 'daemon/status' });
    const got = await c.wait(2, 30_000);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ id: 5, error: { code: -32600, message: expect.stringContaining('already in flight') } });
    expect(got[1]).toMatchObject({ id: 5, result: { checks: expect.any(Array) } });
    c.send(status(5)); // answered: the id is free again
    expect((await c.wait(3))[2]).toMatchObject({ id: 5, result: { protocolVersion: PROTOCOL_VERSION } });
    c.close();
  });

  it('answers each of 1,000 requests sent at once, with a result or an explicit DAEMON_BUSY', async () => {
    const c = new RawClient(d.socket);
    const started = Date.now();
    c.send(...Array.from({ length: 1000 }, (_, i) => status(i)));
    const got = await c.wait(1000, 20_000);
    expect(got).toHaveLength(1000);
    expect(new Set(got.map((m) => m.id)).size).toBe(1000);
    const busy = got.filter((m) => m.error !== undefined);
    for (const m of busy) expect(m.error).toMatchObject({ code: -33081, data: { code: 'DAEMON_BUSY' } });
    expect(busy.length).toBeGreaterThan(0); // 32 in flight at most (LLMR_DAEMON__MAX_REQUESTS_IN_FLIGHT)
    expect(got.length - busy.length).toBeGreaterThanOrEqual(32);
    expect(Date.now() - started).toBeLessThan(20_000);
    c.close();
    await stillServes();
  });

  it('drops a connection whose frame trickles in a byte at a time past the read timeout', async () => {
    const c = new RawClient(d.socket);
    const bytes = frame(status(1));
    const started = Date.now();
    for (let i = 0; i < bytes.length && !c.closed; i += 1) {
      c.sock.write(bytes[i]);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(c.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(c.messages[0]).toMatchObject({ id: null, error: { code: -33082, data: { code: 'MESSAGE_TIMEOUT' } } });
    expect(c.messages[0].error?.message).toBe('message not complete 1.5s after its first byte');
    await stillServes();
  });

  it('keeps the socket private: directory 0700, socket 0600', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(path.dirname(d.socket)).mode & 0o777).toBe(0o700);
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
  });

  it('names the 107-byte sun_path limit and LLMR_SOCKET when the socket path is too long, in daemon and client', () => {
    const long = path.join(d.home, 'x'.repeat(120), 'daemon.sock');
    const env = { ...d.env, LLMR_SOCKET: long };
    const daemon = spawnSync(process.execPath, [DAEMON_JS], { env, encoding: 'utf8', timeout: 15_000 });
    expect(daemon.status).toBe(3);
    expect(daemon.stderr).toContain(`socket path ${long} is ${Buffer.byteLength(long)} bytes long; a Unix socket path may have at most 107 bytes (sun_path)`);
    expect(daemon.stderr).toContain('LLMR_SOCKET=');
    const client = spawnSync(process.execPath, [path.join(path.dirname(DAEMON_JS), '..', 'client', 'main.js'), 'daemon', 'status'], { env, encoding: 'utf8', timeout: 15_000 });
    expect(client.stderr).toContain('may have at most 107 bytes (sun_path)');
    expect(client.stderr).toContain('LLMR_SOCKET=');
    expect(client.status).toBe(3);
  });
});
