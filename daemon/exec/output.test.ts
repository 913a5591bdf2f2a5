import { describe, expect, it } from 'vitest';
import { OutputCollector, omissionMarker } from './output.js';

const final = (o: Partial<{ omittedStdout: number; omittedStderr: number; stdoutTail: Buffer; stderrTail: Buffer }>) => ({
  exitCode: 0, omittedStdout: 0, omittedStderr: 0, stdoutTail: Buffer.alloc(0), stderrTail: Buffer.alloc(0), ...o,
});

describe('exec/output', () => {
  it('joins head and tail without a marker when nothing was dropped, even inside a UTF-8 character', () => {
    const c = new OutputCollector();
    const smile = Buffer.from('🌍');
    c.add('stdout', Buffer.concat([Buffer.from('a'), smile.subarray(0, 2)]));
    expect(c.finish(final({ stdoutTail: smile.subarray(2) })).stdout).toBe('a🌍');
  });

  it('cuts the middle with a marker saying how many bytes were left out', () => {
    const c = new OutputCollector();
    c.add('stderr', Buffer.from('HEAD'));
    const r = c.finish(final({ omittedStderr: 1234, stderrTail: Buffer.from('TAIL') }));
    expect(r.stderr).toBe(`HEAD${omissionMarker(1234)}TAIL`);
    expect(r.stderr).toContain('1234 bytes omitted');
    expect(r.omitted).toBe(1234);
  });
});
