/**
 * Malformed protocol input against the real daemon: each gets a clear error and the daemon
 * keeps serving other clients.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelloRequest, PROTOCOL_VERSION } from '../../protocol/daemon.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

beforeAll(async () => { d = await startDaemon(); });
afterAll(async () => { await d?.stop(); });

/** Send raw bytes, collect what comes back until the daemon closes the connection (or 2 s). */
function raw(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(d.socket, () => sock.write(bytes));
    let out = '';
    sock.on('data', (c) => { out += c.toString(); });
    const done = (): void => resolve(out);
    sock.on('close', done);
    sock.on('error', done);
    setTimeout(() => { sock.destroy(); }, 2000);
  });
}

async function stillServes(): Promise<void> {
  const conn = await d.connect();
  const hello = await conn.sendRequest(HelloRequest, { protocolVersion: PROTOCOL_VERSION, clientVersion: 't' });
  expect(hello.protocolVersion).toBe(PROTOCOL_VERSION);
}

describe('integration/protocol', () => {
  it('refuses a huge Content-Length without buffering it, and keeps serving', async () => {
    const reply = await raw('Content-Length: 99999999999\r\n\r\n{');
    expect(reply).toContain('MESSAGE_TOO_LARGE');
    expect(reply).toContain('exceeds the limit');
    await stillServes();
  });

  it('refuses a frame without Content-Length and an endless header block', async () => {
    expect(await raw('Content-Type: x\r\n\r\n{}')).toContain('missing Content-Length');
    expect(await raw('X'.repeat(20_000))).toContain('header block longer');
    await stillServes();
  });

  it('answers a body that is not JSON with a parse error, and keeps serving', async () => {
    const body = '{notjson}}';
    const reply = await raw(`Content-Length: ${body.length}\r\n\r\n${body}`);
    expect(reply).toContain('"code":-32700');
    expect(reply).toContain('not valid JSON');
    expect(await raw('Content-Length: x1\r\n\r\n{}')).toContain('"code":"INVALID_SYNTAX"');
    await stillServes();
  });

  it('answers an unknown method and wrong params with JSON-RPC errors', async () => {
    const conn = await d.connect();
    await expect(conn.sendRequest('no/such-method', {})).rejects.toMatchObject({ code: -32601 });
    await expect(conn.sendRequest('io/read', [1, 2])).rejects.toMatchObject({ data: { code: 'INVALID_PARAMS' } });
    await expect(conn.sendRequest('io/read', { root: 'relative/path', path: 'a' })).rejects.toMatchObject({ data: { code: 'INVALID_PARAMS' } });
  });

  it('keeps the socket private: directory 0700, socket 0600', async () => {
    const { statSync } = await import('node:fs');
    const path = await import('node:path');
    expect(statSync(path.dirname(d.socket)).mode & 0o777).toBe(0o700);
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
  });
});
