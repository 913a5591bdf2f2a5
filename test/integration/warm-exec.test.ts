/**
 * Warm exec containers that serve several commands (issue 11 item 9): nothing of one command
 * survives into the next (double-forked, setsid'ed processes, /tmp and /dev/shm), a command that
 * kills every process it can (kill(-1, SIGKILL), the helper included) gets its output so far and
 * EXEC_ABORTED, and single-use stays available (commands.exec.reuse_containers: false).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const WHITELIST = ['cat', 'python3 -c', 'true'];
const ENV = { LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: WHITELIST.join(','), LLMR_POOL_SIZE: '1', LLMR_CONTAINER_POOL__MIN_IDLE: '1' };

let warm: TestDaemon;
let single: TestDaemon;
let conn: MessageConnection;
let singleConn: MessageConnection;
let repo: string;

/** Run Python `code` (sent as stdin: no quoting of it in the command line). */
const py = (c: MessageConnection, code: string): Promise<ExecResult> =>
  c.sendRequest(ExecRequest, { root: repo, command: 'python3 -c "import sys; exec(sys.stdin.read())"', stdin: code });
const host = async (c: MessageConnection): Promise<string> => (await c.sendRequest(ExecRequest, { root: repo, command: 'cat /etc/hostname' })).stdout;

/** Leave a grandchild in a new session that outlives the command, and print its pid. */
const LEAVE_BEHIND = [
  'import os, sys, time',
  'r, w = os.pipe()',
  'if os.fork() == 0:',
  '    os.setsid()',
  '    if os.fork() == 0:',
  '        os.write(w, str(os.getpid()).encode()); time.sleep(300)',
  '    os._exit(0)',
  'print(os.read(r, 20).decode())',
  "open('/tmp/left.txt', 'w').write('x'); os.makedirs('/tmp/locked/in'); open('/tmp/locked/in/f', 'w').write('y'); os.chmod('/tmp/locked', 0)",
  "open('/dev/shm/seg', 'w').write('z')",
].join('\n');

const LIST = "import os; print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit())); print(os.listdir('/tmp'), os.listdir('/dev/shm'))";

/** llmr's data directory with the helper compiled from this tree (mounted into the exec image's containers). */
const DATA = mkdtempSync(path.join(os.tmpdir(), 'llmr-warm-exec-data-'));

beforeAll(async () => {
  mkdirSync(path.join(DATA, 'llmr', 'helper'), { recursive: true });
  execFileSync('gcc', ['-static', '-O2', '-o', path.join(DATA, 'llmr', 'helper', 'llmr-helper'),
    fileURLToPath(new URL('../../images/helper/llmr-helper.c', import.meta.url))]);
  repo = makeRepo({ 'notes.txt': 'hello\n' });
  warm = await startDaemon({ ...ENV, XDG_DATA_HOME: DATA });
  single = await startDaemon({ ...ENV, XDG_DATA_HOME: DATA, LLMR_COMMANDS__EXEC__REUSE_CONTAINERS: 'false' });
  conn = await warm.connect();
  singleConn = await single.connect();
}, 60_000);

afterAll(async () => {
  for (const d of [warm, single]) {
    await d?.stop();
    expect(containersOf(d.instance)).toEqual([]);
  }
  rmSync(DATA, { recursive: true, force: true });
});

describe('integration/warm-exec', () => {
  it('runs the next command in the same container with nothing of the last one left', async () => {
    const first = await host(conn);
    const left = await py(conn, LEAVE_BEHIND);
    expect(left.exitCode).toBe(0);
    const pid = Number(left.stdout.trim());
    expect(pid).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 200)); // the clean runs after the answer
    const after = await py(conn, LIST);
    expect(await host(conn)).toBe(first); // reused
    const [pids, scratch] = after.stdout.trim().split('\n');
    expect(JSON.parse(pids)).not.toContain(pid);
    expect(JSON.parse(pids).length).toBeLessThanOrEqual(3); // init, the helper, this python
    expect(scratch).toBe('[] []');
  });

  it('answers a command that kills every process it can with its output so far and EXEC_ABORTED', async () => {
    const err = await py(conn, "import os, sys, time; print('partial'); sys.stdout.flush(); time.sleep(0.3); os.kill(-1, 9)")
      .then(() => undefined, (e: { message: string; data?: { code: string; output?: { stdout: string } } }) => e);
    expect(err?.data?.code).toBe('EXEC_ABORTED');
    expect(err?.data?.output?.stdout).toBe('partial\n');
    expect((await py(conn, "print('still serving')")).stdout).toBe('still serving\n');
  });

  it('keeps one container per command when commands.exec.reuse_containers is false', async () => {
    const a = await host(singleConn);
    const b = await host(singleConn);
    expect(a).not.toBe(b);
  });
});
