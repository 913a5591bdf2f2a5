/**
 * The default exec image through the real daemon: the toolchains of issue 11 (Node.js + npm,
 * python3 + pytest/pip/venv, Go ≥ 1.23, git, gcc), the normaliser's forms end to end, networked
 * commands refused, and `llmr doctor`'s look into the image. The image under test is
 * LLMR_TEST_EXEC_IMAGE when set (e.g. `llmr-exec:dev` from `llmr images build --only exec --tag
 * llmr-exec:dev`), else llmr-exec:latest.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { EXEC_IMAGE } from '../../images/version.js';
import { DoctorRequest } from '../../protocol/daemon.js';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

const IMAGE = process.env.LLMR_TEST_EXEC_IMAGE ?? EXEC_IMAGE;
/** The whitelist and the time limit are the user's settings (the daemon's environment): a repository may only narrow them. */
const USER_SETTINGS = {
  LLMR_COMMANDS__EXEC__WHITELIST: ['rg', 'llmr-no-such-tool --flag', 'npm --version', 'git --version'].join(','),
  LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '120',
};
const REPRO = 'import sys\nfor i in range(1, 11):\n    print(f"line {i}")\n    print(f"warn {i}", file=sys.stderr)\n';

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const run = (command: string): Promise<ExecResult> => conn.sendRequest(ExecRequest, { root: repo, command });

beforeAll(async () => {
  repo = makeRepo({
    'go.mod': 'module example.com/modern\n\ngo 1.23\n',
    'max.go': 'package modern\n\nimport "slices"\n\nfunc Max(a []int) int { return slices.Max(a) }\n',
    'max_test.go': 'package modern\n\nimport "testing"\n\nfunc TestMax(t *testing.T) {\n\tfor range 3 {\n\t\tif Max([]int{1, 3, 2}) != 3 {\n\t\t\tt.Fatal("bad")\n\t\t}\n\t}\n}\n',
    'test_pkg.py': 'def test_one():\n    assert sum([1, 2]) == 3\n\ndef test_two():\n    assert "x".upper() == "X"\n',
    'repro.py': REPRO,
    'a.txt': 'Y\nY\nZ\n',
    'c/hi.c': '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n',
    'js/package.json': '{"name":"t","version":"1.0.0","scripts":{"test":"node test.js"}}\n',
    'js/test.js': 'const assert = require("node:assert");\nassert.strictEqual([1, 2].at(-1), 2);\nconsole.log("js ok");\n',
  });
  d = await startDaemon({ LLMR_EXEC_IMAGE: IMAGE, ...USER_SETTINGS });
  conn = await d.connect();
}, 60_000);

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe(`integration/exec-image (${IMAGE})`, () => {
  it('has Node.js with npm, python3 with pytest, pip and venv, git and gcc', async () => {
    expect((await run('node --version')).stdout).toMatch(/^v(1[89]|[2-9]\d)\./);
    expect((await run('npm --version')).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(await run('python3 -m pytest --version')).toMatchObject({ exitCode: 0 });
    expect((await run('python3 -m pip --version')).stdout).toMatch(/^pip \d+/);
    expect(await run('python3 -m venv --without-pip /tmp/venv')).toMatchObject({ exitCode: 0 });
    expect((await run('git --version')).stdout).toMatch(/^git version 2\./);
    expect(await run('gcc -o /tmp/hi c/hi.c')).toMatchObject({ exitCode: 0, stderr: '' });
    for (const tool of ['make --version', 'patch --version', 'diff --version', 'find --version', 'grep --version', 'sed --version']) {
      expect((await run(tool)).exitCode, tool).toBe(0);
    }
  }, 120_000);

  it('has a Go that runs a `go 1.23` module (slices, range over int)', async () => {
    const v = await run('go version');
    const [, minor] = /go1\.(\d+)/.exec(v.stdout) ?? [];
    expect(Number(minor)).toBeGreaterThanOrEqual(23);
    const t = await run('go test ./...');
    expect(t.stdout + t.stderr).toMatch(/^ok\s+example\.com\/modern/m);
    expect(t.exitCode).toBe(0);
  }, 180_000);

  it('runs pytest and npm test in the repository', async () => {
    const py = await run('python3 -m pytest -q test_pkg.py');
    expect(py.exitCode).toBe(0);
    expect(py.stdout).toMatch(/2 passed/);
    const js = await run('npm test --prefix js');
    expect(js.exitCode).toBe(0);
    expect(js.stdout).toContain('js ok');
  }, 120_000);

  it('runs `cd <root> && python3 repro.py 2>&1 | tail -5` without a shell: the last five merged lines', async () => {
    const r = await run(`cd ${repo} && python3 repro.py 2>&1 | tail -5`);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => /^(line|warn) ([6-9]|10)$/.test(l))).toBe(true);
    expect(lines).toContain('line 10');
  });

  it('runs both commands of `a && b` and stops at the first failure', async () => {
    const both = await run('grep -rn Z a.txt && grep -c Y a.txt');
    expect(both).toMatchObject({ exitCode: 0, stdout: '3:Z\n2\n' });
    const stopped = await run('cd /workspace && false && echo never');
    expect(stopped).toMatchObject({ exitCode: 1, stdout: '' });
  });

  it('refuses other shell syntax naming the alternative, and networked commands in one line', async () => {
    const pipe = await rpcFailure(run('ls | sh'));
    expect(pipe.code).toBe('COMMAND_NOT_WHITELISTED');
    expect(pipe.message).toMatch(/^pipe into sh is not allowed/);
    const pip = await rpcFailure(run('pip install requests'));
    expect(pip.code).toBe('NETWORK_DISABLED');
    expect(pip.message).toMatch(/^pip install needs the network, but <exec> commands run with the network off/);
    expect(pip.message).not.toContain('\n');
    expect((await rpcFailure(run('cd . && npm ci'))).code).toBe('NETWORK_DISABLED');
  });

  it('lists the whitelisted commands the image has and warns about the missing ones, naming the image', async () => {
    const { checks } = await conn.sendRequest(DoctorRequest, { root: repo });
    const summary = checks.find((c) => c.name === `commands in ${IMAGE}`);
    expect(summary?.ok, JSON.stringify(checks)).toBe(true);
    expect(summary?.detail).toMatch(/whitelisted commands present: .*python3.*go.*node.*git/);
    const missing = checks.filter((c) => c.warning === true).map((c) => c.name).sort();
    expect(missing).toEqual(['command llmr-no-such-tool', 'command rg']);
    const rg = checks.find((c) => c.name === 'command rg');
    expect(rg?.detail).toBe(`rg is whitelisted but missing from ${IMAGE}; <exec rg …> answers command not found`);
    // the probe container is gone once doctor answers
    expect(execFileSync('docker', ['ps', '-aq', '--filter', 'label=llmr.daemon=llmr-doctor'], { encoding: 'utf8' }).trim()).toBe('');
  }, 60_000);
});
