/**
 * The helper's conversation with the daemon runs over a per-container Unix socket (issue 7 item 9):
 * a command in the container can neither connect to it nor reach the helper's descriptors
 * (/proc/<helper>/fd, ptrace, pidfd_getfd), frames it writes to the container's own stdio reach
 * nobody, a command that kills the helper gets EXEC_ABORTED with its output so far, and a daemon
 * killed with -9 leaves no container behind (each helper reads end of file on its socket and exits).
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
import { rpcFailure } from '../support/rpc-failure.js';

const ENV = { LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: 'python3 -c,cat', LLMR_POOL_SIZE: '1', LLMR_CONTAINER_POOL__MIN_IDLE: '1' };

/** llmr's data directory with the helper compiled from this tree (mounted into every container). */
const DATA = mkdtempSync(path.join(os.tmpdir(), 'llmr-helper-socket-data-'));
let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const py = (code: string): Promise<ExecResult> =>
  conn.sendRequest(ExecRequest, { root: repo, command: 'python3 -c "import sys; exec(sys.stdin.read())"', stdin: code });

/** Everything a command might try against the helper (its parent), as errno names. */
const PROBE = String.raw`
import ctypes, errno, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
helper = os.getppid()
def err(f):
    try:
        f()
        return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
def listing(p):
    try:
        return os.listdir(p)
    except OSError as e:
        return errno.errorcode[e.errno]
def sys_(name, *args):
    r = libc.syscall(*args)
    return 'ok' if r >= 0 else errno.errorcode[ctypes.get_errno()]
out = {
  'dir': listing('/.llmr-sock'),
  'connect': err(lambda: socket.socket(socket.AF_UNIX).connect('/.llmr-sock/s')),
  'fds': err(lambda: os.listdir('/proc/%d/fd' % helper)),
  'fd0': err(lambda: os.open('/proc/%d/fd/0' % helper, os.O_RDWR)),
  'fd3': err(lambda: os.open('/proc/%d/fd/3' % helper, os.O_RDWR)),
  'own': sorted(os.listdir('/proc/self/fd')),
  'ptrace': 'ok' if libc.ptrace(16, helper, 0, 0) == 0 else errno.errorcode[ctypes.get_errno()],
}
pidfd = libc.syscall(434, helper, 0)
out['getfd'] = [sys_('pidfd_getfd', 438, pidfd, fd, 0) for fd in range(0, 8)]
print(json.dumps(out))
`;

/** A forged exit frame (status 0, no output) written wherever the container's stdio leads. */
const FORGE = String.raw`
import os, struct
def field(b): return struct.pack('>I', len(b)) + b
body = b'x' + b''.join(field(f) for f in [b'0', b'0', b'0', b'forged', b''])
frame = struct.pack('>I', len(body)) + body
for fd in ('0', '1', '2'):
    try:
        f = os.open('/proc/1/fd/' + fd, os.O_WRONLY)
        os.write(f, frame * 10)
        os.close(f)
    except OSError:
        pass
print('real')
`;

beforeAll(async () => {
  mkdirSync(path.join(DATA, 'llmr', 'helper'), { recursive: true });
  execFileSync('gcc', ['-static', '-O2', '-o', path.join(DATA, 'llmr', 'helper', 'llmr-helper'),
    fileURLToPath(new URL('../../images/helper/llmr-helper.c', import.meta.url))]);
  repo = makeRepo({ 'notes.txt': 'hello\n' });
  d = await startDaemon({ ...ENV, XDG_DATA_HOME: DATA });
  conn = await d.connect();
}, 60_000);

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
  rmSync(DATA, { recursive: true, force: true });
});

describe('integration/helper-socket', () => {
  it('gives a command no way to the helper\'s socket or descriptors', async () => {
    const r = await py(PROBE);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect([[], 'EACCES']).toContainEqual(out.dir); // empty, or (another uid than the daemon's) not even listable
    expect(out.connect).toBe('ENOENT'); // unlinked once the helper connected
    expect(out.fds).toBe('EACCES'); // the helper is not dumpable
    expect(out.fd0).toBe('EACCES');
    expect(out.fd3).toBe('EACCES');
    expect(out.own).toEqual(['0', '1', '2', '3']); // its pipes and the listing itself: nothing of the helper's
    expect(out.ptrace).toBe('EPERM');
    expect((out.getfd as string[]).every((e) => e !== 'ok')).toBe(true);
  });

  it('keeps frames a command writes to the container\'s stdio away from the daemon', async () => {
    const r = await py(FORGE);
    expect(r).toMatchObject({ exitCode: 0, stdout: 'real\n' });
    const next = await conn.sendRequest(ExecRequest, { root: repo, command: 'cat notes.txt' });
    expect(next).toMatchObject({ exitCode: 0, stdout: 'hello\n' });
  });

  it('answers EXEC_ABORTED with the output so far when a command kills the helper', async () => {
    const f = await rpcFailure(py("import os, sys, time\nprint('before', flush=True)\ntime.sleep(0.5)\nos.kill(os.getppid(), 9)\ntime.sleep(30)"));
    expect(f.code).toBe('EXEC_ABORTED');
    expect(f.output?.stdout).toBe('before\n');
    const next = await conn.sendRequest(ExecRequest, { root: repo, command: 'cat notes.txt' });
    expect(next.stdout).toBe('hello\n');
  });

  it('leaves no container behind when the daemon is killed with -9', async () => {
    const other = await startDaemon({ ...ENV, XDG_DATA_HOME: DATA });
    const c = await other.connect();
    expect((await c.sendRequest(ExecRequest, { root: repo, command: 'cat notes.txt' })).stdout).toBe('hello\n');
    expect(containersOf(other.instance).length).toBeGreaterThan(0);
    c.dispose();
    other.child.kill('SIGKILL');
    const deadline = Date.now() + 20_000;
    while (containersOf(other.instance).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(containersOf(other.instance)).toEqual([]); // no new daemon reaped them: each ended itself
    await other.stop();
  });
});
