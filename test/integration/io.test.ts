/**
 * Containerized reads and writes through the real daemon, real Docker and real files.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ReadRequest, WriteRequest, type ReadParams, type WriteParams } from '../../protocol/io.js';
import { HelloRequest, PROTOCOL_VERSION } from '../../protocol/daemon.js';
import { WorkspaceStatusRequest } from '../../protocol/workspace.js';
import { AuditVerifyRequest } from '../../protocol/audit.js';
import { REPO_UID, containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const read = (p: Omit<ReadParams, 'root'>) => conn.sendRequest(ReadRequest, { root: repo, ...p });
const write = (p: Omit<WriteParams, 'root'>) => conn.sendRequest(WriteRequest, { root: repo, ...p });
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    return (err as { data?: { code?: string } }).data?.code ?? `non-llmr error: ${String(err)}`;
  }
}

beforeAll(async () => {
  repo = makeRepo({
    'README.md': '# demo\n',
    'src/a.ts': 'line1\nline2\nline3\nline4\n',
    '.env': 'SECRET=1\n',
    'bin.dat': Buffer.from([0, 1, 2, 255, 254]),
    'big.txt': 'x'.repeat(2 * 1024 * 1024),
    '.git/config': '[core]\n',
  });
  symlinkSync('/etc/passwd', path.join(repo, 'passwd-link'));
  symlinkSync('src/a.ts', path.join(repo, 'inside-link'));
  d = await startDaemon();
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/io', () => {
  it('answers hello with the protocol version', async () => {
    const hello = await conn.sendRequest(HelloRequest, { protocolVersion: PROTOCOL_VERSION, clientVersion: 'test' });
    expect(hello.protocolVersion).toBe(PROTOCOL_VERSION);
  });

  it('reads a file with size, line count and sha256', async () => {
    const r = await read({ path: 'src/a.ts' });
    expect(r.content).toBe('line1\nline2\nline3\nline4\n');
    expect(r.lineCount).toBe(4);
    expect(r.size).toBe(24);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a line range', async () => {
    const r = await read({ path: 'src/a.ts', lines: { from: 2, to: 3 } });
    expect(r.content).toBe('line2\nline3\n');
    expect(r.lines).toEqual({ from: 2, to: 3 });
  });

  it('follows a symlink that stays inside the repository', async () => {
    const r = await read({ path: 'inside-link' });
    expect(r.path).toBe('src/a.ts');
  });

  it('round-trips content byte for byte and reports CREATED then UPDATED with a backup', async () => {
    const samples = ['Hello 世界 🌍', 'line1\nline2\r\nline3', 'col1\tcol2\tcol3', 'before\u0000after', '!@#$%^&*()', '$(id) `id` $HOME "q" \'s\'\n'];
    for (const [i, content] of samples.entries()) {
      const w = await write({ path: `out/f${i}.txt`, content });
      expect(w.action).toBe('CREATED');
      expect(w.bytesWritten).toBe(Buffer.byteLength(content));
      expect(readFileSync(path.join(repo, `out/f${i}.txt`), 'utf8')).toBe(content);
      expect(statSync(path.join(repo, `out/f${i}.txt`)).uid).toBe(REPO_UID);
    }
    const again = await write({ path: 'out/f0.txt', content: 'new\n' });
    expect(again.action).toBe('UPDATED');
    expect(again.backup).toMatch(/^backups\//);
    const backup = path.join(d.env.XDG_STATE_HOME, 'llmr', again.backup as string);
    expect(readFileSync(backup, 'utf8')).toBe('Hello 世界 🌍');
    expect(readdirSync(path.join(repo, 'out')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('refuses a write whose expected sha256 no longer matches', async () => {
    const r = await read({ path: 'README.md' });
    await write({ path: 'README.md', content: '# changed\n', expectedSha256: r.sha256 });
    expect(await codeOf(write({ path: 'README.md', content: '# again\n', expectedSha256: r.sha256 }))).toBe('WRITE_CONFLICT');
  });

  it('refuses every path attack with its code', async () => {
    expect(await codeOf(read({ path: '../../../etc/passwd' }))).toBe('PATH_OUTSIDE_REPO');
    expect(await codeOf(read({ path: '/etc/passwd' }))).toBe('PATH_OUTSIDE_REPO');
    expect(await codeOf(read({ path: 'passwd-link' }))).toBe('PATH_OUTSIDE_REPO');
    expect(await codeOf(read({ path: '.env' }))).toBe('PATH_EXCLUDED');
    expect(await codeOf(read({ path: 'a\u0000b' }))).toBe('PATH_INVALID');
    expect(await codeOf(write({ path: '../outside.txt', content: 'x' }))).toBe('PATH_OUTSIDE_REPO');
    expect(await codeOf(write({ path: '.git/hooks/pre-commit', content: 'x' }))).toMatch(/PATH_(EXCLUDED|PROTECTED)/);
    expect(await codeOf(write({ path: 'llm-runtime.config.yaml', content: 'x: 1' }))).toBe('PATH_PROTECTED');
    expect(await codeOf(write({ path: 'passwd-link', content: 'x' }))).toBe('PATH_OUTSIDE_REPO');
  });

  it('refuses binaries, oversized files, directories and missing files', async () => {
    expect(await codeOf(read({ path: 'bin.dat' }))).toBe('BINARY_FILE');
    expect(await codeOf(read({ path: 'big.txt' }))).toBe('FILE_TOO_LARGE');
    expect(await codeOf(read({ path: 'src' }))).toBe('IS_DIRECTORY');
    expect(await codeOf(read({ path: 'nope.txt' }))).toBe('FILE_NOT_FOUND');
    expect(await codeOf(write({ path: 'huge.txt', content: 'y'.repeat(200 * 1024) }))).toBe('FILE_TOO_LARGE');
  });

  it('runs I/O containers hardened, as the repository owner, with the repository read-only for reads', async () => {
    const status = await conn.sendRequest(WorkspaceStatusRequest, { root: repo });
    expect(status.owner.uid).toBe(REPO_UID);
    const ids = containersOf(d.instance);
    expect(ids.length).toBeGreaterThan(0);
    const out = spawnSync('docker', ['inspect', ...ids], { encoding: 'utf8' });
    const infos = JSON.parse(out.stdout) as Array<{ Config: { User: string; Labels: Record<string, string> }; HostConfig: Record<string, unknown>; Mounts: Array<{ Destination: string; RW: boolean }> }>;
    for (const info of infos) {
      const h = info.HostConfig;
      expect(info.Config.User).toBe(`${REPO_UID}:${REPO_UID}`);
      expect(h.NetworkMode).toBe('none');
      expect(h.ReadonlyRootfs).toBe(true);
      expect(h.CapDrop).toEqual(['ALL']);
      expect(h.SecurityOpt).toEqual(['no-new-privileges']);
      expect(h.PidsLimit).toBeGreaterThan(0);
      expect(h.Memory).toBeGreaterThan(0);
      expect(h.MemorySwap).toBe(h.Memory);
      expect(h.NanoCpus).toBeGreaterThan(0);
      expect(h.Init).toBe(true);
      const workspace = info.Mounts.find((m) => m.Destination === '/workspace');
      if (info.Config.Labels['llmr.kind'] === 'io-read') expect(workspace?.RW).toBe(false);
      if (info.Config.Labels['llmr.kind'] === 'io-write') expect(info.Mounts.find((m) => m.Destination === '/workspace/.git')?.RW).toBe(false);
    }
  });

  it('refuses a repository root that does not exist, and one owned by root', async () => {
    expect(await codeOf(conn.sendRequest(ReadRequest, { root: '/nonexistent/llmr-repo', path: 'a' }))).toBe('ROOT_NOT_FOUND');
    const rootOwned = makeRepo({ 'a.txt': 'a' });
    spawnSync('chown', ['-R', '0:0', rootOwned]);
    expect(await codeOf(conn.sendRequest(ReadRequest, { root: rootOwned, path: 'a.txt' }))).toBe('REPO_OWNER_ROOT');
  });

  it('audits every operation with escaped fields and a hash chain that detects tampering', async () => {
    const file = path.join(d.env.XDG_STATE_HOME, 'llmr', 'audit.log');
    await write({ path: 'out/a|b.txt', content: 'x' });
    await new Promise((r) => setTimeout(r, 200));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.some((l) => /\|session:\w+\|open\|src\/a\.ts\|success\|bytes:24,sha256:[0-9a-f]{64}\|chain:[0-9a-f]{64}$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('|write|out/a\\|b.txt|success|hash:'))).toBe(true);
    expect(lines.some((l) => /\|open\|\.env\|failed\|PATH_EXCLUDED: /.test(l))).toBe(true);
    expect(await conn.sendRequest(AuditVerifyRequest, {})).toMatchObject({ ok: true, lines: lines.length });
    const forged = lines.map((l, i) => (i === 1 ? l.replace('|success|', '|failed|') : l));
    writeFileSync(file, `${forged.join('\n')}\n`);
    expect(await conn.sendRequest(AuditVerifyRequest, {})).toMatchObject({ ok: false, firstBadLine: 2 });
    writeFileSync(file, `${lines.join('\n')}\n`);
  });

  it('gives up on an I/O operation after commands.io.timeout_seconds with COMMAND_TIMEOUT', async () => {
    // cold mode: starting a container alone takes longer than the 20 ms allowed here
    const slow = makeRepo({ 'a.txt': 'a\n', 'llm-runtime.config.yaml': 'container_pool:\n  enabled: false\ncommands:\n  io:\n    timeout_seconds: 0.02\n' });
    const r = await conn.sendRequest(ReadRequest, { root: slow, path: 'a.txt' }).catch((e: { message: string; data: { code: string } }) => e);
    expect(r).toMatchObject({ data: { code: 'COMMAND_TIMEOUT' } });
    expect((r as { message: string }).message).toBe('reading a.txt did not finish within 0.02s');
  });

  it('serves reads and writes in cold mode with a fresh container per operation, none kept afterwards', async () => {
    const cold = makeRepo({ 'a.txt': 'cold\n', 'llm-runtime.config.yaml': 'container_pool:\n  enabled: false\n' });
    expect((await conn.sendRequest(ReadRequest, { root: cold, path: 'a.txt' })).content).toBe('cold\n');
    expect((await conn.sendRequest(WriteRequest, { root: cold, path: 'a.txt', content: 'warm\n' })).action).toBe('UPDATED');
    expect(readFileSync(path.join(cold, 'a.txt'), 'utf8')).toBe('warm\n');
    const pools = (await conn.sendRequest(WorkspaceStatusRequest, { root: cold })).pools;
    const [ioRead, ioWrite] = ['io-read', 'io-write'].map((k) => pools.find((p) => p.kind === k));
    expect(ioRead).toMatchObject({ enabled: false, created: 1, destroyed: 1, idle: 0, size: 0 });
    expect(ioWrite).toMatchObject({ enabled: false, created: 1, destroyed: 1, idle: 0, size: 0 });
  });

  it('checks container health on borrow without ever lending a container twice', async () => {
    // a health-check interval shorter than the gap between uses: every borrow pings first (a user
    // setting, never a repository's: this daemon of its own has it)
    const busy = makeRepo({ 'a.txt': 'a\n' });
    const pinging = await startDaemon({ LLMR_CONTAINER_POOL__HEALTH_CHECK_INTERVAL: '5ms' });
    onTestFinished(() => pinging.stop());
    const clients = await Promise.all(Array.from({ length: 8 }, () => pinging.connect()));
    const codes = await Promise.all(clients.map(async (c) => {
      const seen: string[] = [];
      for (let i = 0; i < 25; i += 1) seen.push(await codeOf(c.sendRequest(ReadRequest, { root: busy, path: 'a.txt' })));
      return seen;
    }));
    for (const c of clients) c.dispose();
    expect(codes.flat().filter((c) => c !== 'OK')).toEqual([]);
  });

  it('serves other clients after a client disconnects mid-request', async () => {
    const c2 = await d.connect();
    const pending = c2.sendRequest(ReadRequest, { root: repo, path: 'src/a.ts' }).catch(() => undefined);
    c2.dispose();
    await pending;
    const r = await read({ path: 'src/a.ts' });
    expect(r.lineCount).toBe(4);
    writeFileSync(path.join(repo, 'src/a.ts'), 'line1\nline2\nline3\nline4\n');
  });
});
