import { describe, expect, it } from 'vitest';
import { Demuxer } from './demux.js';

function dockerFrame(type: number, payload: string): Buffer {
  const head = Buffer.alloc(8);
  head[0] = type;
  head.writeUInt32BE(Buffer.byteLength(payload), 4);
  return Buffer.concat([head, Buffer.from(payload)]);
}

describe('containers/demux', () => {
  it('splits stdout and stderr whatever the chunk boundaries, passing payload pieces on', () => {
    const wire = Buffer.concat([dockerFrame(1, 'hello '), dockerFrame(2, 'oops'), dockerFrame(1, 'world'), dockerFrame(1, '')]);
    for (const size of [1, 3, 7, 8, 9, 64]) {
      const got = { stdout: '', stderr: '' };
      const d = new Demuxer((s, data) => { got[s] += data.toString(); });
      for (let i = 0; i < wire.length; i += size) d.push(wire.subarray(i, i + size));
      expect(got, `chunks of ${size}`).toEqual({ stdout: 'hello world', stderr: 'oops' });
    }
  });

  it('hands a payload that fills a whole chunk on without copying it', () => {
    const payload = Buffer.alloc(1 << 16, 0x61);
    const seen: Buffer[] = [];
    const d = new Demuxer((_, data) => seen.push(data));
    const head = dockerFrame(1, '').subarray(0, 8);
    head.writeUInt32BE(payload.length, 4);
    d.push(head);
    d.push(payload);
    expect(seen[0]).toBe(payload);
  });

  it('refuses a stream that is out of step instead of passing it through as stdout', () => {
    const d = new Demuxer(() => undefined);
    expect(() => d.push(Buffer.from('not a multiplexed stream'))).toThrow(expect.objectContaining({ code: 'CONTAINER_FAILED' }));
  });
});
