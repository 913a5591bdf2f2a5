import { describe, expect, it } from 'vitest';
import { TAIL_MIN_CHARS, Utf8Text, decodeBody, decodeOrThrow, encodeBody } from './wire.js';

const body = (parts: Buffer[]): Buffer => Buffer.concat(parts);
const multibyte = 'añ€😀 ligne\n'.repeat(5000); // 1, 2, 3 and 4-byte UTF-8 sequences

describe('protocol/wire', () => {
  it('sends Utf8Text as raw bytes after a NUL, and decodes it back to the same string', () => {
    const bytes = Buffer.from(multibyte, 'utf8');
    const msg = { jsonrpc: '2.0', id: 3, result: { path: 'a.txt', content: new Utf8Text(bytes), size: bytes.length } };
    const parts = encodeBody(msg, true);
    expect(parts).toHaveLength(3);
    expect(parts[2]).toBe(bytes); // the very buffer: not copied, not escaped
    const wire = body(parts);
    expect(wire.indexOf(0)).toBe(parts[0].length);
    expect(JSON.parse(parts[0].toString())).toEqual({ jsonrpc: '2.0', id: 3, result: { path: 'a.txt', content: { $tail: [0, bytes.length] }, size: bytes.length } });
    expect(decodeOrThrow(wire, true)).toEqual({ jsonrpc: '2.0', id: 3, result: { path: 'a.txt', content: multibyte, size: bytes.length } });
  });

  it('gives a plain JSON client the same message as a JSON string', () => {
    const msg = { id: 1, result: { content: new Utf8Text(Buffer.from(multibyte)) } };
    const [only, ...rest] = encodeBody(msg, false);
    expect(rest).toEqual([]);
    expect(only.includes(0)).toBe(false);
    expect(JSON.parse(only.toString('utf8'))).toEqual({ id: 1, result: { content: multibyte } });
    expect(String(new Utf8Text(Buffer.from('plain ascii')))).toBe('plain ascii');
  });

  it('puts long strings of a request in the tail only when asked to, short ones stay in the JSON', () => {
    const long = 'x'.repeat(TAIL_MIN_CHARS);
    const short = 'y'.repeat(TAIL_MIN_CHARS - 1);
    const msg = { jsonrpc: '2.0', id: 'w', method: 'io/write', params: { path: short, content: long, edits: [{ old: multibyte, new: 'z' }] } };
    const parts = encodeBody(msg, true, true);
    expect(parts).toHaveLength(4);
    expect(JSON.parse(parts[0].toString()).params).toEqual({ path: short, content: { $tail: [0, long.length] }, edits: [{ old: { $tail: [long.length, Buffer.byteLength(multibyte)] }, new: 'z' }] });
    expect(decodeOrThrow(body(parts), true)).toEqual(msg);
    expect(encodeBody(msg, true, false)).toHaveLength(1); // without `strings`: nothing to put in a tail
  });

  it('decodes a plain JSON body with or without tails allowed, and a frame with nothing in its tail', () => {
    const plain = Buffer.from('{"jsonrpc":"2.0","id":1,"result":{"content":"a\\u0000b"}}');
    expect(decodeOrThrow(plain, true)).toEqual({ jsonrpc: '2.0', id: 1, result: { content: 'a\u0000b' } });
    expect(decodeOrThrow(plain, false)).toEqual(decodeOrThrow(plain, true));
    expect(decodeOrThrow(Buffer.from('{"a":[1,{"b":2}]}\u0000'), true)).toEqual({ a: [1, { b: 2 }] });
    expect(decodeOrThrow(new Uint8Array(Buffer.from('{"a":{"$tail":[0,3]}}\u0000abc')), true)).toEqual({ a: 'abc' });
  });

  it('refuses a NUL when tails are not allowed, as invalid JSON', () => {
    const d = decodeBody(Buffer.from('{"a":{"$tail":[0,1]}}\u0000a'), false);
    expect(d).toMatchObject({ ok: false, id: null, problem: expect.stringMatching(/^message body is not valid JSON/) });
  });

  it('names what is wrong with a malformed tail and keeps the request id', () => {
    const cases: [string, Buffer, RegExp][] = [
      ['{"id":1,"a":{"$tail":[0,5]}}', Buffer.from('abc'), /placeholder \[0, 5\] reaches past the end of the 3-byte tail/],
      ['{"id":1,"a":{"$tail":[4,0]}}', Buffer.from('abc'), /reaches past the end/],
      ['{"id":1,"a":{"$tail":[0]}}', Buffer.from('abc'), /not \[offset, length\]/],
      ['{"id":1,"a":{"$tail":[0.5,1]}}', Buffer.from('abc'), /not \[offset, length\]/],
      ['{"id":1,"a":{"$tail":[0,1e300]}}', Buffer.from('abc'), /not \[offset, length\]/],
      ['{"id":1,"a":{"$tail":null}}', Buffer.from('abc'), /not \[offset, length\]/],
      ['{"id":1,"a":{"$tail":[0,2]}}', Buffer.from([0xff, 0xfe]), /not valid UTF-8/],
      ['{"id":1,"a":{"$tail":[0,1]}}', Buffer.from([0xe2, 0x82, 0xac]), /not valid UTF-8/], // a cut multibyte sequence
    ];
    for (const [head, tail, problem] of cases) {
      const d = decodeBody(Buffer.concat([Buffer.from(head), Buffer.from([0]), tail]), true);
      expect(d, head).toMatchObject({ ok: false, id: 1, problem: expect.stringMatching(problem) });
    }
    const twice = decodeBody(Buffer.from('{"id":2,"a":{"$tail":[0,3]},"b":{"$tail":[0,3]}}\u0000abc'), true);
    expect(twice).toMatchObject({ ok: false, id: 2, problem: 'message tail: placeholders claim more than the 3 bytes of the tail' });
    const deep = `${'['.repeat(100)}{"$tail":[0,1]}${']'.repeat(100)}`;
    expect(decodeBody(Buffer.from(`${deep}\u0000a`), true)).toMatchObject({ ok: false, problem: expect.stringMatching(/nested deeper/) });
    expect(() => decodeOrThrow(Buffer.from('{"$tail":[9,9]}\u0000'), true)).toThrow(expect.objectContaining({ code: 'PARSE_ERROR' }));
  });

  it('leaves objects that only look like placeholders alone in plain JSON', () => {
    expect(decodeOrThrow(Buffer.from('{"a":{"$tail":[0,1]}}'), true)).toEqual({ a: { $tail: [0, 1] } });
  });
});
