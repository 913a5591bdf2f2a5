import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatHead, HEAD_FORMAT, HEAD_SAVE_INTERVAL_MS, headFileOf, headSaver, parseHead, readHead, writeHead, type ChainState } from './head.js';
import { GENESIS } from './line.js';

let tmp: string;
let log: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-head-'));
  log = path.join(tmp, 'audit.log');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const HEAD = 'ab'.repeat(32);

describe('audit/head', () => {
  it('formats one JSON line and parses it back', () => {
    const text = formatHead({ lines: 5, head: HEAD });
    expect(text).toBe(`{"format":"${HEAD_FORMAT}","lines":5,"head":"${HEAD}"}\n`);
    expect(parseHead(text)).toEqual({ lines: 5, head: HEAD });
    expect(parseHead(formatHead({ lines: 0, head: GENESIS }))).toEqual({ lines: 0, head: GENESIS });
  });

  it('says what is wrong with a head file that does not parse', () => {
    const json = (o: object): string => JSON.stringify(o);
    expect(parseHead('5 abc')).toEqual({ error: 'not JSON' });
    expect(parseHead('[1]')).toEqual({ error: 'not a JSON object' });
    expect(parseHead(json({ format: HEAD_FORMAT, lines: 1 }))).toEqual({ error: 'expected the keys format, lines and head' });
    expect(parseHead(json({ format: 'v0', lines: 1, head: HEAD }))).toEqual({ error: `format is not ${HEAD_FORMAT}` });
    expect(parseHead(json({ format: HEAD_FORMAT, lines: -1, head: HEAD }))).toEqual({ error: 'lines is not a non-negative integer' });
    expect(parseHead(json({ format: HEAD_FORMAT, lines: 1.5, head: HEAD }))).toEqual({ error: 'lines is not a non-negative integer' });
    expect(parseHead(json({ format: HEAD_FORMAT, lines: 1, head: HEAD.toUpperCase() }))).toEqual({ error: 'head is not 64 hex digits' });
    expect(parseHead(json({ format: HEAD_FORMAT, lines: 0, head: HEAD }))).toEqual({ error: 'a head of 0 lines is not the genesis value' });
  });

  it('writes <log>.head 0600 by rename, leaving no temp file, and reads it back', async () => {
    expect(await readHead(log)).toBeUndefined();
    await writeHead(log, { lines: 2, head: HEAD });
    const before = statSync(headFileOf(log)).ino;
    await writeHead(log, { lines: 3, head: HEAD }, true);
    expect(headFileOf(log)).toBe(`${log}.head`);
    expect(statSync(headFileOf(log)).mode & 0o777).toBe(0o600);
    expect(statSync(headFileOf(log)).ino).not.toBe(before);
    expect(readdirSync(tmp)).toEqual(['audit.log.head']);
    expect(await readHead(log)).toEqual({ lines: 3, head: HEAD });
  });

  it('replaces a symlink at the head path instead of writing through it, and refuses to read one', async () => {
    const outside = path.join(tmp, 'outside');
    writeFileSync(outside, 'keep');
    symlinkSync(outside, headFileOf(log));
    expect(await readHead(log)).toEqual({ error: 'cannot be read: ELOOP' });
    await writeHead(log, { lines: 1, head: HEAD });
    expect(readFileSync(outside, 'utf8')).toBe('keep');
    expect(lstatSync(headFileOf(log)).isFile()).toBe(true);
  });

  it('replaces a temp file or symlink left by a crashed process with our pid, never writing through it', async () => {
    const outside = path.join(tmp, 'outside');
    writeFileSync(outside, 'keep');
    const temp = `${headFileOf(log)}.${process.pid}.tmp`;
    symlinkSync(outside, temp);
    await writeHead(log, { lines: 1, head: HEAD });
    expect(readFileSync(outside, 'utf8')).toBe('keep');
    writeFileSync(temp, 'stale');
    await writeHead(log, { lines: 2, head: HEAD });
    expect(readdirSync(tmp).sort()).toEqual(['audit.log.head', 'outside']);
    expect(await readHead(log)).toEqual({ lines: 2, head: HEAD });
  });

  it('reports a head file that is too large', async () => {
    writeFileSync(headFileOf(log), 'x'.repeat(5000));
    expect(await readHead(log)).toEqual({ error: 'larger than 4096 bytes' });
  });

  it('saves at most once per interval while changes come in, and on flush', async () => {
    let state: ChainState = { lines: 1, head: HEAD };
    let queue = Promise.resolve();
    const saver = headSaver(log, () => state, (task) => { queue = queue.then(task); }, { sync: false });
    saver.changed();
    await new Promise((r) => setTimeout(r, 20));
    await queue;
    expect(await readHead(log)).toEqual({ lines: 1, head: HEAD });
    state = { lines: 2, head: HEAD };
    saver.changed();
    state = { lines: 3, head: HEAD };
    saver.changed();
    await new Promise((r) => setTimeout(r, 10));
    await queue;
    expect(await readHead(log)).toEqual({ lines: 1, head: HEAD }); // the next save waits for the interval
    await new Promise((r) => setTimeout(r, HEAD_SAVE_INTERVAL_MS));
    await queue;
    expect(await readHead(log)).toEqual({ lines: 3, head: HEAD });
    state = { lines: 4, head: HEAD };
    saver.changed();
    await saver.flush();
    expect(await readHead(log)).toEqual({ lines: 4, head: HEAD });
  });
});
