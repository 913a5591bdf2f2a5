import { describe, expect, it } from 'vitest';
import { Admission, type Refusal } from './envelope.js';
import { FrameGuard, parseContentLength, wantsTails } from './frame-guard.js';

function guard(maxBody: number, extra: { frameTimeoutMs?: number; admission?: Admission } = {}) {
  const violations: string[] = [];
  const refusals: Refusal[] = [];
  let tails = 0;
  const g = new FrameGuard({
    maxBody, frameTimeoutMs: extra.frameTimeoutMs, onViolation: (m) => violations.push(m), onRefusal: (r) => refusals.push(r),
    admit: extra.admission === undefined ? undefined : (m) => extra.admission?.admit(m),
    onTails: () => { tails += 1; },
  });
  const out: unknown[] = [];
  g.on('data', (m: unknown) => { out.push(m); });
  return { g, violations, refusals, out: () => out, tails: () => tails };
}

function run(maxBody: number, chunks: (string | Buffer)[]) {
  const r = guard(maxBody);
  for (const c of chunks) r.g.write(Buffer.from(c));
  return { out: r.out(), violations: r.violations, refusals: r.refusals, tails: r.tails() };
}

const frame = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** A tail frame: `head` JSON, NUL, `tail`, with the Llmr-Wire header unless `header` is false. */
function tailFrame(head: string, tail: Buffer, header = true): Buffer {
  const body = Buffer.concat([Buffer.from(head), Buffer.from([0]), tail]);
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n${header ? 'Llmr-Wire: tails\r\n' : ''}\r\n`), body]);
}

describe('rpc/frame-guard', () => {
  it('passes the message of each well-formed frame on, however the frames are split', () => {
    const frames = 'Content-Length: 2\r\n\r\n{}Content-Length: 7\r\nContent-Type: x\r\n\r\n{"a":1}';
    for (let cut = 1; cut < frames.length; cut += 1) {
      const { out, violations } = run(100, [frames.slice(0, cut), frames.slice(cut)]);
      expect(violations).toEqual([]);
      expect(out).toEqual([{}, { a: 1 }]);
    }
  });

  it('never passes null on (it would end the stream): a body of null is refused', () => {
    const { out, refusals } = run(100, [frame('null'), frame('{}')]);
    expect(refusals.map((r) => r.error.data.code)).toEqual(['INVALID_REQUEST']);
    expect(out).toEqual([{}]);
  });

  it('turns the placeholders of a tail frame with the Llmr-Wire header back into strings', () => {
    const text = Buffer.from('héllo ✓ wörld\n'.repeat(100));
    const head = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'io/write', params: { content: { $tail: [3, text.length] } } });
    const bytes = tailFrame(head, Buffer.concat([Buffer.from('xyz'), text]));
    for (const cut of [1, 20, bytes.length - 5]) {
      const { out, refusals, tails } = run(10_000, [bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(refusals).toEqual([]);
      expect(tails).toBe(1);
      expect(out).toEqual([{ jsonrpc: '2.0', id: 1, method: 'io/write', params: { content: text.toString('utf8') } }]);
    }
  });

  it('refuses a NUL in a frame without the Llmr-Wire header (plain JSON-RPC), as it always did', () => {
    const { out, refusals, tails } = run(1000, [tailFrame('{"id":1,"x":{"$tail":[0,1]}}', Buffer.from('a'), false), frame('{}')]);
    expect(tails).toBe(0);
    expect(refusals.map((r) => r.error.message)).toEqual([expect.stringMatching(/^message body is not valid JSON/)]);
    expect(out).toEqual([{}]);
  });

  it('answers a malformed tail with a parse error for that request id and goes on', () => {
    const bad = [
      tailFrame('{"jsonrpc":"2.0","id":5,"method":"m","params":{"c":{"$tail":[2,9]}}}', Buffer.from('abcdef')),
      tailFrame('{"jsonrpc":"2.0","id":6,"method":"m","params":{"c":{"$tail":[-1,1]}}}', Buffer.from('a')),
      tailFrame('{"jsonrpc":"2.0","id":7,"method":"m","params":{"c":{"$tail":"x"}}}', Buffer.from('a')),
      tailFrame('{"jsonrpc":"2.0","id":8,"method":"m","params":{"c":{"$tail":[0,2]}}}', Buffer.from([0xc3, 0x28])),
      tailFrame('{not json', Buffer.from('a')),
    ];
    const { out, refusals } = run(1000, [...bad, Buffer.from(frame('{}'))]);
    expect(refusals.map((r) => [r.id, r.error.data.code])).toEqual([[5, 'PARSE_ERROR'], [6, 'PARSE_ERROR'], [7, 'PARSE_ERROR'], [8, 'PARSE_ERROR'], [null, 'PARSE_ERROR']]);
    expect(refusals[0].error.message).toBe('message tail: placeholder [2, 9] reaches past the end of the 6-byte tail');
    expect(refusals[3].error.message).toMatch(/not valid UTF-8/);
    expect(out).toEqual([{}]);
  });

  it('counts the tail in the message size limit', () => {
    const { violations, out } = run(100, [tailFrame('{"c":{"$tail":[0,90]}}', Buffer.alloc(90, 0x61))]);
    expect(violations).toEqual([expect.stringMatching(/^message of 113 bytes exceeds the limit of 100 bytes/)]);
    expect(out).toEqual([]);
  });

  it('knows the Llmr-Wire header whatever its case and spacing', () => {
    expect(wantsTails('Content-Length: 2\r\nllmr-wire:tails')).toBe(true);
    expect(wantsTails('LLMR-WIRE :  tails ')).toBe(true);
    expect(wantsTails('Content-Length: 2\r\nLlmr-Wire: tailsx')).toBe(false);
    expect(wantsTails('Content-Length: 2')).toBe(false);
  });

  it('refuses a Content-Length over the limit when the header arrives, before reading the body', () => {
    const { out, violations } = run(10, ['Content-Length: 11\r\n\r\n']);
    expect(violations).toEqual(['message of 11 bytes exceeds the limit of 10 bytes']);
    expect(out).toEqual([]);
  });

  it('answers a body that is not JSON with a parse error and goes on with the next frame', () => {
    const { out, violations, refusals } = run(100, ['Content-Length: 9\r\n\r\n{notjson}Content-Length: 2\r\n\r\n{}']);
    expect(violations).toEqual([]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ id: null, error: { code: -32700, data: { code: 'PARSE_ERROR' } } });
    expect(refusals[0].error.message).toMatch(/^message body is not valid JSON/);
    expect(out).toEqual([{}]);
  });

  it('drops what admit refuses and passes the rest', () => {
    const { g, refusals, out } = guard(1000, { admission: new Admission(8) });
    g.write(Buffer.from(frame('[]') + frame('{"jsonrpc":"2.0","id":1,"method":"a"}')));
    expect(refusals.map((r) => r.error.message)).toEqual(['batches are not supported: send one JSON-RPC message per frame']);
    expect(out()).toEqual([{ jsonrpc: '2.0', id: 1, method: 'a' }]);
  });

  it('refuses a header block that never ends', () => {
    expect(run(10, ['x'.repeat(9000)]).violations[0]).toMatch(/header block longer/);
  });

  it('drops a frame that trickles in for longer than the read timeout, counted from its first byte', async () => {
    const { g, violations } = guard(100, { frameTimeoutMs: 150 });
    const body = '{"jsonrpc":"2.0","method":"x"}';
    const bytes = frame(body);
    for (let i = 0; i < 6; i += 1) {
      g.write(Buffer.from(bytes[i]));
      await new Promise((r) => setTimeout(r, 40)); // each byte well within the timeout, the frame not
    }
    expect(violations).toEqual(['message not complete 0.15s after its first byte']);
  });

  it('does not time out an idle connection between frames', async () => {
    const { g, violations, out } = guard(100, { frameTimeoutMs: 50 });
    g.write(Buffer.from(frame('{}')));
    await new Promise((r) => setTimeout(r, 120));
    g.write(Buffer.from(frame('{}')));
    expect(violations).toEqual([]);
    expect(out()).toEqual([{}, {}]);
    g.destroy();
  });

  it('parses Content-Length strictly', () => {
    expect(parseContentLength('Content-Length: 12')).toBe(12);
    expect(parseContentLength('content-length:7\r\nX: y')).toBe(7);
    expect(parseContentLength('Content-Length: -1')).toMatch(/invalid/);
    expect(parseContentLength('Content-Length: 1e9')).toMatch(/invalid/);
    expect(parseContentLength('Content-Length: 1\r\nContent-Length: 2')).toMatch(/duplicate/);
    expect(parseContentLength('X: y')).toMatch(/missing/);
    expect(parseContentLength('garbage')).toMatch(/malformed/);
  });
});
