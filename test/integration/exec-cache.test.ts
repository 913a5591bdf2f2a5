/**
 * Persistent per-workspace tool caches through the real daemon: the second `go test ./...` of an
 * unchanged module reuses Go's build cache (at most a third of the first run's time), another
 * workspace's commands do not see the cache, workspace/status reports its size and cache/clear
 * empties it (the directory stays, a symlink a command left in it is removed, never followed).
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { CacheClearRequest, ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { WorkspaceStatusRequest } from '../../protocol/workspace.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const WHITELIST = ['go test', 'ls', 'ln', 'sh -c'];

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;
let other: string;

const run = (root: string, command: string): Promise<ExecResult> => conn.sendRequest(ExecRequest, { root, command });

beforeAll(async () => {
  repo = makeRepo({
    'go.mod': 'module example.com/demo\n\ngo 1.22\n',
    'demo.go': 'package demo\n\nimport "slices"\n\nfunc Max(xs []int) int { return slices.Max(xs) }\n',
    'demo_test.go': 'package demo\n\nimport "testing"\n\nfunc TestMax(t *testing.T) {\n\tif Max([]int{1, 3, 2}) != 3 {\n\t\tt.Fatal("bad")\n\t}\n}\n',
  });
  other = makeRepo({ 'x.txt': 'x\n' });
  d = await startDaemon({
    LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: WHITELIST.join(','),
    LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '240', LLMR_COMMANDS__EXEC__MEMORY_LIMIT: '1g',
  });
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/exec-cache', () => {
  it('reuses the Go build cache on the second go test of an unchanged module', async () => {
    const first = await run(repo, 'go test ./...');
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const second = await run(repo, 'go test ./...');
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    // "(cached)": go found the first run's test result in GOCACHE, so the cache outlived the command
    // (the time saved is reported, not asserted: a loaded machine makes both runs slow)
    expect(second.stdout).toMatch(/\(cached\)/);
    process.stderr.write(`go test ./...: first ${first.durationMs} ms, second ${second.durationMs} ms\n`);
  }, 600_000);

  it('shows the cache size in workspace/status and only this workspace mounts it', async () => {
    // the size is measured after each command, in the background
    let status = await conn.sendRequest(WorkspaceStatusRequest, { root: repo });
    for (let i = 0; i < 50 && (status.toolCache?.bytes ?? 0) === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      status = await conn.sendRequest(WorkspaceStatusRequest, { root: repo });
    }
    expect(status.toolCache?.bytes).toBeGreaterThan(1024 * 1024);
    expect(status.toolCache?.dir).toBe(path.join(d.home, 'cache', 'llmr', path.basename(path.dirname(status.toolCache?.dir ?? '')), 'tool-cache'));
    expect((await run(repo, 'ls /cache')).stdout).toMatch(/go-build/);
    expect((await run(other, 'ls -A /cache')).stdout).toBe('');
  });

  it('empties the cache with cache/clear without following a symlink left in it', async () => {
    const outside = path.join(os.tmpdir(), `llmr-cache-victim-${process.pid}`);
    writeFileSync(outside, 'keep');
    expect((await run(repo, `ln -s ${outside} /cache/link`)).exitCode).toBe(0);
    const dir = (await conn.sendRequest(WorkspaceStatusRequest, { root: repo })).toolCache?.dir as string;
    const r = await conn.sendRequest(CacheClearRequest, { root: repo });
    expect(r.dir).toBe(dir);
    expect(r.freedBytes).toBeGreaterThan(1024 * 1024);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(outside)).toBe(true);
    rmSync(outside);
    expect((await conn.sendRequest(WorkspaceStatusRequest, { root: repo })).toolCache?.bytes).toBe(0);
  });
});
