/**
 * What the tag mode says on a terminal and keeps quiet in a pipe, through `main()` against a
 * stand-in daemon on a real Unix socket (a fake at the process edge, real protocol constants).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { HelloRequest, LLMR_VERSION, PROTOCOL_VERSION } from '../protocol/daemon.js';
import { ExecRequest } from '../protocol/exec.js';
import { ReadRequest, type ReadParams } from '../protocol/io.js';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';

class Sink extends Writable {
  text = '';
  isTTY?: boolean;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let server: Server;
const sockets: Socket[] = [];

/** A daemon stand-in: hello, reads of `a`, and execs that answer after `execDelayMs`. */
function startFake(socket: string, execDelayMs: number): Promise<void> {
  server = createServer((sock) => {
    sockets.push(sock);
    const conn = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
    conn.onRequest(HelloRequest, () => ({ protocolVersion: PROTOCOL_VERSION, daemonVersion: LLMR_VERSION, pid: 4242, socket }));
    conn.onRequest(ReadRequest, (p: ReadParams) => ({ path: p.path, content: 'A', size: 1, lineCount: 1, sha256: 'x' }));
    conn.onRequest(ExecRequest, async () => {
      await new Promise((r) => setTimeout(r, execDelayMs));
      return { exitCode: 0, durationMs: 7, stdout: '', stderr: '', omittedBytes: 0 };
    });
    conn.listen();
  });
  return new Promise((resolve) => server.listen(socket, resolve));
}

function run(input: string, tty: { stdin?: boolean; stderr?: boolean }): { stderr: Sink; status: Promise<number> } {
  const stdin = Object.assign(PassThrough.from([Buffer.from(input)]), tty.stdin === true ? { isTTY: true } : {});
  const stderr = new Sink();
  if (tty.stderr === true) stderr.isTTY = true;
  const io: CliIo = { stdin, stdout: new Sink(), stderr, env: { LLMR_SOCKET: join(dir, 'd.sock'), XDG_STATE_HOME: dir, HOME: dir }, cwd: dir };
  return { stderr, status: main(['--root', dir, '--no-spawn'], io) };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmr-tty-'));
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('client/tag-mode on a terminal', () => {
  it('says when the first command waits for the first containers, and not in a pipe', async () => {
    await startFake(join(dir, 'd.sock'), 1800);
    const tty = run('<exec make>', { stderr: true });
    expect(await tty.status).toBe(0);
    expect(tty.stderr.text).toBe("llmr: <exec make> is waiting for this repository's first containers to start…\n");
    const piped = run('<exec make>', {});
    expect(await piped.status).toBe(0);
    expect(piped.stderr.text).toBe('');
  });

  it('says how to end or pipe the input when standard input is a terminal', async () => {
    await startFake(join(dir, 'd.sock'), 0);
    const tty = run('<open a>', { stdin: true });
    expect(await tty.status).toBe(0);
    expect(tty.stderr.text).toMatch(/^llmr: reading a model's reply from the terminal; end it with Ctrl\+D/);
    const piped = run('<open a>', {});
    expect(await piped.status).toBe(0);
    expect(piped.stderr.text).toBe('');
  });
});
