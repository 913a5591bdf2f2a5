/**
 * `<exec>` through the real daemon in real single-use exec containers: policy, isolation,
 * output, timeouts, and the abuse a model (or a prompt injection) may try.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecOutputNotification, ExecRequest, type ExecParams, type ExecResult } from '../../protocol/exec.js';
import { ReadRequest } from '../../protocol/io.js';
import { WorkspaceStatusRequest } from '../../protocol/workspace.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

const WHITELIST = ['echo', 'true', 'false', 'cat', 'grep', 'ls', 'touch', 'head -c', 'sleep', 'python3 -c', 'python3 -m pytest', 'go test', 'id'];
/** A repository config may only narrow the user's: its whitelist is a subset of the daemon's, its limits lower. */
const CONFIG = `commands:
  exec:
    whitelist: ${JSON.stringify(WHITELIST)}
    max_output_bytes: 65536
    timeout_seconds: 20
`;
/**
 * Resource limits, the profile and the whitelist are the user's (daemon's) settings; a repository can
 * only narrow them. Go >= 1.20 compiles its standard library into /tmp on a fresh container's first
 * build: that needs about 50 MB of /tmp and more than 128 MB of memory.
 */
const LIMITS = {
  LLMR_COMMANDS__EXEC__MEMORY_LIMIT: '512m', LLMR_COMMANDS__EXEC__PIDS_LIMIT: '64', LLMR_COMMANDS__EXEC__TMPFS_SIZE: '128m',
  LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: WHITELIST.join(','),
};

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const run = (command: string, extra: Partial<ExecParams> = {}): Promise<ExecResult> =>
  conn.sendRequest(ExecRequest, { root: repo, command, ...extra });

