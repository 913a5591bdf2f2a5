import { describe, expect, it } from 'vitest';
import { FrameGuard, parseContentLength } from './frame-guard.js';

function run(maxBody: number, chunks: string[]): { out: string; violations: string[] } {
  const violations: string[] = [];
  const g = new FrameGuard(maxBody, (m) => violations.push(m));
  let out = '';
  g.on('data', (c: Buffer) => { out += c.toString(); });
  for (const c of chunks) g.write(Buffer.from(c));
  return { out, violations };
}

describe('rpc/frame-guard', () => {
  it('passes well-formed frames through unchanged, however they are split', () => {
    const frame = 'Content-Length: 2\r\n\r\n{}Content-Length: 4\r\nContent-Type: x\r\n\r\nnull';
    for (let cut = 1; cut < frame.length; cut += 1) {
      const { out, violations } = run(100, [frame.slice(0, cut), frame.slice(cut)]);
      expect(violations).toEqual([]);
      expect(out).toBe(frame);
    }
  });

  it('refuses a Content-Length over the limit before reading the body', () => {
    const { out, violations } = run(10, ['Content-Length: 11\r\n\r\n']);
    expect(violations).toEqual(['message of 11 bytes exceeds the limit of 10 bytes']);
    expect(out).toBe('');
  });

  it('reports a body that is not JSON instead of passing it on', () => {
    const { out, violations } = run(100, ['Content-Length: 9\r\n\r\n{notjson}Content-Length: 2\r\n\r\n{}']);
    expect(violations[0]).toMatch(/^message body is not valid JSON/);
    expect(out).toBe('');
  });

  it('refuses a header block that never ends', () => {
    expect(run(10, ['x'.repeat(9000)]).violations[0]).toMatch(/header block longer/);
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
