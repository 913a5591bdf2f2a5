/**
 * A running read-write command races the path guard: it swaps the tree between the guard's check on
 * the host and the helper's open in the io container. The helper opens only the identity the guard
 * approved, never through a symlink, so concurrent io/read and io/write either act on the real file
 * or fail with PATH_CHANGED (or the guard's own refusal) — the excluded file is never read or changed.
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { ReadRequest, WriteRequest } from '../../protocol/io.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

const SWAP_SECONDS = 8;
const SCRIPT = 'python3 -c "import sys; exec(sys.stdin.read())"';
/** What a request racing the swap may fail with: the helper's refusal, or the guard's own verdict on what it saw. */
const ALLOWED_FAILURES = new Set(['PATH_CHANGED', 'PATH_EXCLUDED', 'PATH_INVALID', 'FILE_NOT_FOUND', 'IS_DIRECTORY']);

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

beforeAll(async () => {
  repo = makeRepo({ '.env': 'SECRET=hunter2\n', 'notes.txt': 'harmless\n', 'secrets.json': '{"token":"real"}\n', 'sub/keep.txt': 'k\n' });
  d = await startDaemon({
    LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: 'python3 -c', LLMR_COMMANDS__EXEC__REPOSITORY: 'read-write',
    LLMR_POOL_SIZE: '3', LLMR_REPOSITORY__EXCLUDED_PATHS: '.git,.env*,/secrets.json',
  });
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

/** Start `code` as a read-write command; resolves when it ends (whatever its verdict). */
function swapping(code: string): { done: Promise<unknown>; finished: () => boolean } {
  let over = false;
  const done = conn.sendRequest(ExecRequest, { root: repo, command: SCRIPT, stdin: code, timeoutMs: 25_000 })
    .then((r: ExecResult) => r, (e: unknown) => e)
    .finally(() => { over = true; });
  return { done, finished: () => over };
}

/** Resolves once `seen` is true of the tree (the command's loop is running), or after 10 s. */
async function until(seen: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !seen(); i += 1) await new Promise((r) => setTimeout(r, 50));
}

const isLink = (rel: string): boolean => lstatSync(path.join(repo, rel), { throwIfNoEntry: false })?.isSymbolicLink() === true;

describe('integration/sec-race', () => {
  it('never returns an excluded file to an io/read racing a command that swaps the file for a symlink to it', async () => {
    const direct = await rpcFailure(conn.sendRequest(ReadRequest, { root: repo, path: '.env' }));
    expect(direct.code).toBe('PATH_EXCLUDED');
    const swap = swapping([
      'import os, time', `end = time.time() + ${SWAP_SECONDS}`, 'while time.time() < end:',
      '    try: os.symlink(".env", "l.tmp")', '    except FileExistsError: pass', '    os.rename("l.tmp", "notes.txt")',
      '    open("r.tmp", "w").write("harmless\\n")', '    os.rename("r.tmp", "notes.txt")', '',
    ].join('\n'));
    await until(() => isLink('notes.txt'));
    const seen: Record<string, number> = {};
    while (!swap.finished()) {
      let content: string | undefined;
      const r = await rpcFailure(conn.sendRequest(ReadRequest, { root: repo, path: 'notes.txt' }).then((res) => { content = String(res.content); }));
      seen[r.code] = (seen[r.code] ?? 0) + 1;
      if (r.code === 'OK') expect(content).toBe('harmless\n'); // never SECRET=hunter2
      else expect(ALLOWED_FAILURES.has(r.code), `${r.code}: ${r.message}`).toBe(true);
    }
    await swap.done;
    console.log('io/read racing the swap:', seen);
    // how many reads win the race depends on the machine's timing; once the swap is over one must
    expect(String((await conn.sendRequest(ReadRequest, { root: repo, path: 'notes.txt' })).content)).toBe('harmless\n');
  }, 30_000);

  it('never overwrites an excluded file through an io/write racing a command that exchanges a folder with a symlink to the root', async () => {
    const direct = await rpcFailure(conn.sendRequest(WriteRequest, { root: repo, path: 'secrets.json', content: 'x' }));
    expect(direct.code).toBe('PATH_EXCLUDED');
    // renameat2(AT_FDCWD, "sub", AT_FDCWD, "lnk", RENAME_EXCHANGE) in a loop: `sub` is the folder, then `lnk -> .`
    const swap = swapping([
      'import ctypes, os, time', 'libc = ctypes.CDLL(None, use_errno=True)', 'os.symlink(".", "lnk")',
      `end = time.time() + ${SWAP_SECONDS}`, 'while time.time() < end:', '    libc.syscall(316, -100, b"sub", -100, b"lnk", 2)', '',
    ].join('\n'));
    await until(() => isLink('sub'));
    const seen: Record<string, number> = {};
    while (!swap.finished()) {
      const r = await rpcFailure(conn.sendRequest(WriteRequest, { root: repo, path: 'sub/secrets.json', content: '{"token":"ATTACKER"}\n' }));
      seen[r.code] = (seen[r.code] ?? 0) + 1;
      if (r.code !== 'OK') expect(ALLOWED_FAILURES.has(r.code), `${r.code}: ${r.message}`).toBe(true);
      expect(readFileSync(path.join(repo, 'secrets.json'), 'utf8')).toBe('{"token":"real"}\n');
    }
    await swap.done;
    console.log('io/write racing the swap:', seen);
    expect(readFileSync(path.join(repo, 'secrets.json'), 'utf8')).toBe('{"token":"real"}\n');
    // how many writes win the race depends on the machine's timing; once the swap is over one must,
    // into the real folder (whichever name the swap left it under)
    const real = isLink('sub') ? 'lnk' : 'sub';
    await conn.sendRequest(WriteRequest, { root: repo, path: `${real}/after.json`, content: '{"after":true}\n' });
    expect(readFileSync(path.join(repo, real, 'after.json'), 'utf8')).toBe('{"after":true}\n');
    expect(readFileSync(path.join(repo, 'secrets.json'), 'utf8')).toBe('{"token":"real"}\n');
  }, 30_000);

  it('answers concurrent reads and writes of one file with no error (a replaced file is not a race)', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => d.connect()));
    const failures: string[] = [];
    await Promise.all(clients.map(async (c, ci) => {
      for (let i = 0; i < 15; i += 1) {
        const op = (i + ci) % 2 === 0
          ? c.sendRequest(WriteRequest, { root: repo, path: 'shared/busy.txt', content: `client ${ci} round ${i}\n` })
          : c.sendRequest(ReadRequest, { root: repo, path: 'shared/busy.txt' });
        await op.catch((err: unknown) => { failures.push((err as { data?: { code?: string } }).data?.code ?? String(err)); });
      }
    }));
    for (const c of clients) c.dispose();
    // before the first write lands the file does not exist yet: only that may fail
    expect(failures.filter((f) => f !== 'FILE_NOT_FOUND')).toEqual([]);
    expect(readFileSync(path.join(repo, 'shared', 'busy.txt'), 'utf8')).toMatch(/^client \d+ round \d+\n$/);
  });
});
