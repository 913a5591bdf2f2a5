/**
 * File content outside the JSON body (protocol/wire.ts) through the real daemon, real Docker and
 * real files: the CLI's connection gets tail frames, a plain JSON-RPC client gets plain JSON, and
 * both read and write exactly the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { EditRequest } from '../../protocol/edit.js';
import { ReadRequest, WriteRequest } from '../../protocol/io.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const MiB = 1024 * 1024;
/** 1 MiB of text that is not ASCII: 1-, 2-, 3- and 4-byte UTF-8 sequences, cut at a whole line. */
function multibyte(bytes: number): string {
  const line = 'añ€😀 ligne — 行 ✓\n';
  return line.repeat(Math.floor(bytes / Buffer.byteLength(line)));
}
const ascii = `${'const x = "a\\tb";\n'.repeat(MiB / 18)}`.slice(0, MiB - 1) + '\n';
const utf8 = multibyte(MiB);
const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

let d: TestDaemon;
let repo: string;
let tails: MessageConnection;
let plain: MessageConnection;

beforeAll(async () => {
  repo = makeRepo({ 'ascii.txt': ascii, 'utf8.txt': utf8, 'bom.txt': '\ufeffhé\n', 'small.txt': 'x'.repeat(4096) });
  d = await startDaemon({ LLMR_COMMANDS__WRITE__MAX_FILE_SIZE: '4m' });
  tails = await d.connect();
  plain = await d.connectPlain();
}, 60_000);

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

/** One raw exchange: `frame` out, the first whole frame back, its body as bytes. */
function exchange(frame: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(d.socket, () => sock.write(frame));
    let buf = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      const len = end < 0 ? NaN : Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, end).toString())?.[1]);
      if (end >= 0 && buf.length >= end + 4 + len) {
        sock.destroy();
        resolve(buf.subarray(end + 4, end + 4 + len));
      }
    });
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); reject(new Error('no answer within 20 s')); }, 20_000).unref();
  });
}

