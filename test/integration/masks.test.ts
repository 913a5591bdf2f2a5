/**
 * Exec masks against a host that changes excluded files under warm exec containers (issue 10
 * items 1 and 2): replace by rename (an editor's save, `mv .env.tmp .env`), delete and recreate,
 * a new excluded file just before the command, a hard link to an excluded file. Real daemon,
 * real warm pool, real Docker.
 */
import { linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { REPO_UID, containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const WHITELIST = ['cat', 'grep', 'true', 'sleep'];
/** A runtime directory of its own (a tmpfs, like /run/user/UID): the mask sources go there. */
const RUNTIME = mkdtempSync('/dev/shm/llmr-masks-test-');
const ENV = {
  XDG_RUNTIME_DIR: RUNTIME,
  LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: WHITELIST.join(','),
  LLMR_POOL_SIZE: '2', LLMR_CONTAINER_POOL__MIN_IDLE: '2',
};

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const run = (command: string): Promise<ExecResult> => conn.sendRequest(ExecRequest, { root: repo, command });

/** Write `content` the way editors save: a temp file renamed over the name. */
function saveByRename(rel: string, content: string): void {
  const tmp = path.join(repo, `${rel}.tmp-save`);
  writeFileSync(tmp, content);
  renameSync(tmp, path.join(repo, rel));
}

/** Wait until this daemon has `n` exec containers running (the warm pool refilled). */
async function warm(n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const r = spawnSync('docker', ['ps', '-q', '--filter', `label=llmr.daemon=${d.instance}`, '--filter', 'label=llmr.kind=exec'], { encoding: 'utf8' });
    if (r.stdout.trim().split('\n').filter(Boolean).length >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the exec pool did not refill to ${n} containers`);
}

beforeAll(async () => {
  repo = makeRepo({ '.env': 'SECRET=old-hunter2\n', 'src/app.ts': 'export {};\n', 'config/.env.production': 'PROD=old\n' });
  d = await startDaemon(ENV);
  conn = await d.connect();
  expect((await run('cat .env')).stdout).toBe('');
}, 60_000);

afterAll(async () => {
  await d?.stop();
  rmSync(RUNTIME, { recursive: true, force: true });
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/masks', () => {
  it('keeps .env hidden after the host replaces it by rename under warm containers', async () => {
    await warm(2);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // older than the walk's coarse-clock margin
    saveByRename('.env', 'SECRET=new-renamed\n');
    saveByRename('config/.env.production', 'PROD=new-renamed\n');
    const r = await run('cat .env config/.env.production');
    expect(r.stdout).toBe('');
    expect((await run('grep -r new-renamed .')).stdout).toBe('');
  });

  it('keeps .env hidden after the host deletes and recreates it', async () => {
    await warm(2);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    rmSync(path.join(repo, '.env'));
    writeFileSync(path.join(repo, '.env'), 'SECRET=recreated\n');
    expect((await run('cat .env')).stdout).toBe('');
  });

  it('hides an excluded file created right before the command, with no pause', async () => {
    await warm(2);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await run('true'); // a walk just now: the file below comes after it
    mkdirSync(path.join(repo, 'src', 'deep'), { recursive: true });
    writeFileSync(path.join(repo, 'src', 'deep', '.env.local'), 'SECRET=brand-new\n');
    expect((await run('cat src/deep/.env.local')).stdout).toBe('');
    expect((await run('grep -r brand-new .')).stdout).toBe('');
  });

  it('masks a hard link to an excluded file under a name no pattern matches', async () => {
    writeFileSync(path.join(repo, '.env'), 'SECRET=linked-hunter2\n');
    linkSync(path.join(repo, '.env'), path.join(repo, 'src', 'notes.txt'));
    spawnSync('chown', ['-h', `${REPO_UID}:${REPO_UID}`, path.join(repo, 'src', 'notes.txt')]);
    const r = await run('cat src/notes.txt');
    expect(r.stdout).toBe('');
    expect((await run('grep -r linked-hunter2 .')).stdout).toBe('');
    rmSync(path.join(repo, 'src', 'notes.txt'));
  });

  it('keeps serving commands when an excluded name is a symlink to the helper\'s socket, and shows nothing of .env through a link', async () => {
    writeFileSync(path.join(repo, '.env'), 'SECRET=through-a-link\n');
    symlinkSync('/.llmr-sock/s', path.join(repo, '.env.sock')); // a mask on it would cover the socket
    symlinkSync('.env', path.join(repo, 'src', 'link.key'));
    for (const l of ['.env.sock', 'src/link.key']) spawnSync('chown', ['-h', `${REPO_UID}:${REPO_UID}`, path.join(repo, l)]);
    for (let i = 0; i < 3; i += 1) expect((await run('true')).exitCode).toBe(0); // fresh containers get the new set
    expect((await run('cat src/link.key')).stdout).toBe('');
    expect((await run('grep -r through-a-link .')).stdout).toBe('');
    rmSync(path.join(repo, '.env.sock'));
    rmSync(path.join(repo, 'src', 'link.key'));
  });

  it('still serves commands while the host keeps saving .env', async () => {
    for (let i = 0; i < 5; i += 1) {
      saveByRename('.env', `SECRET=loop-${i}\n`);
      const r = await run('cat .env');
      expect(r.stdout).toBe('');
      expect(r.exitCode).toBe(0);
    }
  });

  it('shows no host home or state path in /proc/self/mountinfo but the tool cache (the excluded names as mount points remain)', async () => {
    const info = (await run('cat /proc/self/mountinfo')).stdout;
    expect(info).toContain(` ${RUNTIME.slice('/dev/shm'.length)}/llmr-masks/f /workspace/.env `); // the path inside the tmpfs
    // the tool cache (/cache) is the one mount from the user's cache directory; nothing else names the home
    const fromHome = info.split('\n').filter((l) => l.includes(d.home));
    expect(fromHome.every((l) => l.includes(' /cache ')), fromHome.join('\n')).toBe(true);
  });
});
