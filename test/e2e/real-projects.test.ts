/**
 * Real projects nobody here wrote, fetched from the npm registry as their published tarballs, run
 * through the real daemon in the default exec image (issue 11, "Done when"):
 * - JavaScript: minimist 1.2.8 ships its tape suite; its dev dependencies are installed on the
 *   host, `npm test` runs on the host and through `<exec>`, and both report the same number of
 *   passing assertions. `--ignore-scripts` skips its pretest (eslint over the tree) and posttest
 *   (`aud`, an online audit: commands have no network) on both sides alike. nyc writes its
 *   coverage into the repository, so commands run read-write here (and report what they created).
 * - Python: node-gyp 12.4.0 ships gyp, a pure-Python package with its own unit tests;
 *   `python3 -m pytest` runs them green, and every test pytest collects either passes or is
 *   skipped by the suite itself (none fail, none are lost).
 * The registry is needed (CI has it); a failed download fails the test, it never skips.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { chownTree, containersOf, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const MINIMIST = 'minimist@1.2.8';
const NODE_GYP = 'node-gyp@12.4.0';
const PYTEST = 'python3 -m pytest -q -p no:cacheprovider';

let work: string;
let d: TestDaemon;
let conn: MessageConnection;

/** Download `spec`'s published tarball and unpack it into `work/<dir>`; returns the package directory. */
function unpack(spec: string, dir: string): string {
  const into = path.join(work, dir);
  mkdirSync(into);
  const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', into], { encoding: 'utf8', timeout: 120_000 });
  const tarball = out.trim().split('\n').pop() as string;
  execFileSync('tar', ['xzf', path.join(into, tarball), '-C', into]);
  return path.join(into, 'package');
}

const run = (root: string, command: string): Promise<ExecResult> =>
  conn.sendRequest(ExecRequest, { root, command, timeoutMs: 240_000 });

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'llmr-real-'));
  d = await startDaemon({
    LLMR_COMMANDS__EXEC__WHITELIST: 'npm test,python3 -m pytest',
    LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '240', LLMR_COMMANDS__EXEC__MAX_TIMEOUT_SECONDS: '300',
    LLMR_COMMANDS__EXEC__MEMORY_LIMIT: '1g', LLMR_COMMANDS__EXEC__TMPFS_SIZE: '256m',
    // nyc writes its coverage (.nyc_output) into the repository, as test runs do
    LLMR_COMMANDS__EXEC__REPOSITORY: 'read-write',
  });
  conn = await d.connect();
}, 300_000);

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

describe('e2e/real-projects', () => {
  it('runs minimist\'s own tape suite with npm test: as many passing assertions as on the host', async () => {
    const repo = unpack(MINIMIST, 'minimist');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'], { cwd: repo, timeout: 240_000 });
    const host = execFileSync('npm', ['test', '--ignore-scripts'], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
    const hostPass = Number(/^# pass\s+(\d+)$/m.exec(host)?.[1]);
    expect(hostPass).toBeGreaterThan(50);
    // the host run's coverage goes, so the container's run writes its own (read-write mode)
    rmSync(path.join(repo, '.nyc_output'), { recursive: true, force: true });
    chownTree(path.dirname(repo));
    const r = await run(repo, 'npm test --ignore-scripts');
    const out = r.stdout + r.stderr;
    expect(r.exitCode, out.slice(-3000)).toBe(0);
    expect(Number(/^# pass\s+(\d+)$/m.exec(r.stdout)?.[1]), out.slice(-3000)).toBe(hostPass);
    expect(r.stdout).not.toMatch(/^# fail\s+[1-9]/m);
    expect(r.changes?.counts.created, 'nyc\'s coverage files are reported as created').toBeGreaterThan(0);
    process.stderr.write(`minimist npm test: ${hostPass} assertions pass on the host and through <exec> (${r.durationMs} ms)\n`);
  }, 400_000);

  it('runs gyp\'s own Python tests green with python3 -m pytest, none lost', async () => {
    const gyp = path.join(unpack(NODE_GYP, 'node-gyp'), 'gyp');
    expect(readdirSync(path.join(gyp, 'pylib', 'gyp')).filter((f) => f.endsWith('_test.py')).length).toBeGreaterThan(3);
    chownTree(path.dirname(path.dirname(gyp)));
    const collected = await run(gyp, `${PYTEST} --collect-only`);
    expect(collected.exitCode, collected.stdout + collected.stderr).toBe(0);
    const total = Number(/(\d+) tests? collected/.exec(collected.stdout)?.[1]);
    expect(total).toBeGreaterThan(20);
    const r = await run(gyp, PYTEST);
    expect(r.exitCode, (r.stdout + r.stderr).slice(-3000)).toBe(0);
    const count = (word: string): number => Number(new RegExp(`(\\d+) ${word}`).exec(r.stdout)?.[1] ?? 0);
    expect(count('failed') + count('error')).toBe(0);
    expect(count('passed') + count('skipped')).toBe(total);
    expect(count('passed')).toBeGreaterThan(total / 2);
    process.stderr.write(`gyp pytest: ${count('passed')} passed, ${count('skipped')} skipped of ${total} collected (${r.durationMs} ms)\n`);
  }, 400_000);
});
