import { describe, expect, it } from 'vitest';
import { Admission, type Refusal } from './envelope.js';
import { FrameGuard, parseContentLength } from './frame-guard.js';

function guard(maxBody: number, extra: { frameTimeoutMs?: number; admission?: Admission } = {}) {
  const violations: string[] = [];
  const refusals: Refusal[] = [];
  const g = new FrameGuard({
    maxBody, frameTimeoutMs: extra.frameTimeoutMs, onViolation: (m) => violations.push(m), onRefusal: (r) => refusals.push(r),
    admit: extra.admission === undefined ? undefined : (m) => extra.admission?.admit(m),
  });
  let out = '';
  g.on('data', (c: Buffer) => { out += c.toString(); });
  return { g, violations, refusals, out: () => out };
}

function run(maxBody: number, chunks: string[]): { out: string; violations: string[]; refusals: Refusal[] } {
  const r = guard(maxBody);
  for (const c of chunks) r.g.write(Buffer.from(c));
  return { out: r.out(), violations: r.violations, refusals: r.refusals };
}

const frame = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('rpc/frame-guard', () => {
  it('passes well-formed frames through unchanged, however they are split', () => {
    const frames = 'Content-Length: 2\r\n\r\n{}Content-Length: 4\r\nContent-Type: x\r\n\r\nnull';
    for (let cut = 1; cut < frames.length; cut += 1) {
      const { out, violations } = run(100, [frames.slice(0, cut), frames.slice(cut)]);
      expect(violations).toEqual([]);
      expect(out).toBe(frames);
    }
  });

  it('refuses a Content-Length over the limit when the header arrives, before reading the body', () => {
    const { out, violations } = run(10, ['Content-Length: 11\r\n\r\n']);
    expect(violations).toEqual(['message of 11 bytes exceeds the limit of 10 bytes']);
    expect(out).toBe('');
  });

  it('answers a body that is not JSON with a parse error and goes on with the next frame', () => {
    const { out, violations, refusals } = run(100, ['Content-Length: 9\r\n\r\n{notjson}Content-Length: 2\r\n\r\n{}']);
    expect(violations).toEqual([]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ id: null, error: { code: -32700, data: { code: 'PARSE_ERROR' } } });
    expect(refusals[0].error.message).toMatch(/^message body is not valid JSON/);
    expect(out).toBe('Content-Length: 2\r\n\r\n{}');
  });

  it('drops what admit refuses and passes the rest', () => {
    const { g, refusals, out } = guard(1000, { admission: new Admission(8) });
    g.write(Buffer.from(frame('[]') + frame('{"jsonrpc":"2.0","id":1,"method":"a"}')));
    expect(refusals.map((r) => r.error.message)).toEqual(['batches are not supported: send one JSON-RPC message per frame']);
    expect(out()).toBe(frame('{"jsonrpc":"2.0","id":1,"method":"a"}'));
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
    expect(out()).toBe(frame('{}') + frame('{}'));
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
