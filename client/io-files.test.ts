import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../protocol/errors.js';
import { describeFileError, openInput, openOutput } from './io-files.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmr-io-files-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): LlmrError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LlmrError) return err;
    throw err;
  }
  throw new Error('expected an LlmrError');
}

describe('client/io-files', () => {
  it('names a missing input file in words, as a usage error', () => {
    const file = join(dir, 'missing.txt');
    const err = thrown(() => openInput(file));
    expect([err.code, err.message]).toEqual(['USAGE', `cannot read input file ${file}: no such file`]);
  });

  it('names an output file in a missing directory in words', () => {
    const file = join(dir, 'no', 'out.txt');
    const err = thrown(() => openOutput(file, new PassThrough()));
    expect([err.code, err.message]).toEqual(['USAGE', `cannot write output file ${file}: no such directory`]);
  });

  it('says an output path that is a directory is one', () => {
    expect(thrown(() => openOutput(dir, new PassThrough())).message).toBe(`cannot write output file ${dir}: is a directory`);
  });

  it('writes an output file and leaves unknown error codes as they are', () => {
    const file = join(dir, 'out.txt');
    const out = openOutput(file, new PassThrough());
    out.write('a');
    out.write('b');
    out.close();
    expect(readFileSync(file, 'utf8')).toBe('ab');
    expect(describeFileError(Object.assign(new Error('x'), { code: 'EWEIRD' }), 'read')).toBe('EWEIRD');
    expect(describeFileError(Object.assign(new Error('x'), { code: 'EACCES' }), 'write')).toBe('permission denied');
  });
});