function rawFrame(message: object, tail?: Buffer, header = true): Buffer {
  const body = tail === undefined ? Buffer.from(JSON.stringify(message)) : Buffer.concat([Buffer.from(JSON.stringify(message)), Buffer.from([0]), tail]);
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n${header ? 'Llmr-Wire: tails\r\n' : ''}\r\n`), body]);
}

describe('integration/wire', () => {
  it('reads 1 MiB files (ASCII, and UTF-8 that is not ASCII) identically over tail frames and plain JSON', async () => {
    for (const [name, text] of [['ascii.txt', ascii], ['utf8.txt', utf8]] as const) {
      for (const conn of [tails, plain]) {
        const r = await conn.sendRequest(ReadRequest, { root: repo, path: name });
        expect(r.content === text, name).toBe(true);
        expect(r).toMatchObject({ size: Buffer.byteLength(text), sha256: sha(text), lineCount: text.split('\n').length - 1 });
      }
    }
    const bom = await tails.sendRequest(ReadRequest, { root: repo, path: 'bom.txt' });
    expect(bom).toMatchObject({ content: 'hé\n', size: 7, lineCount: 1 });
    const range = await tails.sendRequest(ReadRequest, { root: repo, path: 'utf8.txt', lines: { from: 2, to: 3 } });
    expect(range.content).toBe(utf8.split('\n').slice(1, 3).join('\n') + '\n');
  });

  it('sends the content as raw bytes after the JSON to a client that sent Llmr-Wire, and as JSON to one that did not', async () => {
    const req = { jsonrpc: '2.0', id: 1, method: 'io/read', params: { root: repo, path: 'utf8.txt' } };
    const withTail = await exchange(rawFrame(req));
    const nul = withTail.indexOf(0);
    expect(nul).toBeGreaterThan(0);
    const head = JSON.parse(withTail.subarray(0, nul).toString()) as { result: { content: unknown } };
    expect(head.result.content).toEqual({ $tail: [0, Buffer.byteLength(utf8)] });
    expect(withTail.subarray(nul + 1).equals(Buffer.from(utf8))).toBe(true);
    const json = await exchange(rawFrame(req, undefined, false));
    expect(json.includes(0)).toBe(false);
    expect((JSON.parse(json.toString()) as { result: { content: string } }).result.content === utf8).toBe(true);
  });

  it('writes large content from a tail frame and from plain JSON, byte for byte', async () => {
    const big = multibyte(3 * MiB);
    const w = await tails.sendRequest(WriteRequest, { root: repo, path: 'out/big.txt', content: big });
    expect(w).toMatchObject({ action: 'CREATED', bytesWritten: Buffer.byteLength(big), sha256: sha(big) });
    expect(readFileSync(path.join(repo, 'out/big.txt')).equals(Buffer.from(big))).toBe(true);
    const other = `${big}plain\n`;
    await plain.sendRequest(WriteRequest, { root: repo, path: 'out/big.txt', content: other });
    expect(readFileSync(path.join(repo, 'out/big.txt'), 'utf8') === other).toBe(true);
    // a hand-made tail frame: the daemon puts the placeholder's bytes back where it stood
    const content = Buffer.from(multibyte(64 * 1024));
    const tail = Buffer.concat([Buffer.from('junk'), content]);
    const msg = { jsonrpc: '2.0', id: 9, method: 'io/write', params: { root: repo, path: 'out/raw.txt', content: { $tail: [4, content.length] } } };
    const answer = JSON.parse((await exchange(rawFrame(msg, tail))).toString()) as { result: { sha256: string } };
    expect(answer.result.sha256).toBe(sha(content));
    expect(readFileSync(path.join(repo, 'out/raw.txt')).equals(content)).toBe(true);
  });

  it('edits with large old and new strings over tail frames', async () => {
    const before = `START\n${utf8}`;
    await tails.sendRequest(WriteRequest, { root: repo, path: 'out/edit.txt', content: before });
    const oldString = before.slice(0, 100 * 1024); // unique: it holds the only START
    const newString = multibyte(200 * 1024).toUpperCase();
    const r = await tails.sendRequest(EditRequest, { root: repo, path: 'out/edit.txt', edits: [{ oldString, newString }] });
    expect(r).toMatchObject({ replacements: 1, sha256Before: sha(before), sha256After: sha(newString + before.slice(oldString.length)) });
    expect(readFileSync(path.join(repo, 'out/edit.txt'), 'utf8') === newString + before.slice(oldString.length)).toBe(true);
  });

  it('answers a malformed tail with PARSE_ERROR for that id, and a tail without the header as invalid JSON', async () => {
    const msg = { jsonrpc: '2.0', id: 4, method: 'io/write', params: { root: repo, path: 'out/x.txt', content: { $tail: [0, 99] } } };
    const bad = JSON.parse((await exchange(rawFrame(msg, Buffer.from('short')))).toString()) as object;
    expect(bad).toMatchObject({ id: 4, error: { code: -32700, message: 'message tail: placeholder [0, 99] reaches past the end of the 5-byte tail' } });
    const noHeader = JSON.parse((await exchange(rawFrame(msg, Buffer.from('short'), false))).toString()) as { error: { message: string } };
    expect(noHeader).toMatchObject({ id: null, error: { code: -32700 } });
    expect(noHeader.error.message).toMatch(/^message body is not valid JSON/);
    // one tail named many times would turn a small frame into a huge string: refused
    const many = { jsonrpc: '2.0', id: 5, method: 'io/edit', params: { root: repo, path: 'small.txt', edits: Array.from({ length: 1000 }, () => ({ oldString: { $tail: [0, 65536] }, newString: 'x' })) } };
    const amplified = JSON.parse((await exchange(rawFrame(many, Buffer.alloc(65536, 0x61)))).toString()) as object;
    expect(amplified).toMatchObject({ id: 5, error: { code: -32700, message: 'message tail: placeholders claim more than the 65536 bytes of the tail' } });
    const r = await tails.sendRequest(ReadRequest, { root: repo, path: 'small.txt' });
    expect(r.content).toBe('x'.repeat(4096));
  });
});
