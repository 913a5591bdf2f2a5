/**
 * Harness for tests and benchmarks: a real daemon (built `dist/daemon/main.js`) on a temp socket with temp XDG
 * directories, a temp repository owned by uid 1000, and a JSON-RPC client over the socket.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import { wireConnection } from '../client/wire.js';

export const REPO_UID = 1000;
/** The built daemon, found from this file whether it runs from source (vitest) or from dist/. */
export const DAEMON_JS = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../daemon/main.js' : '../dist/daemon/main.js', import.meta.url));

export interface TestDaemon {
  home: string;
  socket: string;
  env: Record<string, string>;
  child: ChildProcess;
  stderr(): string;
  /** A connection as the CLI makes it (client/wire.ts: file content in tail frames). */
  connect(): Promise<MessageConnection>;
  /** A plain JSON-RPC connection (vscode-jsonrpc's own reader and writer), as a third-party client makes it. */
  connectPlain(): Promise<MessageConnection>;
  instance: string;
  stop(): Promise<void>;
}

/** A temp repository owned by REPO_UID with the given files. */
export function makeRepo(files: Record<string, string | Buffer> = {}, parent?: string): string {
  const dir = mkdtempSync(path.join(parent ?? os.tmpdir(), 'llmr-repo-'));
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  chownTree(dir);
  return dir;
}

export function chownTree(dir: string): void {
  const r = spawnSync('chown', ['-R', `${REPO_UID}:${REPO_UID}`, dir]);
  if (r.status !== 0) throw new Error(`chown failed: ${r.stderr}`);
  chownSync(dir, REPO_UID, REPO_UID);
}

async function waitForSocket(socket: string, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(socket, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`daemon did not listen on ${socket} within ${ms} ms`);
}

/** LLMR_TEST_IO_IMAGE / LLMR_TEST_EXEC_IMAGE: run the tests against other images (e.g. `llmr-exec:dev` while trying an image change). */
function testImages(): Record<string, string> {
  const out: Record<string, string> = {};
  if (process.env.LLMR_TEST_IO_IMAGE) out.LLMR_IO_IMAGE = process.env.LLMR_TEST_IO_IMAGE;
  if (process.env.LLMR_TEST_EXEC_IMAGE) out.LLMR_EXEC_IMAGE = process.env.LLMR_TEST_EXEC_IMAGE;
  return out;
}

/** Start a daemon with `extraEnv` (config via LLMR_* variables). */
export async function startDaemon(extraEnv: Record<string, string> = {}): Promise<TestDaemon> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmr-home-'));
  const socket = path.join(home, 'run', 'daemon.sock');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LLMR_SOCKET: socket,
    XDG_STATE_HOME: path.join(home, 'state'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_CONFIG_HOME: path.join(home, 'config'),
    LLMR_POOL_SIZE: '2', LLMR_CONTAINER_POOL__MIN_IDLE: '1', LLMR_LOG_LEVEL: 'debug', ...testImages(), ...extraEnv,
  };
  // LLMR_BENCH_DAEMON_NODE_ARGS: node flags for the daemon, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS)
  const nodeArgs = (process.env.LLMR_BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, DAEMON_JS], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  await waitForSocket(socket, child, 15_000).catch((e: Error) => { throw new Error(`${e.message}\n${err}`); });
  const conns: MessageConnection[] = [];
  return {
    home, socket, env, child, stderr: () => err,
    instance: createHash('sha256').update(socket).digest('hex').slice(0, 16),
    async connect() {
      const sock = await openSocket(socket);
      const conn = wireConnection(sock);
      conn.listen();
      conns.push(conn);
      return conn;
    },
    async connectPlain() {
      const sock = await openSocket(socket);
      const conn = createMessageConnection(new StreamMessageReader(sock), new StreamMessageWriter(sock));
      conn.listen();
      conns.push(conn);
      return conn;
    },
    async stop() {
      for (const c of conns) c.dispose();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      reportDaemonErrors(home);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function openSocket(socket: string): Promise<net.Socket> {
  const sock = net.connect(socket);
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  return sock;
}

/** Print the daemon's error-level log lines (pino level ≥ 50), so a failing run shows its causes. */
function reportDaemonErrors(home: string): void {
  let text = '';
  try {
    text = readFileSync(path.join(home, 'state', 'llmr', 'daemon.log'), 'utf8');
  } catch {
    return; // no log written: nothing to report
  }
  const errors = text.split('\n').filter((l) => /"level":(5\d|60)/.test(l));
  if (errors.length > 0) process.stderr.write(`daemon errors (${errors.length}):\n${errors.slice(0, 20).join('\n')}\n`);
}

/** Ids of containers (running or not) that carry this daemon's instance label. */
export function containersOf(instance: string): string[] {
  const r = spawnSync('docker', ['ps', '-aq', '--filter', `label=llmr.daemon=${instance}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}
