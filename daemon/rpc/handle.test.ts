import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestType, StreamMessageReader, StreamMessageWriter, createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import { DaemonStatusRequest, HelloRequest } from '../../protocol/daemon.js';
import { INTERNAL_MESSAGE, LlmrError, type ErrorData } from '../../protocol/errors.js';
import { ExecRequest } from '../../protocol/exec.js';
import { ReadRequest } from '../../protocol/io.js';
import { handle } from './handle.js';

/** Two connections joined by an in-memory stream pair. */
function pair(): { server: MessageConnection; client: MessageConnection; closed: AbortController } {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  return { server, client, closed: new AbortController() };
}

describe('rpc/handle', () => {
  it('passes params through and returns results, also for methods without params', async () => {
    const { server, client, closed } = pair();
    const scope = { conn: server, log: pino({ level: 'silent' }), session: 's1', closed: closed.signal };
    handle(scope, HelloRequest, async (p) => ({ protocolVersion: p.protocolVersion, daemonVersion: 'x', pid: 1, socket: '/s' }));
    handle(scope, DaemonStatusRequest, async (_p, ctx) => ({ session: ctx.session }) as never);
    server.listen();
    client.listen();
    expect((await client.sendRequest(HelloRequest, { protocolVersion: 7, clientVersion: 'c' })).protocolVersion).toBe(7);
    expect(await client.sendRequest(DaemonStatusRequest)).toEqual({ session: 's1' });
  });

  it('sends LlmrErrors with their code and hides everything else behind INTERNAL', async () => {
    const { server, client, closed } = pair();
    const scope = { conn: server, log: pino({ level: 'silent' }), session: 's', closed: closed.signal };
    handle(scope, ReadRequest, async (p) => {
      if (p.path === 'a') throw new LlmrError('FILE_NOT_FOUND', 'a is missing', 'look elsewhere');
      throw new Error('secret /home/user/internal detail');
    });
    server.listen();
    client.listen();
    await expect(client.sendRequest(ReadRequest, { root: '/r', path: 'a' })).rejects.toMatchObject({
      message: 'a is missing', data: { code: 'FILE_NOT_FOUND', details: 'look elsewhere' },
    });
    const err = await client.sendRequest(ReadRequest, { root: '/r', path: 'b' }).catch((e: unknown) => e) as { message: string; data: unknown };
    expect(err.message).toBe(INTERNAL_MESSAGE);
    expect(JSON.stringify(err)).not.toContain('secret');
  });

  it('aborts the handler signal when the client cancels or the connection closes', async () => {
    const { server, client, closed } = pair();
    const scope = { conn: server, log: pino({ level: 'silent' }), session: 's', closed: closed.signal };
    let aborted = 0;
    handle(scope, ReadRequest, (_p, ctx) => new Promise((_, reject) => {
      ctx.signal.addEventListener('abort', () => { aborted += 1; reject(new LlmrError('CANCELLED', 'cancelled')); });
    }));
    server.listen();
    client.listen();
    const pending = client.sendRequest(ReadRequest, { root: '/r', path: 'x' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    closed.abort();
    await pending;
    expect(aborted).toBe(1);
  });

  it('answers a no-params method sent "params": {} like one sent without params', async () => {
    const { server, client, closed } = pair();
    const scope = { conn: server, log: pino({ level: 'silent' }), session: 's2', closed: closed.signal };
    handle(scope, DaemonStatusRequest, async (_p, ctx) => ({ session: ctx.session }) as never);
    server.listen();
    client.listen();
    expect(await client.sendRequest('daemon/status', {})).toEqual({ session: 's2' });
    await expect(client.sendRequest('daemon/status', { x: 1 })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('unknown field "x"') });
  });

  it('checks params against the method schema before the handler runs: -32602 naming the field', async () => {
    const { server, client, closed } = pair();
    const scope = { conn: server, log: pino({ level: 'silent' }), session: 's', closed: closed.signal };
    let calls = 0;
    handle(scope, ExecRequest, async () => { calls += 1; return { exitCode: 0, durationMs: 0, stdout: '', stderr: '', omittedBytes: 0 }; });
    server.listen();
    client.listen();
    await expect(client.sendRequest('exec/run', { argv: 'ls' })).rejects.toMatchObject({
      code: -32602, message: expect.stringContaining('unknown field "argv"'), data: { code: 'INVALID_PARAMS', details: 'field: argv' },
    });
    await expect(client.sendRequest('exec/run', JSON.parse('{"root":"/r","command":"ls","__proto__":{"a":1}}'))).rejects.toMatchObject({ code: -32602, data: { details: 'field: __proto__' } });
    await expect(client.sendRequest('exec/run', { root: '/r', command: 5 })).rejects.toMatchObject({ code: -32602, data: { details: 'field: command' } });
    await expect(client.sendRequest('exec/run', [1, 2])).rejects.toMatchObject({ code: -32602 });
    expect(calls).toBe(0);
    await client.sendRequest(ExecRequest, { root: '/r', command: 'ls' });
    expect(calls).toBe(1);
  });

  it('refuses to register a method without a params schema', () => {
    const { server, closed } = pair();
    const scope = { conn: server, log: pino({ level: 'silent' }), session: 's', closed: closed.signal };
    expect(() => handle(scope, new RequestType<{ a: 1 }, void, ErrorData>('no/schema'), async () => undefined)).toThrow(/no params schema for no\/schema/);
  });
});
