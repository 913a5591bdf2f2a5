import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodePong, decodeReadAnswer, decodeWriteAnswer, encodePing, encodeRead, encodeWrite, HELPER_VERSION } from '../../daemon/containers/helper-codec.js';
import { imageStatus } from '../../images/build.js';
import { EXEC_IMAGE as LLMR_EXEC_IMAGE, IMAGE_VERSION, IO_IMAGE as LLMR_IO_IMAGE } from '../../images/version.js';
import { HelperProcess, anchorOf, errorCode, identityOf } from '../support/helper-process.js';

/** llmr's images, or the ones LLMR_TEST_IO_IMAGE / LLMR_TEST_EXEC_IMAGE name (as the daemon harness runs them). */
const IO_IMAGE = process.env.LLMR_TEST_IO_IMAGE ?? LLMR_IO_IMAGE;
const EXEC_IMAGE = process.env.LLMR_TEST_EXEC_IMAGE ?? LLMR_EXEC_IMAGE;

const REPO = path.resolve(import.meta.dirname, '../..');
const RUN_ID = randomBytes(4).toString('hex');
const started: string[] = [];
const helpers: HelperProcess[] = [];

/** `docker run -i` of an image with llmr's hardening, its helper spoken to over stdin/stdout. */
function hardened(image: string, kind: string, mount: string): HelperProcess {
  const name = `llmr-test-images-${RUN_ID}-${started.length}`;
  started.push(name);
  const args = ['run', '--rm', '-i', '--init', '--name', name, '--label', 'llmr.test=1', '--label', `llmr.kind=${kind}`];
  args.push('--network', 'none', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges');
  args.push('--user', '1000:1000', '--pids-limit', '64', '--memory', '512m', '--memory-swap', '512m');
  args.push('--tmpfs', '/tmp:size=64m', '-e', 'HOME=/tmp', '-v', mount, image);
  const helper = new HelperProcess('docker', args);
  helpers.push(helper);
  return helper;
}

describe('integration/images', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'llmr-images-it-'));
    fs.chmodSync(scratch, 0o755);
    fs.chownSync(scratch, 1000, 1000);
  });

  afterEach(async () => {
    await Promise.all(helpers.splice(0).map((h) => h.close()));
  });

  afterAll(() => {
    for (const name of started) {
      try {
        execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
      } catch {
        // already removed by --rm: nothing to clean up
      }
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('has both images with the current version label', async () => {
    expect(await imageStatus(IO_IMAGE)).toEqual({ present: true, version: IMAGE_VERSION });
    expect(await imageStatus(EXEC_IMAGE)).toEqual({ present: true, version: IMAGE_VERSION });
    expect(await imageStatus(`llmr-no-such-image-${RUN_ID}:latest`)).toEqual({ present: false });
  });

  it('answers a ping and reads the repository in a hardened io container', async () => {
    const helper = hardened(IO_IMAGE, 'io-read', `${REPO}:/workspace:ro`);
    expect(decodePong(await helper.one(encodePing()))).toEqual({ version: HELPER_VERSION });
    const read = decodeReadAnswer(await helper.one(encodeRead('package.json', 1 << 20, identityOf(REPO, 'package.json'))));
    expect(read.content.equals(fs.readFileSync(path.join(REPO, 'package.json')))).toBe(true);
    expect(await errorCode(helper.one(encodeRead('../etc/passwd', 1000, '1:1')).then(decodeReadAnswer))).toBe('PATH_INVALID');
    expect(await errorCode(helper.one(encodeWrite('x.txt', 'x', anchorOf(REPO, 'x.txt'))).then(decodeWriteAnswer))).toBe('PERMISSION_DENIED');
    expect(await helper.close()).toBe(0);
  });

  it('writes atomically as the non-root user through a read-write mount', async () => {
    const helper = hardened(IO_IMAGE, 'io-write', `${scratch}:/workspace:rw`);
    const content = Buffer.from('a\0b\r\nü\n');
    expect(decodeWriteAnswer(await helper.one(encodeWrite('deep/dir/f.bin', content, anchorOf(scratch, 'deep/dir/f.bin'))))).toEqual({ action: 'CREATED', bytesWritten: content.length });
    expect(fs.readFileSync(path.join(scratch, 'deep/dir/f.bin')).equals(content)).toBe(true);
    expect(fs.statSync(path.join(scratch, 'deep/dir/f.bin')).uid).toBe(1000);
    expect(fs.readdirSync(path.join(scratch, 'deep/dir'))).toEqual(['f.bin']);
  });

  it('runs python3, pytest, go, make and git in a hardened exec container', async () => {
    const helper = hardened(EXEC_IMAGE, 'exec', `${REPO}:/workspace:ro`);
    expect(decodePong(await helper.one(encodePing()))).toEqual({ version: HELPER_VERSION });
    const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', GOCACHE: '/tmp/go-cache' };
    const script = 'python3 --version && python3 -m pytest --version && go version && make --version | head -1 && git --version && id -u';
    const r = await helper.exec({ argv: ['sh', '-c', script], env }, 60_000);
    expect(r.exit.exitCode, r.head.stderr.toString()).toBe(0);
    const out = r.head.stdout.toString() + r.head.stderr.toString();
    for (const expected of ['Python 3.', 'pytest', 'go version go1.', 'GNU Make', 'git version', '1000']) expect(out).toContain(expected);
    const cat = await helper.exec({ argv: ['cat', 'package.json'], env });
    expect(cat.head.stdout.equals(fs.readFileSync(path.join(REPO, 'package.json')))).toBe(true);
    expect(await errorCode(helper.exec({ argv: ['no-such-tool'], env }))).toBe('COMMAND_NOT_FOUND');
  });
});
