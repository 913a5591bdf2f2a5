import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../protocol/errors.js';
import { chooseSource, imageTag } from './build.js';
import { compileHelper, defaultMirror, DEFAULT_MIRROR, execInstallArgs, execSources, findAsset, isStaticElf, makeIoRootfs } from './rootfs.js';
import { EXEC_BACKPORTS_PACKAGES, EXEC_PACKAGES } from './version.js';
import { INSTALL_HINT, runPipeline, runTool } from './run-tool.js';

async function failure(p: Promise<unknown>): Promise<LlmrError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(LlmrError);
    return err as LlmrError;
  }
  throw new Error('expected an error');
}

describe('images/build', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmr-build-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the mirror from the first URIs line of a deb822 sources file', async () => {
    const file = path.join(dir, 'debian.sources');
    fs.writeFileSync(file, 'Types: deb\n# comment\nURIs: http://mirror.example/debian\nSuites: bookworm\n\nURIs: http://security.example/debian-security\n');
    expect(await defaultMirror(file)).toBe('http://mirror.example/debian');
    fs.writeFileSync(file, 'Types: deb\n');
    expect(await defaultMirror(file)).toBe(DEFAULT_MIRROR);
    expect(await defaultMirror(path.join(dir, 'missing'))).toBe(DEFAULT_MIRROR);
  });

  it('compiles a static helper and tells static from dynamic binaries', async () => {
    const helper = await compileHelper(dir, {});
    expect(await isStaticElf(helper)).toBe(true);
    expect(await isStaticElf(process.execPath)).toBe(false);
    const text = path.join(dir, 'text');
    fs.writeFileSync(text, 'not an elf file at all, just text that is long enough for a header read');
    expect(await isStaticElf(text)).toBe(false);
  });

  it('assembles an io root filesystem with busybox applets, the helper and /workspace', async () => {
    const helper = await compileHelper(dir, {});
    const rootfs = path.join(dir, 'rootfs');
    const lines: string[] = [];
    await makeIoRootfs(rootfs, helper, { onLine: (l) => lines.push(l) });
    expect(fs.readlinkSync(path.join(rootfs, 'bin/sh'))).toBe('busybox');
    expect(fs.readlinkSync(path.join(rootfs, 'bin/timeout'))).toBe('busybox');
    expect(fs.statSync(path.join(rootfs, 'usr/local/bin/llmr-helper')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(rootfs, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(fs.statSync(path.join(rootfs, 'workspace')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
    expect(lines.some((l) => l.includes('/bin/busybox'))).toBe(true);
  });

  it('finds the Dockerfiles and the helper source beside the module', async () => {
    expect(fs.readFileSync(await findAsset('io.Dockerfile'), 'utf8')).toContain('llmr.image.version');
    expect(fs.readFileSync(await findAsset('exec.Dockerfile'), 'utf8')).toContain('golang-go');
    expect(await findAsset('helper/llmr-helper.c')).toMatch(/llmr-helper\.c$/);
    expect((await failure(findAsset('nope.Dockerfile'))).code).toBe('IMAGE_MISSING');
  });

  it('installs the exec packages from the suite and Go from bookworm-backports', () => {
    expect(execSources('http://m.example/debian')).toBe(
      'deb http://m.example/debian bookworm main\ndeb http://m.example/debian bookworm-updates main\ndeb http://m.example/debian bookworm-backports main\n');
    const args = execInstallArgs();
    expect(args.slice(0, 5)).toEqual(['apt-get', 'install', '-y', '-q', '--no-install-recommends']);
    expect(args).toContain('golang-go/bookworm-backports');
    expect(args).toContain('golang-src/bookworm-backports');
    for (const p of ['nodejs', 'npm', 'python3-pip', 'python3-venv', 'python3-pytest', 'gcc', 'git', 'make', 'patch', 'diffutils']) expect(args).toContain(p);
    expect(args).not.toContain('golang-go');
  });

  it('keeps the exec Dockerfile package list equal to the Debian build list', async () => {
    const text = fs.readFileSync(await findAsset('exec.Dockerfile'), 'utf8');
    for (const p of EXEC_PACKAGES) expect(text).toMatch(new RegExp(`[ ]${p.replace(/[.+]/g, '\\$&')}[ \\n]`));
    for (const p of EXEC_BACKPORTS_PACKAGES) expect(text).toContain(`${p}/bookworm-backports`);
  });

  it('tags images with a chosen name and refuses names docker would read as options', () => {
    expect(imageTag('exec')).toBe('llmr-exec:latest');
    expect(imageTag('exec', { exec: 'llmr-exec:dev' })).toBe('llmr-exec:dev');
    expect(imageTag('io', { exec: 'llmr-exec:dev' })).toBe('llmr-io:latest');
    expect(imageTag('exec', { exec: 'registry.local/team/llmr-exec:v4.1' })).toBe('registry.local/team/llmr-exec:v4.1');
    for (const bad of ['-q', '--output=/etc/x', 'Upper:case', 'a b', 'x:', '']) {
      expect(() => imageTag('exec', { exec: bad })).toThrow(LlmrError);
    }
  });

  it('picks the Debian source when busybox and debootstrap are installed', async () => {
    const have = fs.existsSync('/bin/busybox') && fs.existsSync('/usr/sbin/debootstrap');
    expect(await chooseSource(['io', 'exec'])).toBe(have ? 'debian' : 'dockerfile');
  });

  it('reports tool output as lines and failures with the last lines as details', async () => {
    const lines: string[] = [];
    const out = await runTool('sh', ['-c', 'printf "one\\r\\ntwo\\rthree\\n" >&2; printf captured'], { onLine: (l) => lines.push(l), captureStdout: true });
    expect(out).toBe('captured');
    expect(lines).toEqual(['one', 'two', 'three']);
    const err = await failure(runTool('sh', ['-c', 'echo broken >&2; exit 4']));
    expect(err.code).toBe('IMAGE_MISSING');
    expect(err.message).toBe('sh failed with status 4');
    expect(err.details).toBe('broken');
  });

  it('names what to install when a tool is missing and reports cancellation', async () => {
    const missing = await failure(runTool('llmr-no-such-tool', []));
    expect(missing.code).toBe('IMAGE_MISSING');
    expect(missing.message).toContain(INSTALL_HINT);
    const started = Date.now();
    const cancelled = await failure(runTool('sleep', ['30'], { signal: AbortSignal.timeout(100) }));
    expect(cancelled.code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('pipes one tool into another and stops the producer when the consumer fails', async () => {
    const out = path.join(dir, 'out');
    await runPipeline(['printf', ['a\\0b']], ['sh', ['-c', `cat > "$0"`, out]]);
    expect(fs.readFileSync(out)).toEqual(Buffer.from('a\0b'));
    const started = Date.now();
    const err = await failure(runPipeline(['yes', []], ['sh', ['-c', 'exit 3']]));
    expect(err.message).toBe('sh failed with status 3');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
