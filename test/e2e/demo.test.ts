/**
 * `npm run demo`, the README's first command, as a newcomer runs it (dist/ prebuilt by the suite):
 * the framed results, and at the end a daemon that is gone, no containers left, and the temp
 * directory it says it left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containersMounting } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-demo-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runDemo(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/demo.sh'], { env: { ...process.env, TMPDIR: tmp, LLMR_DEMO_PREBUILT: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('e2e/demo', () => {
  it('runs the example reply, stops its daemon and names the directory it leaves behind', async () => {
    const r = await runDemo();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('=== WRITE SUCCESSFUL: src/farewell.py ===');
    expect(r.stdout).toMatch(/=== EXEC SUCCESSFUL: python3 -m pytest .*\n(.*\n)*.*2 passed/);
    expect(r.stdout).toContain('=== ERROR: PATH_OUTSIDE_REPO ===');
    expect(r.stdout).toContain('=== ERROR: COMMAND_NOT_WHITELISTED ===');
    expect(r.stdout).toMatch(/=== ERROR: EXEC_FAILED ===\n(.*\n)*.*Read-only file system/);
    const left = /Left behind: (\S+)/.exec(r.stderr)?.[1];
    expect(left, r.stderr).toBeDefined();
    expect(existsSync(path.join(left ?? '', 'repo', 'src', 'farewell.py'))).toBe(true);
    expect(r.stderr).toContain(`rm -rf ${left}`);
    expect(r.stderr).toContain("daemon is stopped");
    expect(existsSync(path.join(left ?? '', 'daemon.sock'))).toBe(false);
    expect(containersMounting(path.join(left ?? '', 'repo'))).toEqual([]);
  });
});
