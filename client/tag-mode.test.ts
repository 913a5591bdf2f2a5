/**
 * The tag mode through `main()` against a stand-in daemon on a real Unix socket (a fake at the
 * process edge: it speaks the real protocol constants over vscode-jsonrpc).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { HelloRequest, LLMR_VERSION, PROTOCOL_VERSION, ShutdownRequest, type HelloParams } from '../protocol/daemon.js';
import { rpcNumber, type ErrorCode } from '../protocol/errors.js';
import { ExecOutputNotification, ExecRequest, type ExecParams } from '../protocol/exec.js';
import { ReadRequest, WriteRequest, type ReadParams, type WriteParams } from '../protocol/io.js';
import type { CliIo } from './cli-io.js';
import { main } from './main.js';

interface Fake {
  server: Server;
  requests: Array<{ method: string; params: unknown }>;
  hellos: HelloParams[];
  /** Resolves when the n-th request (1-based) has arrived. */
  arrived(n: number): Promise<void>;
  sockets: Socket[];
}

const fail = (code: ErrorCode, message: string) => new ResponseError(rpcNumber(code), message, { code });

interface FakeOptions {
  version?: number;
  files?: Record<string, string>;
  dropOn?: string;
  envMismatch?: string[];
}

function startFake(path: string, opts: FakeOptions = {}): Promise<Fake> {
  const requests: Fake['requests'] = [];
  const hellos: HelloParams[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const sockets: Socket[] = [];
  const note = (method: string, params: unknown) => {
    requests.push({ method, params });
    for (const w of waiters) if (requests.length >= w.n) w.resolve();
  };
  const server = createServer((sock) => {
    sockets.push(sock);
    const conn: MessageConnection = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
    conn.onRequest(HelloRequest, (p: HelloParams) => {
      hellos.push(p);
      const mismatch = opts.envMismatch === undefined ? {} : { envMismatch: opts.envMismatch };
      return { protocolVersion: opts.version ?? PROTOCOL_VERSION, daemonVersion: LLMR_VERSION, pid: 4242, socket: path, ...mismatch };
    });
    conn.onRequest(ShutdownRequest, () => {
      note('daemon/shutdown', undefined);
      setImmediate(() => {
        server.close();
        for (const s of sockets) s.destroy();
      });
      return { ok: true as const };
    });
    conn.onRequest(ReadRequest, (p: ReadParams) => {
      note('io/read', p);
      if (opts.dropOn === p.path) {
        sock.destroy();
        return new Promise<never>(() => undefined);
      }
      const content = opts.files?.[p.path];
      if (content === undefined) throw fail('FILE_NOT_FOUND', `file ${p.path} not found`);
      return { path: p.path, content, size: content.length, lineCount: 1, sha256: 'x' };
    });
    conn.onRequest(WriteRequest, (p: WriteParams) => {
      note('io/write', p);
      if (p.path === 'docker') throw fail('DOCKER_UNAVAILABLE', 'docker is not reachable');
      return { path: p.path, action: 'CREATED' as const, bytesWritten: Buffer.byteLength(p.content), sha256: 'y' };
    });
    conn.onRequest(ExecRequest, async (p: ExecParams) => {
      note('exec/run', p);
      if (p.streamToken !== undefined) await conn.sendNotification(ExecOutputNotification, { token: p.streamToken, stream: 'stdout', data: 'hi\n' });
      return { exitCode: p.command === 'false' ? 1 : 0, durationMs: 7, stdout: 'hi\n', stderr: '', omittedBytes: 0 };
    });
    conn.listen();
  });
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        server, requests, hellos, sockets,
        arrived: (n) => new Promise<void>((r) => (requests.length >= n ? r() : waiters.push({ n, resolve: r }))),
      }),
    ),
  );
}

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let socket: string;
let fake: Fake | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmr-client-'));
  socket = join(dir, 'd.sock');
});

