/**
 * Issue 10 item 10 end to end: a daemon running as an ordinary user (REPO_UID, with the docker
 * group for the socket) refuses a repository owned by another user, unless that user's own config
 * allows it, and serves its own repositories.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { ReadRequest } from '../../protocol/io.js';
import { DAEMON_JS, REPO_UID, containersOf, makeRepo } from '../helpers/daemon.js';

const OTHER_UID = REPO_UID + 1;
const dockerGid = Number(/^docker:[^:]*:(\d+):/m.exec(spawnSync('getent', ['group', 'docker'], { encoding: 'utf8' }).stdout)?.[1]);

interface Daemon { child: ChildProcess; conn: MessageConnection; instance: string; home: string }
const daemons: Daemon[] = [];

/** Start the daemon as REPO_UID; `userConfig` is that user's ~/.config/llmr/config.yaml. */
async function startAsUser(userConfig: string): Promise<Daemon> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmr-owner-home-'));
  mkdirSync(path.join(home, 'config', 'llmr'), { recursive: true });
  writeFileSync(path.join(home, 'config', 'llmr', 'config.yaml'), userConfig);
  spawnSync('chown', ['-R', `${REPO_UID}:${REPO_UID}`, home]);
  const socket = path.join(home, 'run', 'daemon.sock');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LLMR_SOCKET: socket, XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_STATE_HOME: path.join(home, 'state'), XDG_CACHE_HOME: path.join(home, 'cache'), LLMR_POOL_SIZE: '1', LLMR_CONTAINER_POOL__MIN_IDLE: '0',
    // the images under test, as the daemon harness forwards them
    ...(process.env.LLMR_TEST_IO_IMAGE ? { LLMR_IO_IMAGE: process.env.LLMR_TEST_IO_IMAGE } : {}),
    ...(process.env.LLMR_TEST_EXEC_IMAGE ? { LLMR_EXEC_IMAGE: process.env.LLMR_TEST_EXEC_IMAGE } : {}),
  };
  const child = spawn(process.execPath, [DAEMON_JS], { env, uid: REPO_UID, gid: dockerGid, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  for (let t = Date.now(); !existsSync(socket); await new Promise((r) => setTimeout(r, 50))) {
    if (child.exitCode !== null || Date.now() - t > 15_000) throw new Error(`daemon as uid ${REPO_UID} did not listen: ${stderr}`);
  }
  const sock = net.connect(socket);
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const conn = createMessageConnection(new StreamMessageReader(sock), new StreamMessageWriter(sock));
  conn.listen();
  const d = { child, conn, home, instance: createHash('sha256').update(socket).digest('hex').slice(0, 16) };
  daemons.push(d);
  return d;
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string; details?: string }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (err) {
    const e = err as { message: string; data?: { code: string; details?: string } };
    return { code: e.data?.code ?? `non-llmr error: ${String(err)}`, message: e.message, details: e.data?.details };
  }
}

let bobs: string;
let own: string;
beforeAll(() => {
  expect(Number.isInteger(dockerGid)).toBe(true);
  own = makeRepo({ 'a.txt': 'mine\n' });
  bobs = makeRepo({ 'a.txt': 'bob\n' });
  spawnSync('chown', ['-R', `${OTHER_UID}:${OTHER_UID}`, bobs]);
  spawnSync('chmod', ['-R', 'a+rX', bobs]); // readable by others: the owner check is what refuses it
});

afterAll(async () => {
  for (const d of daemons) {
    d.conn.dispose();
    d.child.kill('SIGTERM');
    if (d.child.exitCode === null) await new Promise((r) => d.child.once('exit', r));
    expect(containersOf(d.instance)).toEqual([]);
    rmSync(d.home, { recursive: true, force: true });
  }
});

describe('integration/sec: repositories of other users', () => {
  it('refuses another user\'s repository, saying what to do, and serves its own', async () => {
    const d = await startAsUser('');
    const f = await codeOf(d.conn.sendRequest(ReadRequest, { root: bobs, path: 'a.txt' }));
    expect(f.code).toBe('REPO_OWNER_FOREIGN');
    expect(f.message).toBe(`repository ${bobs} is owned by uid ${OTHER_UID}, not by the daemon's user (uid ${REPO_UID}); llmr would run its containers as uid ${OTHER_UID}`);
    expect(f.details).toContain(`security.allow_foreign_owned_repo: true in ${d.home}/config/llmr/config.yaml`);
    expect((await d.conn.sendRequest(ReadRequest, { root: own, path: 'a.txt' })).content).toBe('mine\n');
  });

  it('serves it when the user\'s own config allows it, never when the repository asks', async () => {
    const asks = makeRepo({ 'a.txt': 'x\n', 'llm-runtime.config.yaml': 'security:\n  allow_foreign_owned_repo: true\n' });
    spawnSync('chown', ['-R', `${OTHER_UID}:${OTHER_UID}`, asks]);
    spawnSync('chmod', ['-R', 'a+rX', asks]);
    const plain = await startAsUser('');
    // the owner is checked before the repository's own config is even read
    expect((await codeOf(plain.conn.sendRequest(ReadRequest, { root: asks, path: 'a.txt' }))).code).toBe('REPO_OWNER_FOREIGN');
    const allowing = await startAsUser('security:\n  allow_foreign_owned_repo: true\n');
    expect((await allowing.conn.sendRequest(ReadRequest, { root: bobs, path: 'a.txt' })).content).toBe('bob\n');
  });
});
