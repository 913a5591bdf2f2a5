/**
 * The helper's --socket mode on the host (no Docker): it connects once, serves frames over the
 * socket, exits when the daemon's end closes, and tells why it cannot start as the answer to
 * the daemon's first request.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameDecoder, HELPER_VERSION, decodePong, encodePing, type Frame } from '../../daemon/containers/helper-codec.js';
import { compileHelper } from '../../test/support/helper-process.js';

let dir: string;
let binary: string;
let n = 0;

beforeAll(() => {
  ({ dir, binary } = compileHelper('llmr-helper-sock-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Listen, start the helper with --socket and return its one connection. */
async function start(root: string): Promise<{ helper: ChildProcess; sock: net.Socket; next: () => Promise<Frame> }> {
  const file = path.join(dir, `s${n++}`);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  const helper = spawn(binary, [root, '--socket', file, '--lifetime', '60'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const [sock] = (await once(server, 'connection')) as [net.Socket];
  server.close();
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let wake: (() => void) | undefined;
  sock.on('data', (c: Buffer) => { frames.push(...decoder.push(c)); wake?.(); });
  const next = async (): Promise<Frame> => {
    while (frames.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
    return frames.shift() as Frame;
  };
  return { helper, sock, next };
}

describe('images/helper --socket', () => {
  it('answers over the socket, keeps its stdout silent, and exits 0 when the daemon closes it', async () => {
    const { helper, sock, next } = await start(dir);
    let stdoutBytes = 0;
    helper.stdout?.on('data', (d: Buffer) => { stdoutBytes += d.length; });
    sock.write(encodePing());
    expect(decodePong(await next())).toEqual({ version: HELPER_VERSION });
    const exited = once(helper, 'exit');
    sock.end();
    expect((await exited)[0]).toBe(0);
    expect(stdoutBytes).toBe(0);
  });

  it('says why it cannot start as the answer to the first request', async () => {
    const { helper, sock, next } = await start(path.join(dir, 'no-such-root'));
    const exited = once(helper, 'exit');
    sock.write(encodePing());
    const answer = await next();
    expect(answer.type).toBe('E');
    expect(answer.fields.map((f) => f.toString())).toEqual(['SETUP_FAILED', `open ${path.join(dir, 'no-such-root')}: No such file or directory`]);
    expect((await exited)[0]).toBe(1);
  });

  it('refuses a relative or missing socket path at start', () => {
    for (const args of [[dir, '--socket', 'rel/s'], [dir, '--socket']]) {
      expect(() => execFileSync(binary, args, { stdio: 'pipe' })).toThrow(/usage: llmr-helper/);
    }
    expect(() => execFileSync(binary, [dir, '--socket', path.join(dir, 'absent')], { stdio: 'pipe' })).toThrow(/connect .*absent/);
  });
});
