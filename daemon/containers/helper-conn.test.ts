import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { StartedContainer } from './docker.js';
import { HELPER_VERSION, encodeFrame } from './helper-codec.js';
import { HelperConnection } from './helper-conn.js';

const DIR = mkdtempSync(path.join(os.tmpdir(), 'llmr-helper-conn-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
let n = 0;

/**
 * A real Unix socket pair: the daemon's end in `container`, the helper's end (faked at the process
 * edge) as `peer`; `sent` is what the daemon wrote, `close` ends the helper's side.
 */
async function fakeContainer(): Promise<{ container: StartedContainer; peer: net.Socket; sent: Buffer[]; close: () => void }> {
  const file = path.join(DIR, `s${n++}`);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  const [socket, peer] = await Promise.all([
    new Promise<net.Socket>((resolve) => { const s = net.connect(file, () => resolve(s)); }),
    new Promise<net.Socket>((resolve) => server.once('connection', resolve)),
  ]);
  server.close();
  const sent: Buffer[] = [];
  peer.on('data', (c: Buffer) => sent.push(c));
  peer.on('error', () => undefined); // the daemon's side may reset it after a protocol error
  const closed = new Promise<void>((resolve) => { socket.once('close', () => resolve()); });
  return { container: { id: 'c0ffee000000', socket, closed }, peer, sent, close: () => peer.destroy() };
}

const req = { cwd: '/workspace', maxOutputBytes: 1000, stdin: '', env: {}, argv: ['true'] };

describe('containers/helper-conn', () => {
  it('collects streamed chunks and the final exit frame', async () => {
    const { container, peer } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const chunks: string[] = [];
    const done = conn.exec(req, (s, d) => chunks.push(`${s}:${d.toString()}`));
    peer.write(encodeFrame('o', ['hi\n']));
    peer.write(encodeFrame('e', ['oops\n']));
    peer.write(encodeFrame('x', ['3', '0', '0', '', '']));
    expect(await done).toMatchObject({ exitCode: 3, omittedStdout: 0 });
    expect(chunks).toEqual(['stdout:hi\n', 'stderr:oops\n']);
  });

  it('ends the conversation when output frames exceed the cap (a helper out of step)', async () => {
    const { container, peer } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const done = conn.exec(req, () => undefined);
    const big = Buffer.alloc(32 * 1024, 0x41);
    for (let i = 0; i < 4; i += 1) peer.write(encodeFrame('o', [big]));
    await expect(done).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
    expect(conn.alive).toBe(false);
  });

  it('refuses an exit frame whose tails exceed the cap', async () => {
    const { container, peer } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const done = conn.exec(req, () => undefined);
    peer.write(encodeFrame('x', ['0', '0', '0', Buffer.alloc(70 * 1024), '']));
    await expect(done).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
  });

  it('fails a pending request when the container goes away', async () => {
    const { container, close } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const pending = conn.read('a.txt', 10, '1:3');
    close();
    await expect(pending).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
  });

  it('refuses an exec frame whose announced length is over the output budget as soon as its header arrives', async () => {
    const { container, peer } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const done = conn.exec(req, () => undefined);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(32 * 1024 * 1024, 0); // 32 MiB announced, under the codec's 64 MiB limit
    peer.write(header);
    await expect(done).rejects.toMatchObject({ code: 'CONTAINER_FAILED', message: expect.stringContaining('exceeds the limit of') });
    expect(conn.alive).toBe(false);
  });

  it('turns a malformed read answer into an error, never an empty file', async () => {
    const { container, peer } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const pending = conn.read('a.txt', 10, '1:3');
    peer.write(encodeFrame('K', []));
    await expect(pending).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
    expect(conn.alive).toBe(false);
  });

  it('turns a malformed write answer into an error, never CREATED', async () => {
    const { container, peer } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const pending = conn.write('a.txt', 'x', { depth: 0, id: '1:2' });
    peer.write(encodeFrame('K', ['MADE', '1']));
    await expect(pending).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
  });

  it('decodes typed read and write answers and keeps an error answer as its code', async () => {
    const { container, peer, sent } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const read = conn.read('a.txt', 10, '1:3');
    peer.write(encodeFrame('K', ['3', 'abc']));
    expect(await read).toEqual({ size: 3, content: Buffer.from('abc') });
    const missing = conn.read('b.txt', 10, '1:4');
    peer.write(encodeFrame('E', ['FILE_NOT_FOUND', 'stat b.txt: No such file or directory']));
    await expect(missing).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(conn.alive).toBe(true);
    const write = conn.write('a.txt', 'xy', { depth: 0, id: '1:2' });
    peer.write(encodeFrame('K', ['UPDATED', '2']));
    expect(await write).toEqual({ action: 'UPDATED', bytesWritten: 2 });
    expect(Buffer.concat(sent).includes(Buffer.from('a.txt'))).toBe(true);
  });

  it('refuses a helper of another version on ping', async () => {
    const { container, peer } = await fakeContainer();
    const conn = new HelperConnection(container, pino({ level: 'silent' }));
    const ping = conn.ping();
    peer.write(encodeFrame('K', ['pong', '0']));
    await expect(ping).rejects.toMatchObject({ code: 'IMAGE_MISSING' });
    const fresh = await fakeContainer();
    const current = new HelperConnection(fresh.container, pino({ level: 'silent' }));
    const pong = current.ping();
    fresh.peer.write(encodeFrame('K', ['pong', HELPER_VERSION]));
    expect(await pong).toEqual({ version: HELPER_VERSION });
  });
});
