/**
 * Read-write exec through the real daemon (commands.exec.repository: read-write from the daemon's
 * environment — a repository may only narrow it): changes reported and audited, gofmt -w and a
 * snapshot-writing test, exec/undo restoring what a command overwrote, deleted or created, and the
 * changes a command must not make (protected paths, a new .git symlink, hard links) put back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest, ExecUndoRequest, type ExecResult } from '../../protocol/exec.js';
import { containersOf, makeRepo, REPO_UID, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

const WHITELIST = ['touch', 'rm', 'cat', 'ln', 'mkdir', 'python3 -c', 'python3 -m pytest', 'gofmt -w', 'sh -c'];

const CLIENT_JS = fileURLToPath(new URL('../../dist/client/main.js', import.meta.url));

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const run = (command: string): Promise<ExecResult> => conn.sendRequest(ExecRequest, { root: repo, command });
const read = (rel: string): string => readFileSync(path.join(repo, rel), 'utf8');

beforeAll(async () => {
  repo = makeRepo({
    'a.txt': 'original a\n', 'old.txt': 'keep me\n', 'prot/p.txt': 'protected\n', '.env': 'SECRET=hunter2\n', 'llm-runtime.config.yaml': 'commands:\n  exec:\n    timeout_seconds: 25\n',
    'fmt/go.mod': 'module example.com/fmt\n\ngo 1.22\n', 'fmt/x.go': 'package fmt2\nfunc  F( ) int {return 1}\n',
    'node_modules/pkg/test/server.key': 'NESTED-SECRET\n', 'node_modules/pkg/index.js': 'module.exports = 1;\n',
    'test_snap.py': 'import pathlib\n\ndef test_snapshot():\n    p = pathlib.Path("__snapshots__/snap.txt")\n    p.parent.mkdir(exist_ok=True)\n    p.write_text("42\\n")\n    assert p.read_text() == "42\\n"\n',
  });
  d = await startDaemon({
    LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: WHITELIST.join(','), LLMR_COMMANDS__EXEC__REPOSITORY: 'read-write',
    LLMR_COMMANDS__EXEC__TMPFS_SIZE: '128m', LLMR_SECURITY__PROTECTED_PATHS: '.git/**,llm-runtime.config.yaml,.llmr/**,prot/**',
  });
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/exec-rw', () => {
  it('reports what a command created, changed and deleted, audits it, and undoes it', async () => {
    const r = await run('python3 -c "open(\'a.txt\',\'w\').write(\'in place\\n\'); open(\'new.txt\',\'w\').write(\'n\\n\'); import os; os.remove(\'old.txt\')"');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.changes).toMatchObject({ created: ['new.txt'], changed: ['a.txt'], deleted: ['old.txt'], refused: [], counts: { created: 1, changed: 1, deleted: 1 } });
    expect(read('a.txt')).toBe('in place\n');
    let audit = '';
    for (let i = 0; i < 50 && !audit.includes('created:1'); i += 1) {
      await new Promise((res) => setTimeout(res, 100)); // the audit writer appends asynchronously
      audit = readFileSync(path.join(d.home, 'state', 'llmr', 'audit.log'), 'utf8');
    }
    expect(audit).toMatch(/\|exec\|python3 -c .*\|success\|.*created:1,changed:1,deleted:1,refused:0,undo:/);
    const u = await conn.sendRequest(ExecUndoRequest, { root: repo });
    expect(u).toMatchObject({ restored: ['a.txt', 'old.txt'], removed: ['new.txt'], skipped: [] });
    expect(read('a.txt')).toBe('original a\n');
    expect(read('old.txt')).toBe('keep me\n');
    expect(existsSync(path.join(repo, 'new.txt'))).toBe(false);
    expect(lstatSync(path.join(repo, 'a.txt')).uid).toBe(REPO_UID);
    expect((await rpcFailure(conn.sendRequest(ExecUndoRequest, { root: repo }))).code).toBe('NOTHING_TO_RESTORE');
  });

  it('undoes through the llmr command line, and clears the tool cache with it', async () => {
    await run('touch cli.txt');
    const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [CLIENT_JS, ...args, '--root', repo, '--no-spawn'], { env: { ...d.env }, encoding: 'utf8' });
    const undo = cli('exec', 'undo');
    expect(undo.status, undo.stderr).toBe(0);
    expect(undo.stdout).toBe('undid "touch cli.txt": 0 restored, 1 removed, 0 left as they are\nremoved  cli.txt\n');
    expect(existsSync(path.join(repo, 'cli.txt'))).toBe(false);
    const clear = cli('cache', 'clear');
    expect(clear.status, clear.stderr).toBe(0);
    expect(clear.stdout).toMatch(/^cleared .*\/tool-cache: \d+\.\d MiB freed\n$/);
    const status = cli('status');
    expect(status.stdout).toMatch(/tool cache: {2}.*tool-cache \(0\.0 MiB of 2048 MiB; llmr cache clear empties it\)/);
  });

  it('says what a command that timed out changed, and undoes it', async () => {
    const f = await conn.sendRequest(ExecRequest, { root: repo, command: 'sh -c "touch late.txt && sleep 30"', timeoutMs: 1500 }).then(() => undefined, (e: { data?: { code: string; details?: string } }) => e.data);
    expect(f?.code).toBe('COMMAND_TIMEOUT');
    expect(f?.details).toMatch(/before it stopped it created 1, changed 0 and deleted 0 files \(undo record .*; llmr exec undo puts them back\)$/);
    expect((await conn.sendRequest(ExecUndoRequest, { root: repo })).removed).toEqual(['late.txt']);
  });

  it('undoes an rm', async () => {
    const r = await run('rm old.txt');
    expect(r.changes?.deleted).toEqual(['old.txt']);
    expect((await conn.sendRequest(ExecUndoRequest, { root: repo })).restored).toEqual(['old.txt']);
    expect(read('old.txt')).toBe('keep me\n');
  });

  it('undoes a directory replaced by a symlink out of the repository, writing nothing outside', async () => {
    const r = await run('sh -c "rm -rf fmt && ln -s /etc fmt"');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.changes).toMatchObject({ changed: ['fmt'], deleted: ['fmt/go.mod', 'fmt/x.go'] });
    const u = await conn.sendRequest(ExecUndoRequest, { root: repo });
    expect(u.restored).toEqual(['fmt', 'fmt/go.mod', 'fmt/x.go']);
    expect(lstatSync(path.join(repo, 'fmt')).isDirectory()).toBe(true);
    expect(read('fmt/go.mod')).toContain('module example.com/fmt');
    expect(existsSync('/etc/x.go')).toBe(false);
  });

  it('runs gofmt -w and a test that writes a snapshot, listing the files', async () => {
    const fmt = await run('gofmt -w fmt');
    expect(fmt.exitCode, fmt.stderr).toBe(0);
    expect(fmt.changes?.changed).toEqual(['fmt/x.go']);
    expect(read('fmt/x.go')).toBe('package fmt2\n\nfunc F() int { return 1 }\n');
    const snap = await run('python3 -m pytest -q -p no:cacheprovider test_snap.py');
    expect(snap.exitCode, snap.stdout).toBe(0);
    expect(snap.changes?.created).toEqual(['__snapshots__', '__snapshots__/snap.txt']);
  });

  it('keeps excluded files masked and llmr\'s config read-only', async () => {
    expect((await run('cat .env')).stdout).toBe('');
    expect((await run('rm .env')).exitCode).not.toBe(0);
    const link = await run('ln .env leak.txt');
    expect(link.exitCode).not.toBe(0);
    expect(link.stderr).toMatch(/Invalid cross-device link|Operation not permitted|Read-only/);
    const cfg = await run('python3 -c "open(\'llm-runtime.config.yaml\',\'w\').write(\'x\')"');
    expect(cfg.stderr).toMatch(/Read-only file system/);
    expect(read('.env')).toBe('SECRET=hunter2\n');
    expect(read('llm-runtime.config.yaml')).toContain('timeout_seconds: 25');
  });

  it('keeps a nested file excluded by its name masked when a command renames the folders above it', async () => {
    const r = await run('sh -c "mv node_modules/pkg moved && cat moved/test/server.key; mv moved/test/server.key s.txt; echo done"');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('done\n'); // the mask moved with its folder: empty, and the file itself cannot move
    expect(r.stderr).toMatch(/busy/i);
    expect(read('moved/test/server.key')).toBe('NESTED-SECRET\n'); // on the host: whole, still excluded by *.key
    expect(r.changes?.created).toEqual(['moved', 'moved/index.js', 'moved/test']);
    expect(r.changes?.deleted).toEqual(['node_modules/pkg', 'node_modules/pkg/index.js', 'node_modules/pkg/test']);
    // undo puts back what the walk saw; the excluded file is never touched, so its folder stays (listed as skipped)
    const u = await conn.sendRequest(ExecUndoRequest, { root: repo });
    expect(u.restored).toContain('node_modules/pkg/index.js');
    expect(u.skipped.join('\n')).toMatch(/moved\/test \(ENOTEMPTY/);
    expect(read('node_modules/pkg/index.js')).toBe('module.exports = 1;\n');
    expect(read('moved/test/server.key')).toBe('NESTED-SECRET\n');
    expect((await run('cat moved/test/server.key')).stdout).toBe(''); // the next container masks it at its new path
  });

  it('refuses read-write commands while a nested file is excluded only by its folder\'s path', async () => {
    const other = makeRepo({ 'config/master.key.enc': 'ANCHORED\n', 'llm-runtime.config.yaml': 'repository:\n  excluded_paths: ["config/master.key.enc"]\n' });
    const err = await rpcFailure(conn.sendRequest(ExecRequest, { root: other, command: 'touch x' }));
    expect(err.code).toBe('COMMAND_DISABLED');
    expect(err.message).toContain('config/master.key.enc');
    expect(existsSync(path.join(other, 'x'))).toBe(false);
  });

  it('mounts existing protected paths read-only', async () => {
    const r = await run('python3 -c "open(\'prot/p.txt\',\'w\').write(\'x\')"');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(read('prot/p.txt')).toBe('protected\n');
  });

  it('removes excluded paths a command created (a nested .git with an fsmonitor hook, an .npmrc) and lists them as refused', async () => {
    const plant = [
      'mkdir -p sub/.git/objects sub/.git/refs', 'echo "ref: refs/heads/main" > sub/.git/HEAD',
      'printf "[core]\\n\\tfsmonitor = \\"touch /tmp/llmr-pwned; false\\"\\n" > sub/.git/config',
      'echo registry=https://evil.example/ > .npmrc', 'echo visible > sub/x.txt',
    ].join(' && ');
    const r = await run(`sh -c '${plant}'`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.changes?.refused).toEqual(['.npmrc', 'sub/.git']);
    expect(r.changes?.created).toEqual(['sub', 'sub/x.txt']);
    for (const rel of ['sub/.git', '.npmrc']) expect(existsSync(path.join(repo, rel)), rel).toBe(false);
    expect(read('sub/x.txt')).toBe('visible\n');
    const u = await conn.sendRequest(ExecUndoRequest, { root: repo });
    expect(u.removed).toEqual(['sub/x.txt', 'sub']);
  });

  it('puts back changes to protected paths, a new .git symlink and new hard links', async () => {
    const r = await run('sh -c "mkdir -p .llmr && echo x > .llmr/state && ln -s / .git && ln a.txt alias.txt && echo ok > fine.txt"');
    expect(r.exitCode, r.stderr).toBe(0);
    // a.txt changed too (its link count): it gets its own inode back, with its content
    expect(r.changes?.refused.sort()).toEqual(['.git', '.llmr', '.llmr/state', 'a.txt', 'alias.txt']);
    expect(r.changes?.created).toEqual(['fine.txt']);
    for (const rel of ['.git', '.llmr', 'alias.txt']) expect(existsSync(path.join(repo, rel)), rel).toBe(false);
    expect(lstatSync(path.join(repo, 'a.txt')).nlink).toBe(1);
    expect(read('a.txt')).toBe('original a\n');
  });
});
