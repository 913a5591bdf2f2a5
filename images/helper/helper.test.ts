import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeExec,
  HELPER_VERSION,
  decodePong,
  decodeReadAnswer,
  decodeWriteAnswer,
  encodeFrame,
  encodePing,
  encodeRead,
  encodeWrite,
} from '../../daemon/containers/helper-codec.js';
import { HelperProcess, TEST_PATH_ENV, anchorOf, compileHelper, errorCode, identityOf } from '../../test/support/helper-process.js';

const PATH_ENV = TEST_PATH_ENV;

/** True once no process (or only a zombie) has this pid, within the deadline. */
async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let state = '';
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '';
    } catch {
      return true; // no such process
    }
    if (state === 'Z') return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('images/helper', () => {
  let buildDir: string;
  let binary: string;
  let root: string;
  let helper: HelperProcess;

  beforeAll(() => {
    ({ dir: buildDir, binary } = compileHelper('llmr-helper-build-'));
  });
  afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'llmr-helper-root-'));
    helper = new HelperProcess(binary, [root]);
  });
  afterEach(async () => {
    helper.proc.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  // reads and writes carry the identity the daemon's guard would send (identityOf / anchorOf)
  const read = async (p: string, max = 1 << 20) => decodeReadAnswer(await helper.one(encodeRead(p, max, identityOf(root, p))));
  const write = async (p: string, content: Buffer | string, mode?: number) => decodeWriteAnswer(await helper.one(encodeWrite(p, content, anchorOf(root, p), mode)));

  it('answers a ping with pong and its version, and exits 0 at end of input', async () => {
    expect(decodePong(await helper.one(encodePing()))).toEqual({ version: HELPER_VERSION });
    expect(await helper.close()).toBe(0);
  });

  it('reads binary, NUL and UTF-8 content byte for byte', async () => {
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\0héllo wörld €\r\n', 'utf8')]);
    fs.mkdirSync(path.join(root, 'sub dir'));
    fs.writeFileSync(path.join(root, 'sub dir', 'ü.bin'), bytes);
    const got = await read('sub dir/ü.bin');
    expect(got.size).toBe(bytes.length);
    expect(got.content.equals(bytes)).toBe(true);
    expect((await read('./sub dir/ü.bin')).content.equals(bytes)).toBe(true);
    fs.writeFileSync(path.join(root, 'empty'), '');
    expect(await read('empty')).toEqual({ size: 0, content: Buffer.alloc(0) });
  });

  it('refuses a file over maxBytes without reading it', async () => {
    const big = path.join(root, 'big.bin');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 64 * 1024 ** 3); // sparse 64 GiB: reading it would take minutes
    const started = Date.now();
    const answer = await helper.one(encodeRead('big.bin', 1000, identityOf(root, 'big.bin')));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer.type).toBe('E');
    expect(answer.fields[0].toString()).toBe('FILE_TOO_LARGE');
    expect(answer.fields[1].toString()).toContain(String(64 * 1024 ** 3));
    fs.writeFileSync(path.join(root, 'five'), '12345');
    expect(await errorCode(read('five', 4))).toBe('FILE_TOO_LARGE');
    expect((await read('five', 5)).content.toString()).toBe('12345');
  });

  it('reports a directory, a missing file and a FIFO without blocking', async () => {
    fs.mkdirSync(path.join(root, 'd'));
    expect(await errorCode(read('d'))).toBe('IS_DIRECTORY');
    expect(await errorCode(read('missing.txt'))).toBe('FILE_NOT_FOUND');
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    expect(await errorCode(read('pipe'))).toBe('PATH_INVALID');
  });

  it('rejects absolute paths, .. components, empty paths and NUL bytes', async () => {
    fs.writeFileSync(path.join(root, 'ok'), 'x');
    for (const bad of ['/etc/passwd', '../ok', 'a/../ok', '..', '', 'ok\0x']) {
      expect(await errorCode(read(bad)), bad).toBe('PATH_INVALID');
      expect(await errorCode(write(bad, 'x')), bad).toBe('PATH_INVALID');
    }
    expect((await read('ok')).content.toString()).toBe('x');
  });

  it('creates a file with its parents, then updates it keeping its mode', async () => {
    const content = Buffer.from('line1\r\nline2\0bin\xff\n', 'latin1');
    expect(await write('a/b/c/new.txt', content)).toEqual({ action: 'CREATED', bytesWritten: content.length });
    const file = path.join(root, 'a/b/c/new.txt');
    expect(fs.readFileSync(file).equals(content)).toBe(true);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o644);
    expect(fs.statSync(path.join(root, 'a/b')).mode & 0o7777).toBe(0o755);
    fs.chmodSync(file, 0o600);
    const inode = fs.statSync(file).ino;
    expect(await write('a/b/c/new.txt', '')).toEqual({ action: 'UPDATED', bytesWritten: 0 });
    expect(fs.readFileSync(file).length).toBe(0);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o600);
    expect(fs.statSync(file).ino).not.toBe(inode); // replaced by rename, never rewritten in place
    await write('a/b/c/new.txt', '#!/bin/sh\n', 0o755);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o755);
    expect(fs.readdirSync(path.join(root, 'a/b/c'))).toEqual(['new.txt']);
  });

  it('refuses hard links, directories and non-directory parents, leaving no temp files', async () => {
    fs.writeFileSync(path.join(root, 'orig'), 'keep');
    fs.linkSync(path.join(root, 'orig'), path.join(root, 'link'));
    expect(await errorCode(write('link', 'x'))).toBe('PATH_INVALID');
    expect(fs.readFileSync(path.join(root, 'orig'), 'utf8')).toBe('keep');
    fs.mkdirSync(path.join(root, 'dir'));
    expect(await errorCode(write('dir', 'x'))).toBe('IS_DIRECTORY');
    expect(await errorCode(write('orig/child.txt', 'x'))).toBe('PATH_INVALID');
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    expect(await errorCode(write('fifo', 'x'))).toBe('PATH_INVALID');
    fs.symlinkSync('orig', path.join(root, 'sym'));
    expect(await errorCode(write('sym', 'x'))).toBe('PATH_INVALID');
    expect(fs.readdirSync(root).sort()).toEqual(['dir', 'fifo', 'link', 'orig', 'sym']);
  });

  it('gives a merged exec (2>&1) one pipe, so stdout and stderr keep the order they were written in', async () => {
    const script = 'for i in 1 2 3 4 5 6; do echo "out $i"; echo "err $i" >&2; done';
    const merged = await helper.exec({ argv: ['sh', '-c', script], mergeStderr: true });
    const text = Buffer.concat([merged.head.stdout, merged.exit.stdoutTail]).toString();
    expect(text).toBe([1, 2, 3, 4, 5, 6].map((i) => `out ${i}\nerr ${i}\n`).join(''));
    expect(merged.head.stderr.length + merged.exit.stderrTail.length).toBe(0);
    const apart = await helper.exec({ argv: ['sh', '-c', script] });
    expect(apart.head.stderr.toString()).toContain('err 1');
  });

  it('separates stdout and stderr and reports exit codes and signals', async () => {
    const r = await helper.exec({ argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    expect(r.head.stdout.toString()).toBe('out\n');
    expect(r.head.stderr.toString()).toBe('err\n');
    expect(r.exit).toMatchObject({ exitCode: 3, omittedStdout: 0, omittedStderr: 0 });
    expect(r.exit.stdoutTail.length + r.exit.stderrTail.length).toBe(0);
    expect((await helper.exec({ argv: ['sh', '-c', 'kill -9 $$'] })).exit.exitCode).toBe(137);
    expect((await helper.exec({ argv: ['true'] })).exit.exitCode).toBe(0);
  });

  it('feeds stdin, runs in cwd and passes exactly the given environment', async () => {
    const input = Buffer.from('a\0b\r\nü');
    expect((await helper.exec({ argv: ['cat'], stdin: input })).head.stdout.equals(input)).toBe(true);
    fs.mkdirSync(path.join(root, 'sub'));
    const pwd = await helper.exec({ argv: ['pwd'], cwd: 'sub' });
    expect(pwd.head.stdout.toString()).toBe(`${fs.realpathSync(root)}/sub\n`);
    const env = await helper.exec({ argv: ['env'], env: { PATH: PATH_ENV, ONLY: 'this one' } });
    expect(env.head.stdout.toString().split('\n').filter(Boolean).sort()).toEqual(['ONLY=this one', `PATH=${PATH_ENV}`]);
  });

  it('does not block on a child that ignores a large stdin', async () => {
    const r = await helper.exec({ argv: ['true'], stdin: Buffer.alloc(8 << 20, 0x61) });
    expect(r.exit.exitCode).toBe(0);
    expect((await helper.one(encodePing())).type).toBe('K');
  });

  it('streams the head, keeps the tail and counts what was left out of 10 MB of output', async () => {
    const total = 10_000_000;
    const cap = 1 << 20;
    const r = await helper.exec({ argv: ['sh', '-c', `yes 0123456789 | head -c ${total}; echo done >&2`], maxOutputBytes: cap });
    const expected = Buffer.alloc(total, '0123456789\n');
    expect(r.head.stdout.equals(expected.subarray(0, cap / 2))).toBe(true);
    expect(r.exit.stdoutTail.equals(expected.subarray(total - cap / 2))).toBe(true);
    expect(r.exit.omittedStdout).toBe(total - cap);
    expect(r.head.stderr.toString()).toBe('done\n');
    expect(r.exit.omittedStderr).toBe(0);
  });

  it('returns head and tail with nothing omitted when output fits the cap', async () => {
    const r = await helper.exec({ argv: ['sh', '-c', 'printf 0123456789'], maxOutputBytes: 16 });
    expect(r.head.stdout.toString()).toBe('01234567');
    expect(r.exit.stdoutTail.toString()).toBe('89');
    expect(r.exit.omittedStdout).toBe(0);
  });

  it('returns promptly when the command leaves a background process holding its output', async () => {
    const started = Date.now();
    const r = await helper.exec({ argv: ['sh', '-c', 'sleep 100 & echo $!'] });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.exit.exitCode).toBe(0);
    const pid = Number(r.head.stdout.toString());
    expect(pid).toBeGreaterThan(1);
    expect(await gone(pid, 3000)).toBe(true); // killed with the command's process group
  });

  it('kills the command and exits when its stdin closes during an exec (the daemon went away)', async () => {
    const marker = ['sleep', '100.4242'];
    const find = (): number | undefined => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).find((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `${marker.join('\0')}\0`;
      } catch {
        return false; // ended while we looked
      }
    });
    helper.proc.stdin.write(encodeExec({ cwd: '', maxOutputBytes: 1024, stdin: '', env: { PATH: TEST_PATH_ENV }, argv: marker }));
    let pid: number | undefined;
    for (let i = 0; i < 250 && pid === undefined; i += 1) {
      pid = find();
      if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(pid).toBeGreaterThan(1);
    const started = Date.now();
    expect(await helper.close()).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await gone(pid as number, 10_000)).toBe(true); // killed, not left running for 100 s
  });

  it('reports a missing binary as COMMAND_NOT_FOUND and a bad cwd as EXEC_FAILED', async () => {
    expect(await errorCode(helper.exec({ argv: ['no-such-binary-llmr'] }))).toBe('COMMAND_NOT_FOUND');
    expect(await errorCode(helper.exec({ argv: ['true'], cwd: 'no/such/dir' }))).toBe('EXEC_FAILED');
    expect(await errorCode(helper.exec({ argv: ['true'], cwd: '../x' }))).toBe('PATH_INVALID');
    expect((await helper.exec({ argv: ['true'] })).exit.exitCode).toBe(0);
  });

  it('never hands a script without #! to /bin/sh: EXEC_FAILED (exec format error); with #! it runs', async () => {
    fs.writeFileSync(path.join(root, 'plain.sh'), 'echo ran-under-sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(root, 'bang.sh'), '#!/bin/sh\necho ran-with-bang\n', { mode: 0o755 });
    expect(await errorCode(helper.exec({ argv: ['./plain.sh'] }))).toBe('EXEC_FAILED');
    expect(await helper.exec({ argv: ['./plain.sh'] }).catch((err: Error) => err.message)).toMatch(/format/i);
    expect((await helper.exec({ argv: ['./bang.sh'] })).head.stdout.toString()).toBe('ran-with-bang\n');
  });

  it('refuses a command with MASK_BROKEN once a masked path is no longer its mask (renamed over, deleted)', async () => {
    // stands in for the container: mask sources are plain files here, their identities as the daemon passes them
    fs.writeFileSync(path.join(root, 'mask'), '');
    fs.mkdirSync(path.join(root, 'maskdir'));
    fs.linkSync(path.join(root, 'mask'), path.join(root, '.env')); // ".env" is the mask itself, as a bind mount would make it
    const idOf = (rel: string): string => { const st = fs.statSync(path.join(root, rel), { bigint: true }); return `${st.dev}:${st.ino}`; };
    helper.proc.kill('SIGKILL');
    helper = new HelperProcess(binary, [root, '--masks', idOf('mask'), idOf('maskdir'), 'f:.env', 'd:maskdir']);
    expect((await helper.exec({ argv: ['true'] })).exit.exitCode).toBe(0);
    fs.writeFileSync(path.join(root, '.env.tmp'), 'SECRET=new\n');
    fs.renameSync(path.join(root, '.env.tmp'), path.join(root, '.env'));
    expect(await errorCode(helper.exec({ argv: ['cat', '.env'] }))).toBe('MASK_BROKEN');
    fs.rmSync(path.join(root, '.env'));
    expect(await errorCode(helper.exec({ argv: ['true'] }))).toBe('MASK_BROKEN');
    fs.linkSync(path.join(root, 'mask'), path.join(root, '.env'));
    expect((await helper.exec({ argv: ['true'] })).exit.exitCode).toBe(0);
  });

  it('ends itself after --lifetime seconds (no timeout binary needed in the image)', async () => {
    helper.proc.kill('SIGKILL');
    helper = new HelperProcess(binary, [root, '--lifetime', '1']);
    expect((await helper.exec({ argv: ['true'] })).exit.exitCode).toBe(0);
    const started = Date.now();
    const [, signal] = await once(helper.proc, 'exit') as [number | null, string | null];
    expect(signal).toBe('SIGALRM');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('refuses clean (kill(-1), emptying /tmp) outside a reusable container, even when started --reusable', async () => {
    const marker = path.join(os.tmpdir(), `llmr-clean-guard-${process.pid}`);
    fs.writeFileSync(marker, 'still here');
    try {
      const code = async (): Promise<string> => { const f = await helper.one(encodeFrame('C', [])); return `${f.type} ${f.fields[0]?.toString()}`; };
      expect(await code()).toBe('E UNCLEAN'); // not --reusable
      helper.proc.kill('SIGKILL');
      helper = new HelperProcess(binary, [root, '--reusable']); // its parent is this test, not a container's init
      expect(await code()).toBe('E UNCLEAN');
      expect(fs.readFileSync(marker, 'utf8')).toBe('still here');
    } finally {
      fs.rmSync(marker, { force: true });
    }
  });

  it('refuses malformed --masks arguments at start', () => {
    for (const args of [['--lifetime', '0'], ['--lifetime', 'x'], ['--lifetime'], ['--lifetime', '5', '--masks'], ['--masks', '1:2'], ['--masks', 'x', '1:2'], ['--masks', '1:2', '3:4', 'f:../x'], ['--masks', '1:2', '3:4', 'q:a'], ['--other']]) {
      const r = spawnSync(binary, [root, ...args], { input: '' });
      expect(r.status).toBe(2);
    }
  });

  it('answers malformed requests with BAD_REQUEST and keeps serving', async () => {
    const unknown = await helper.one(encodeFrame('Z', []));
    expect(unknown.fields.map(String)).toEqual(['BAD_REQUEST', 'unknown request type 0x5a']);
    expect((await helper.one(encodeFrame('R', ['only-path']))).fields[0].toString()).toBe('BAD_REQUEST');
    expect((await helper.one(encodeFrame('R', ['x', '12a']))).fields[0].toString()).toBe('BAD_REQUEST');
    expect((await helper.one(encodeFrame('X', ['', '10', '', '2', 'A=1']))).fields[0].toString()).toBe('BAD_REQUEST');
    expect((await helper.one(Buffer.from([0, 0, 0, 6, 0x52, 0, 0, 0, 9, 0x61]))).fields[0].toString()).toBe('BAD_REQUEST');
    expect((await helper.one(encodePing())).type).toBe('K');
  });

  it('refuses a frame over 64 MiB and exits 2', async () => {
    const header = Buffer.alloc(5);
    header.writeUInt32BE(64 * 1024 * 1024 + 1, 0);
    const exited = once(helper.proc, 'exit'); // before sending: the helper may exit right after answering
    const answer = await helper.one(header);
    expect(answer.fields[0].toString()).toBe('BAD_REQUEST');
    const [code] = await exited;
    expect(code).toBe(2);
  });
});