beforeAll(async () => {
  repo = makeRepo({
    'llm-runtime.config.yaml': CONFIG,
    '.env': 'SECRET=hunter2\n',
    'keys/server.key': 'PRIVATE hunter2\n',
    'notes.txt': 'no secret here\n',
    'test_sample.py': 'def test_ok():\n    assert 1 + 1 == 2\n',
    'go.mod': 'module example.com/demo\n\ngo 1.19\n',
    'demo.go': 'package demo\n\nfunc Add(a, b int) int { return a + b }\n',
    'demo_test.go': 'package demo\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("bad")\n\t}\n}\n',
  });
  d = await startDaemon(LIMITS);
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/exec', () => {
  it('runs a whitelisted argv and separates stdout and stderr', async () => {
    const r = await run('python3 -c "import sys; print(\'out\'); print(\'err\', file=sys.stderr)"');
    expect(r).toMatchObject({ exitCode: 0, stdout: 'out\n', stderr: 'err\n', omittedBytes: 0 });
  });

  it('reports a non-zero exit with its output', async () => {
    const r = await run("python3 -c 'import sys; print(\"FAIL: test_x\"); sys.exit(3)'");
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('FAIL: test_x\n');
  });

  it('feeds the stdin form to the command', async () => {
    const r = await run("python3 -c 'import sys; print(sys.stdin.read().upper())'", { stdin: 'hello\n' });
    expect(r.stdout).toBe('HELLO\n\n');
  });

  it('streams output as exec/output notifications', async () => {
    const chunks: string[] = [];
    const sub = conn.onNotification(ExecOutputNotification, (p) => { if (p.token === 't1') chunks.push(p.data); });
    await run('echo streamed', { streamToken: 't1' });
    sub.dispose();
    expect(chunks.join('')).toBe('streamed\n');
  });

  it('refuses commands outside the whitelist, shell operators and env injection', async () => {
    expect((await rpcFailure(run('rm -rf /'))).code).toBe('COMMAND_NOT_WHITELISTED');
    expect((await rpcFailure(run('echo hi; id'))).code).toBe('COMMAND_NOT_WHITELISTED');
    expect((await rpcFailure(run('echo $(id)'))).code).toBe('COMMAND_NOT_WHITELISTED');
    expect((await rpcFailure(run('echo hi | sh'))).code).toBe('COMMAND_NOT_WHITELISTED');
    expect((await rpcFailure(run('GOFLAGS=-x go test'))).code).toBe('COMMAND_NOT_WHITELISTED');
    expect((await rpcFailure(run('echo a\nid'))).code).toBe('INVALID_SYNTAX');
    expect((await rpcFailure(run('/bin/sh -c id'))).code).toBe('COMMAND_NOT_WHITELISTED');
  });

  it('hides excluded files from commands', async () => {
    const cat = await run('cat .env');
    expect(cat.stdout).toBe('');
    const grep = await run('grep -r hunter2 .');
    expect(grep.stdout).not.toContain('hunter2');
    expect((await run('cat notes.txt')).stdout).toBe('no secret here\n');
  });

  it('hides an excluded file created just before the command', async () => {
    await run('true'); // pre-started containers exist with the old list of excluded files
    mkdirSync(path.join(repo, 'fresh'), { recursive: true });
    writeFileSync(path.join(repo, 'fresh', '.env.local'), 'NEWSECRET\n');
    await new Promise((r) => setTimeout(r, 600));
    const r = await run('cat fresh/.env.local');
    expect(r.stdout).toBe('');
    rmSync(path.join(repo, 'fresh'), { recursive: true, force: true });
  });

  it('gives commands a read-only repository, no network and a non-root user', async () => {
    const touch = await run('touch newfile');
    expect(touch.exitCode).not.toBe(0);
    expect(readdirSync(repo)).not.toContain('newfile');
    const net = await run("python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 53), timeout=2)'");
    expect(net.exitCode).not.toBe(0);
    expect((await run('id -u')).stdout.trim()).toBe('1000');
  });

  it('runs python3 -m pytest and go test with no network', async () => {
    const py = await run('python3 -m pytest -q -p no:cacheprovider test_sample.py');
    expect(py.stdout).toContain('1 passed');
    // Go ≥ 1.20 ships no compiled standard library: a fresh container's empty build cache compiles it
    // first (tens of seconds on a busy 2-core machine) until build caches persist per workspace
    const go = await run('go test ./...', { timeoutMs: 240_000 });
    expect(go.stdout + go.stderr).toMatch(/ok\s+example\.com\/demo/);
  }, 300_000);

  it('kills a command at its timeout and returns the output so far', async () => {
    const t0 = Date.now();
    const f = await rpcFailure(run("python3 -c 'import time; print(\"started\", flush=True); time.sleep(60)'", { timeoutMs: 2000 }));
    expect(f.code).toBe('COMMAND_TIMEOUT');
    expect(f.output?.stdout).toBe('started\n');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('kills a command that ignores SIGTERM', async () => {
    const f = await rpcFailure(run("python3 -c 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'", { timeoutMs: 1500 }));
    expect(f.code).toBe('COMMAND_TIMEOUT');
  });

  it('returns promptly when a command backgrounds a child and exits', async () => {
    const t0 = Date.now();
    const r = await run("python3 -c 'import subprocess; subprocess.Popen([\"sleep\", \"100\"]); print(\"parent done\")'");
    expect(r.stdout).toBe('parent done\n');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('cuts gigabytes of output in the middle with a marker', async () => {
    const r = await run('head -c 1073741824 /dev/zero');
    expect(r.exitCode).toBe(0);
    expect(r.omittedBytes).toBe(1073741824 - 65536);
    expect(r.stdout).toContain('bytes omitted from the middle');
    expect(r.stdout.length).toBeLessThan(70_000);
  });

  it('survives a fork bomb, a memory bomb and a full /tmp within their limits', async () => {
    const t0 = Date.now();
    const bomb = await rpcFailure(run("python3 -c 'import os, time; [os.fork() for _ in range(10000)]; time.sleep(1)'", { timeoutMs: 8000 }));
    expect(['OK', 'COMMAND_TIMEOUT']).toContain(bomb.code); // ends: pids limit makes fork fail, or the timeout kills it
    expect(Date.now() - t0).toBeLessThan(20_000);
    const mem = await run("python3 -c 'b = [bytearray(2**20) for _ in range(4096)]'");
    expect(mem.exitCode).not.toBe(0);
    const tmp = await run("python3 -c 'f = open(\"/tmp/fill\", \"wb\"); [f.write(b\"x\" * 2**20) for _ in range(1024)]'");
    expect(tmp.exitCode).not.toBe(0);
    expect(tmp.stderr).toMatch(/No space left/);
    // the daemon still answers, and the pool refills to its size
    expect((await conn.sendRequest(ReadRequest, { root: repo, path: 'notes.txt' })).content).toBe('no secret here\n');
    expect((await run('true')).exitCode).toBe(0);
  });

  it('reports POOL_EXHAUSTED after the acquire timeout when every container is busy, and recycles after max uses', async () => {
    const busy = makeRepo({ 'a.txt': 'a\n', 'llm-runtime.config.yaml': [
      'commands:', '  exec:', '    whitelist: ["sleep"]',
      'container_pool:', '  acquire_timeout: 500ms', '  max_uses_per_container: 2', '',
    ].join('\n') });
    const size = 2; // LLMR_POOL_SIZE of the test daemon
    const sleepers = Array.from({ length: size }, () => conn.sendRequest(ExecRequest, { root: busy, command: 'sleep 6' }));
    // wait until both sleepers hold a container (starting them is slow on a loaded machine)
    const execPool = async () => (await conn.sendRequest(WorkspaceStatusRequest, { root: busy })).pools.find((p) => p.kind === 'exec');
    for (let i = 0; i < 100 && (await execPool())?.borrowed !== size; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect((await execPool())?.borrowed).toBe(size);
    const t0 = Date.now();
    const f = await rpcFailure(conn.sendRequest(ExecRequest, { root: busy, command: 'sleep 0' }));
    expect(f.code).toBe('POOL_EXHAUSTED');
    expect(Date.now() - t0).toBeLessThan(3000);
    await Promise.all(sleepers);
    for (let i = 0; i < 5; i += 1) await conn.sendRequest(ReadRequest, { root: busy, path: 'a.txt' });
    const io = (await conn.sendRequest(WorkspaceStatusRequest, { root: busy })).pools.find((p) => p.kind === 'io-read');
    expect(io?.created).toBeGreaterThanOrEqual(3); // 5 reads, at most 2 per container
    expect(io?.hits).toBeGreaterThan(0);
  });

  it('handles 16 clients issuing 100 mixed operations each with no error', async () => {
    const clients = await Promise.all(Array.from({ length: 16 }, () => d.connect()));
    let errors = 0;
    await Promise.all(clients.map(async (c, ci) => {
      for (let i = 0; i < 100; i += 1) {
        const p = i % 10 === 0
          ? c.sendRequest(ExecRequest, { root: repo, command: 'true' })
          : c.sendRequest(ReadRequest, { root: repo, path: 'notes.txt' });
        await p.catch((err: unknown) => { errors += 1; if (errors < 3) console.error(ci, i, err); });
      }
    }));
    for (const c of clients) c.dispose();
    expect(errors).toBe(0);
    // the pool recovers to its configured minimum of idle containers
    let exec = (await conn.sendRequest(WorkspaceStatusRequest, { root: repo })).pools.find((p) => p.kind === 'exec');
    for (let i = 0; i < 50 && (exec?.idle ?? 0) < (exec?.min ?? 1); i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      exec = (await conn.sendRequest(WorkspaceStatusRequest, { root: repo })).pools.find((p) => p.kind === 'exec');
    }
    expect(exec?.min).toBeGreaterThan(0);
    expect(exec?.idle).toBeGreaterThanOrEqual(exec?.min ?? 1);
    expect(exec?.waiting).toBe(0);
    writeFileSync(path.join(repo, 'notes.txt'), 'no secret here\n');
  });
});
