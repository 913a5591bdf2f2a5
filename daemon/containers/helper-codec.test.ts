import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import {
  FrameDecoder,
  MAX_FRAME_BYTES,
  decodeAnswer,
  decodeExecExit,
  decodePong,
  decodeReadAnswer,
  decodeWriteAnswer,
  encodeExec,
  encodeFrame,
  encodeRead,
  encodeWrite,
  helperError,
  isFinalFrame,
  type Frame,
} from './helper-codec.js';

function decodeAll(buf: Buffer): Frame[] {
  return new FrameDecoder().push(buf);
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LlmrError);
    return (err as LlmrError).code;
  }
  throw new Error('expected an error');
}

describe('containers/helper-codec', () => {
  it('encodes the exact byte layout of a frame', () => {
    const buf = encodeFrame('R', ['ab', Buffer.from([0, 255])]);
    expect([...buf]).toEqual([0, 0, 0, 13, 0x52, 0, 0, 0, 2, 0x61, 0x62, 0, 0, 0, 2, 0, 255]);
  });

  it('encodes a frame with no fields and empty fields', () => {
    expect([...encodeFrame('P', [])]).toEqual([0, 0, 0, 1, 0x50]);
    const [frame] = decodeAll(encodeFrame('K', ['', 'x', '']));
    expect(frame.fields.map((f) => f.toString())).toEqual(['', 'x', '']);
  });

  it('round-trips binary, NUL, CRLF and UTF-8 fields byte for byte', () => {
    const binary = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x0d, 0x0a, 0]);
    const [frame] = decodeAll(encodeFrame('W', ['dir/ü €.txt', binary, '644']));
    expect(frame.type).toBe('W');
    expect(frame.fields[0].toString('utf8')).toBe('dir/ü €.txt');
    expect(frame.fields[1].equals(binary)).toBe(true);
  });

  it('decodes frames split at every byte boundary', () => {
    const stream = Buffer.concat([encodeFrame('o', ['hello']), encodeFrame('e', ['']), encodeFrame('x', ['0', '0', '0', 'a', 'b'])]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(frames.map((f) => f.type).join('')).toBe('oex');
      expect(d.pending).toBe(0);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const stream = Buffer.concat([encodeFrame('K', ['pong', '1']), encodeFrame('K', ['3', 'abc'])]);
    const d = new FrameDecoder();
    const frames: Frame[] = [];
    for (const byte of stream) frames.push(...d.push(Buffer.from([byte])));
    expect(frames).toHaveLength(2);
    expect(decodeReadAnswer(frames[1]).content.toString()).toBe('abc');
  });

  it('rejects a frame longer than 64 MiB before buffering it', () => {
    const d = new FrameDecoder();
    const header = Buffer.alloc(5);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(codeOf(() => d.push(header))).toBe('CONTAINER_FAILED');
    expect(codeOf(() => d.push(encodeFrame('P', [])))).toBe('CONTAINER_FAILED');
  });

  it('accepts a frame of exactly the limit', () => {
    const d = new FrameDecoder();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES, 0);
    expect(d.push(header)).toEqual([]);
    expect(d.pending).toBe(4);
  });

  it('rejects malformed fields and an empty frame', () => {
    const truncatedField = Buffer.from([0, 0, 0, 4, 0x4b, 0, 0, 9]);
    expect(codeOf(() => decodeAll(truncatedField))).toBe('CONTAINER_FAILED');
    const fieldPastEnd = Buffer.from([0, 0, 0, 6, 0x4b, 0, 0, 0, 5, 0x61]);
    expect(codeOf(() => decodeAll(fieldPastEnd))).toBe('CONTAINER_FAILED');
    expect(codeOf(() => decodeAll(Buffer.from([0, 0, 0, 0])))).toBe('CONTAINER_FAILED');
  });

  it('refuses to encode a frame over the limit or a multi-byte type', () => {
    expect(codeOf(() => encodeFrame('W', [Buffer.alloc(MAX_FRAME_BYTES)]))).toBe('INTERNAL');
    expect(codeOf(() => encodeFrame('KK', []))).toBe('INTERNAL');
  });

  it('encodes read, write and exec requests with decimal and octal numbers', () => {
    expect(decodeAll(encodeRead('a/b.ts', 1048576, '2049:18446744073709551615'))[0].fields.map(String)).toEqual(['a/b.ts', '1048576', '2049:18446744073709551615']);
    expect(decodeAll(encodeRead('usr/bin/go', 0))[0].fields.map(String)).toEqual(['usr/bin/go', '0', '']); // a probe: no identity
    const anchor = { depth: 1, id: '66:12' };
    expect(decodeAll(encodeWrite('a/x', 'y', anchor, 0o755))[0].fields.map(String)).toEqual(['a/x', 'y', '755', '1', '66:12']);
    expect(decodeAll(encodeWrite('x', 'y', { depth: 0, id: '66:2' }))[0].fields.map(String)).toEqual(['x', 'y', '', '0', '66:2']);
    const exec = decodeAll(encodeExec({ cwd: '', maxOutputBytes: 100, stdin: 'in', env: { PATH: '/bin', A: 'b=c' }, argv: ['go', 'test', './...'] }))[0];
    expect(exec.type).toBe('X');
    expect(exec.fields.map(String)).toEqual(['', '100', 'in', '2', 'PATH=/bin', 'A=b=c', 'go', 'test', './...']);
  });

  it('refuses invalid request arguments', () => {
    expect(codeOf(() => encodeRead('a', -1))).toBe('INTERNAL');
    expect(codeOf(() => encodeRead('a', 1.5))).toBe('INTERNAL');
    expect(codeOf(() => encodeWrite('a', '', { depth: 0, id: '1:2' }, 0o10000))).toBe('INTERNAL');
    for (const id of ['', '1', '1:', ':2', '-1:2', '1:2:3', '1:2 ', 'a:b']) {
      expect(codeOf(() => encodeRead('a', 1, id)), id).toBe('INTERNAL');
      expect(codeOf(() => encodeWrite('a', '', { depth: 0, id })), id).toBe('INTERNAL');
    }
    expect(codeOf(() => encodeWrite('a', '', { depth: -1, id: '1:2' }))).toBe('INTERNAL');
    expect(codeOf(() => encodeExec({ cwd: '', maxOutputBytes: 1, stdin: '', env: {}, argv: [] }))).toBe('INTERNAL');
    expect(codeOf(() => encodeExec({ cwd: '', maxOutputBytes: 1, stdin: '', env: { 'A=B': 'c' }, argv: ['x'] }))).toBe('INTERNAL');
  });

  it('maps helper error codes to llmr codes', () => {
    const cases: Array<[string, string]> = [
      ['FILE_NOT_FOUND', 'FILE_NOT_FOUND'],
      ['IS_DIRECTORY', 'IS_DIRECTORY'],
      ['FILE_TOO_LARGE', 'FILE_TOO_LARGE'],
      ['PERMISSION_DENIED', 'PERMISSION_DENIED'],
      ['PATH_INVALID', 'PATH_INVALID'],
      ['PATH_CHANGED', 'PATH_CHANGED'],
      ['NO_SPACE', 'CONTAINER_FAILED'],
      ['IO_ERROR', 'CONTAINER_FAILED'],
      ['BAD_REQUEST', 'CONTAINER_FAILED'],
      ['COMMAND_NOT_FOUND', 'COMMAND_NOT_FOUND'],
      ['EXEC_FAILED', 'EXEC_FAILED'],
      ['SOMETHING_NEW', 'CONTAINER_FAILED'],
    ];
    for (const [helper, llmr] of cases) {
      const err = helperError({ type: 'E', fields: [Buffer.from(helper), Buffer.from('msg')] });
      expect(err.code).toBe(llmr);
      expect(err.message).toBe('msg');
    }
  });

  it('turns K answers into values and E answers into errors', () => {
    expect(decodePong({ type: 'K', fields: [Buffer.from('pong'), Buffer.from('1')] })).toEqual({ version: '1' });
    expect(decodeWriteAnswer({ type: 'K', fields: [Buffer.from('CREATED'), Buffer.from('12')] })).toEqual({ action: 'CREATED', bytesWritten: 12 });
    expect(codeOf(() => decodeAnswer({ type: 'E', fields: [Buffer.from('IS_DIRECTORY'), Buffer.from('d')] }))).toBe('IS_DIRECTORY');
    expect(codeOf(() => decodeAnswer({ type: 'o', fields: [] }))).toBe('CONTAINER_FAILED');
    expect(codeOf(() => decodeReadAnswer({ type: 'K', fields: [Buffer.from('x1'), Buffer.from('')] }))).toBe('CONTAINER_FAILED');
    expect(codeOf(() => decodeWriteAnswer({ type: 'K', fields: [Buffer.from('MOVED'), Buffer.from('1')] }))).toBe('CONTAINER_FAILED');
  });

  it('decodes the exec exit frame and tells final frames from chunks', () => {
    const frame: Frame = { type: 'x', fields: ['137', '5', '0', 'tail', ''].map((s) => Buffer.from(s)) };
    const exit = decodeExecExit(frame);
    expect(exit).toMatchObject({ exitCode: 137, omittedStdout: 5, omittedStderr: 0 });
    expect(exit.stdoutTail.toString()).toBe('tail');
    expect(isFinalFrame(frame)).toBe(true);
    expect(isFinalFrame({ type: 'o', fields: [] })).toBe(false);
    expect(codeOf(() => decodeExecExit({ type: 'E', fields: [Buffer.from('COMMAND_NOT_FOUND'), Buffer.from('nope')] }))).toBe('COMMAND_NOT_FOUND');
  });
});
