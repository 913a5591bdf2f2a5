/**
 * Any image serves (issue 11 item 1): llmr's helper is mounted read-only from llmr's data
 * directory and is the entrypoint, and caps its own life (no `timeout` in the image). Images made
 * here by `docker import`: one with only a static busybox, one with nothing at all; and an image
 * that cannot run the helper gets IMAGE_UNSUITABLE naming it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoctorRequest } from '../../protocol/daemon.js';
import { ExecRequest } from '../../protocol/exec.js';
import { ReadRequest } from '../../protocol/io.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const SOURCE = fileURLToPath(new URL('../../images/helper/llmr-helper.c', import.meta.url));
const BARE = 'llmr-test-bare:masks';
const EMPTY = 'llmr-test-empty:masks';
const TOOLS = ['cat', 'ls', 'true', 'sleep', 'id'];

let work: string;
let repo: string;
const daemons: TestDaemon[] = [];

/** `docker import` a directory as an image (no CMD, no ENTRYPOINT, no llmr label). */
function importDir(dir: string, tag: string): void {
  const tar = path.join(work, `${tag.replace(/\W/g, '-')}.tar`);
  execFileSync('tar', ['-C', dir, '-cf', tar, '.']);
  execFileSync('docker', ['import', tar, tag], { stdio: 'pipe' });
}

/** A data directory holding `helper` as llmr's helper binary. */
function dataHome(name: string, helper: (file: string) => void): string {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'llmr', 'helper'), { recursive: true });
  helper(path.join(dir, 'llmr', 'helper', 'llmr-helper'));
  return dir;
}

async function daemonWith(image: string, data: string): Promise<TestDaemon> {
  const d = await startDaemon({
    XDG_DATA_HOME: data, LLMR_IO_IMAGE: image, LLMR_EXEC_IMAGE: image,
    LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: TOOLS.join(','),
  });
  daemons.push(d);
  return d;
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'llmr-any-image-'));
  const bare = path.join(work, 'bare');
  mkdirSync(path.join(bare, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', path.join(bare, 'bin', 'busybox')); // statically linked on the test machine
  for (const tool of TOOLS) symlinkSync('busybox', path.join(bare, 'bin', tool));
  importDir(bare, BARE);
  const empty = path.join(work, 'empty');
  mkdirSync(empty);
  importDir(empty, EMPTY);
  repo = makeRepo({ 'notes.txt': 'hello from the repo\n', '.env': 'SECRET=hunter2\n' });
}, 60_000);

afterAll(async () => {
  for (const d of daemons) {
    await d.stop();
    expect(containersOf(d.instance)).toEqual([]);
  }
  spawnSync('docker', ['rmi', '-f', BARE, EMPTY], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
});

const compiled = (file: string): void => {
  execFileSync('gcc', ['-static', '-O2', '-o', file, SOURCE], { stdio: 'pipe' });
};

describe('integration/any-image', () => {
  it('serves <open> and <exec> from an image with only a static busybox: no helper, no timeout, no shell', async () => {
    const d = await daemonWith(BARE, dataHome('data-bare', compiled));
    const conn = await d.connect();
    expect((await conn.sendRequest(ReadRequest, { root: repo, path: 'notes.txt' })).content).toBe('hello from the repo\n');
    const r = await conn.sendRequest(ExecRequest, { root: repo, command: 'cat notes.txt .env' });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'hello from the repo\n' }); // .env masked
    expect((await conn.sendRequest(ExecRequest, { root: repo, command: 'id -u' })).stdout).toBe('1000\n');
    // doctor runs the image as the daemon does: with the mounted helper, no llmr label needed
    const { checks } = await conn.sendRequest(DoctorRequest, { root: repo });
    const image = checks.find((c) => c.name === `image ${BARE}`);
    expect(image, JSON.stringify(checks)).toMatchObject({ ok: true, detail: expect.stringContaining("llmr's helper mounted from") });
    expect(checks.find((c) => c.name === `commands in ${BARE}`)?.detail).toContain(`${TOOLS.length} of ${TOOLS.length} whitelisted commands present`);
  }, 90_000);

  it('has doctor say an image without llmr\'s helper cannot serve when no helper is installed to mount', async () => {
    const d = await daemonWith(BARE, path.join(work, 'data-none'));
    const conn = await d.connect();
    const { checks } = await conn.sendRequest(DoctorRequest, { root: repo });
    const image = checks.find((c) => c.name === `image ${BARE}`);
    expect(image, JSON.stringify(checks)).toMatchObject({ ok: false, fix: expect.stringContaining('llmr images build') });
  }, 90_000);

  it('serves <open> from an image that is one empty directory, and says which command is missing', async () => {
    const d = await daemonWith(EMPTY, dataHome('data-empty', compiled));
    const conn = await d.connect();
    expect((await conn.sendRequest(ReadRequest, { root: repo, path: 'notes.txt' })).content).toBe('hello from the repo\n');
    const err = await conn.sendRequest(ExecRequest, { root: repo, command: 'cat notes.txt' }).then(() => undefined, (e: { data?: { code: string } }) => e);
    expect(err?.data?.code).toBe('COMMAND_NOT_FOUND');
  }, 90_000);

  it('refuses an image that cannot run the helper with IMAGE_UNSUITABLE naming the image', async () => {
    const notForThisMachine = (file: string): void => {
      writeFileSync(file, Buffer.from('\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\xb7\0garbage', 'latin1')); // an aarch64-looking header, no program
      chmodSync(file, 0o755);
    };
    const d = await daemonWith(EMPTY, dataHome('data-unsuitable', notForThisMachine));
    const conn = await d.connect();
    const err = await conn.sendRequest(ReadRequest, { root: repo, path: 'notes.txt' }).then(() => undefined, (e: { message: string; data?: { code: string } }) => e);
    expect(err?.data?.code).toBe('IMAGE_UNSUITABLE');
    expect(err?.message).toContain(EMPTY);
    const { checks } = await conn.sendRequest(DoctorRequest, { root: repo });
    expect(checks.find((c) => c.name === `image ${EMPTY}`), JSON.stringify(checks)).toMatchObject({ ok: false });
  }, 90_000);
});