afterEach(async () => {
  for (const s of fake?.sockets ?? []) s.destroy();
  await new Promise((r) => (fake ? fake.server.close(r) : r(undefined)));
  fake = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function run(argv: string[], input: string | PassThrough, extraEnv: Record<string, string> = {}) {
  const stdin = typeof input === 'string' ? PassThrough.from([Buffer.from(input)]) : input;
  const stdout = new Sink();
  const stderr = new Sink();
  const io: CliIo = { stdin: stdin as PassThrough, stdout, stderr, env: { LLMR_SOCKET: socket, XDG_STATE_HOME: dir, HOME: dir, ...extraEnv }, cwd: dir };
  return { stdout, stderr, status: main(argv, io) };
}

const elapsed = (text: string) => text.replace(/Time elapsed: \d+\.\d\ds/, 'Time elapsed: X');

describe('client/tag-mode', () => {
  it('runs several tags on one line in order and frames the results exactly', async () => {
    fake = await startFake(socket, { files: { 'a.txt': 'alpha' } });
    const r = run(['--root', dir, '--no-spawn'], 'Look: <open a.txt> then <write b.txt>\nB\n</write> and <open missing>\n');
    expect(await r.status).toBe(1);
    expect(elapsed(r.stdout.text)).toBe(
      [
        '=== LLM TOOL START ===',
        '=== COMMAND: <open a.txt> ===', '=== FILE: a.txt ===', 'alpha', '=== END FILE ===', '=== END COMMAND ===',
        '=== COMMAND: <write b.txt> ===', '=== WRITE SUCCESSFUL: b.txt ===', 'Action: CREATED', 'Bytes written: 2', '=== END WRITE ===', '=== END COMMAND ===',
        '=== COMMAND: <open missing> ===', '=== ERROR: FILE_NOT_FOUND ===', 'Message: file missing not found', 'Command: <open missing>', '=== END ERROR ===', '=== END COMMAND ===',
        '=== LLM TOOL COMPLETE ===', 'Commands executed: 2', 'Time elapsed: X', '=== END ===', '',
      ].join('\n'),
    );
    expect(fake.requests).toEqual([
      { method: 'io/read', params: { root: dir, path: 'a.txt' } },
      { method: 'io/write', params: { root: dir, path: 'b.txt', content: 'B\n' } },
      { method: 'io/read', params: { root: dir, path: 'missing' } },
    ]);
    expect(r.stderr.text).toBe('');
  });

  it('sends each command as soon as its tag closes, before the input ends', async () => {
    fake = await startFake(socket, { files: { a: '1', b: '2' } });
    const stdin = new PassThrough();
    const r = run(['--root', dir, '--no-spawn'], stdin);
    stdin.write('<open a> and more text');
    await fake.arrived(1);
    expect(fake.requests).toHaveLength(1);
    stdin.end('<open b>');
    expect(await r.status).toBe(0);
    expect(fake.requests.map((q) => (q.params as ReadParams).path)).toEqual(['a', 'b']);
  });

  it('prints nothing and needs no daemon when the input has no commands', async () => {
    const r = run(['--no-spawn', '--root', dir], 'just prose, <opened the door> and <OPEN x>\n');
    expect(await r.status).toBe(0);
    expect(r.stdout.text).toBe('');
    expect(r.stderr.text).toBe('');
  });

  it('renders parser errors in order without contacting the daemon', async () => {
    const r = run(['--no-spawn', '--root', dir], '<write a.txt>never closed');
    expect(await r.status).toBe(1);
    expect(r.stdout.text).toMatch(/^=== LLM TOOL START ===\n=== COMMAND: <write a\.txt> ===\n=== ERROR: INVALID_SYNTAX ===\nMessage: .+\nCommand: <write a\.txt>\n=== END ERROR ===\n=== END COMMAND ===\n=== LLM TOOL COMPLETE ===\nCommands executed: 0\n/);
  });

  it('fails with exit 4 and a hint when no daemon answers and spawning is off', async () => {
    const r = run(['--no-spawn', '--root', dir], '<open a>');
    expect(await r.status).toBe(4);
    expect(r.stdout.text).toBe('');
    expect(r.stderr.text).toBe(`llmr: no llmr daemon answers on ${socket}\nhint: start it with: llmr daemon start (or drop --no-spawn)\n`);
  });

  it('refuses a daemon of another protocol version when it may not restart it', async () => {
    fake = await startFake(socket, { version: PROTOCOL_VERSION + 1 });
    const r = run(['--no-spawn', '--root', dir], '<open a>');
    expect(await r.status).toBe(4);
    expect(r.stderr.text).toContain(`llmr: the daemon on ${socket} speaks protocol ${PROTOCOL_VERSION + 1}, this client ${PROTOCOL_VERSION}\nhint: `);
  });

  it('shuts down a daemon of another protocol version and starts a new one', async () => {
    fake = await startFake(socket, { version: PROTOCOL_VERSION + 1 });
    const r = run(['--root', dir], '<open a>');
    // under the test runner there is no built daemon next to the client, so the restart stops at the spawn
    expect(await r.status).toBe(4);
    expect(fake.requests.map((q) => q.method)).toEqual(['daemon/shutdown']);
    expect(r.stderr.text).toContain(`llmr: the daemon (pid 4242) is llmr ${LLMR_VERSION} with protocol ${PROTOCOL_VERSION + 1}, this client is ${LLMR_VERSION} with protocol ${PROTOCOL_VERSION}; restarting it`);
    expect(r.stderr.text).toMatch(/llmr: daemon entry point .*daemon\/main\.js is missing\nhint: build llmr first: npm run build\n$/);
  });

  it('uses the exit status of the error table for daemon-side problems', async () => {
    fake = await startFake(socket);
    const r = run(['--no-spawn', '--root', dir], '<write docker>x</write>');
    expect(await r.status).toBe(5);
    expect(r.stdout.text).toContain('=== ERROR: DOCKER_UNAVAILABLE ===\nMessage: docker is not reachable\nCommand: <write docker>\n');
  });

  it('stops at a lost connection, closes the frame and exits 4', async () => {
    fake = await startFake(socket, { files: { b: 'b' }, dropOn: 'a' });
    const r = run(['--no-spawn', '--root', dir], '<open a><open b>');
    expect(await r.status).toBe(4);
    expect(elapsed(r.stdout.text)).toContain('=== ERROR: DAEMON_UNAVAILABLE ===\nMessage: the connection to the llmr daemon was lost\n');
    expect(r.stdout.text).toMatch(/=== LLM TOOL COMPLETE ===\nCommands executed: 0\n/);
    expect(fake.requests).toHaveLength(1);
    expect(r.stderr.text).toContain('llmr: the connection to the llmr daemon was lost\nhint: see ');
  });

  it('writes JSON lines: output events as they arrive, results, then a summary', async () => {
    fake = await startFake(socket);
    const r = run(['--json', '--no-spawn', '--root', dir], '<exec echo hi><exec false>');
    expect(await r.status).toBe(1);
    const lines = r.stdout.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Object.keys(l)[0])).toEqual(['event', 'command', 'event', 'command', 'summary']);
    expect(lines[0]).toEqual({ event: 'output', command: '<exec echo hi>', stream: 'stdout', data: 'hi\n' });
    expect(lines[1]).toMatchObject({ command: '<exec echo hi>', ok: true, result: { exitCode: 0, stdout: 'hi\n' } });
    expect(lines[3]).toMatchObject({ command: '<exec false>', ok: false, error: { code: 'EXEC_FAILED' } });
    expect(lines[4]).toMatchObject({ summary: { executed: 1, failed: 1 } });
    expect((fake.requests[0].params as ExecParams).streamToken).toEqual(expect.any(String));
  });

  it('reads --input and writes --output files', async () => {
    fake = await startFake(socket, { files: { a: 'A\n' } });
    writeFileSync(join(dir, 'in.txt'), '<open a>');
    writeFileSync(join(dir, 'out.txt'), 'old content that must go');
    const r = run(['--no-spawn', '--root', dir, '--input', join(dir, 'in.txt'), '--output', join(dir, 'out.txt')], '');
    expect(await r.status).toBe(0);
    expect(r.stdout.text).toBe('');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toMatch(/^=== LLM TOOL START ===\n=== COMMAND: <open a> ===\n=== FILE: a ===\nA\n=== END FILE ===\n/);
  });

  it('reports a missing input file in words as a usage error', async () => {
    const r = run(['--no-spawn', '--root', dir, '--input', join(dir, 'nope.txt')], '');
    expect(await r.status).toBe(2);
    expect(r.stderr.text).toBe(`llmr: cannot read input file ${join(dir, 'nope.txt')}: no such file\n`);
  });

  it('reports an input path that is a directory in words', async () => {
    const r = run(['--no-spawn', '--root', dir, '--input', dir], '');
    expect(await r.status).toBe(2);
    expect(r.stderr.text).toBe(`llmr: cannot read input file ${dir}: is a directory\n`);
  });

  it('fails once with ROOT_NOT_FOUND, before connecting, when the root does not exist', async () => {
    fake = await startFake(socket, { files: { a: 'A' } });
    const missing = join(dir, 'missing');
    const r = run(['--no-spawn', '--root', missing], '<open a> <open b> <exec ls>');
    expect(await r.status).toBe(3);
    expect(r.stdout.text).toBe('');
    expect(r.stderr.text).toBe(`llmr: repository root ${missing} does not exist\nhint: pass --root DIR naming the repository directory, or run llmr inside it\n`);
    expect([fake.hellos, fake.requests]).toEqual([[], []]);
  });

  it('sends its LLMR_ variables but the socket in the hello and warns once when the daemon does not share them', async () => {
    fake = await startFake(socket, { files: { a: 'A', b: 'B' }, envMismatch: ['LLMR_LOG_LEVEL', 'LLMR_POOL_SIZE'] });
    const r = run(['--no-spawn', '--root', dir], '<open a> <open b>', { LLMR_POOL_SIZE: '3', LLMR_LOG_LEVEL: 'debug' });
    expect(await r.status).toBe(0);
    expect(fake.hellos.map((h) => h.env)).toEqual([{ LLMR_POOL_SIZE: '3', LLMR_LOG_LEVEL: 'debug' }]);
    expect(r.stderr.text).toBe(
      "llmr: LLMR_LOG_LEVEL, LLMR_POOL_SIZE differ from the running daemon's environment (it read its own at start); restart it to apply them: llmr daemon stop\n",
    );
    expect(r.stdout.text).toContain('=== FILE: b ===');
  });

  it('says nothing about the environment when the daemon reports no difference', async () => {
    fake = await startFake(socket, { files: { a: 'A' }, envMismatch: [] });
    const r = run(['--no-spawn', '--root', dir], '<open a>', { LLMR_POOL_SIZE: '3' });
    expect(await r.status).toBe(0);
    expect(r.stderr.text).toBe('');
  });

  it('prints the prompts on stderr in interactive mode', async () => {
    fake = await startFake(socket, { files: { a: 'A' } });
    const r = run(['--interactive', '--no-spawn', '--root', dir], '<open a>');
    expect(await r.status).toBe(0);
    expect(r.stderr.text).toMatch(/^LLM Tool - Interactive Mode\nWaiting for input .*\nSupports commands: .*\n\nWaiting for more input...\n$/);
  });
});
