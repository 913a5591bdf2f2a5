/**
 * systemd socket activation: the daemon serves a listening socket it inherits (LISTEN_FDS) and
 * answers on it; `systemd-socket-activate` plays systemd's part.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { DaemonStatusRequest, HelloRequest, PROTOCOL_VERSION, ShutdownRequest } from '../../protocol/daemon.js';
import { DAEMON_JS } from '../helpers/daemon.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'llmr-sa-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM'); // a failed test must not leave its daemon running
  rmSync(home, { recursive: true, force: true });
});

describe('integration/socket-activation', () => {
  it('serves an inherited socket and shuts down cleanly', async () => {
    const socket = path.join(home, 'activated.sock');
    const env = [`HOME=${home}`, `XDG_STATE_HOME=${home}/state`, `XDG_CACHE_HOME=${home}/cache`, `XDG_CONFIG_HOME=${home}/config`,
      `LLMR_SOCKET=${socket}`, `PATH=${process.env.PATH}`];
    const child = spawn('systemd-socket-activate', ['-l', socket, ...env.flatMap((e) => ['-E', e]), process.execPath, DAEMON_JS], { stdio: 'ignore' });
    children.push(child);
    const spawned = new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
    await spawned; // fails (does not skip) when systemd-socket-activate is missing
    for (let i = 0; i < 100; i += 1) {
      try { statSync(socket); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
    }
    const sock = net.connect(socket);
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    const conn = createMessageConnection(new StreamMessageReader(sock), new StreamMessageWriter(sock));
    conn.listen();
    const hello = await conn.sendRequest(HelloRequest, { protocolVersion: PROTOCOL_VERSION, clientVersion: 'test' });
    expect(hello.socket).toBe(socket);
    expect((await conn.sendRequest(DaemonStatusRequest)).socket).toBe(socket);
    const inode = statSync(socket).ino; // the daemon serves systemd's socket; it never replaced it
    expect(statSync(socket).ino).toBe(inode);
    expect(await conn.sendRequest(ShutdownRequest)).toEqual({ ok: true });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    conn.dispose();
  });

  it('reports the socket it serves when systemd starts it with an empty environment', async () => {
    const socket = path.join(home, 'empty-env.sock');
    // no -E at all: the daemon sees only LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES (no HOME, no LLMR_SOCKET, no XDG_*)
    const child = spawn('systemd-socket-activate', ['-l', socket, process.execPath, DAEMON_JS], { stdio: 'ignore' });
    children.push(child);
    await new Promise<void>((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
    for (let i = 0; i < 100; i += 1) {
      try { statSync(socket); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
    }
    const sock = net.connect(socket);
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    const conn = createMessageConnection(new StreamMessageReader(sock), new StreamMessageWriter(sock));
    conn.listen();
    const hello = await conn.sendRequest(HelloRequest, { protocolVersion: PROTOCOL_VERSION, clientVersion: 'test' });
    expect(hello.socket).toBe(socket);
    expect((await conn.sendRequest(DaemonStatusRequest)).socket).toBe(socket);
    expect(await conn.sendRequest(ShutdownRequest)).toEqual({ ok: true });
    expect(await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))).toBe(0);
    conn.dispose();
  });
});
