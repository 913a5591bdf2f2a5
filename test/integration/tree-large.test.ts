/**
 * io/list and search/grep on a 200,000-file tree and on symlink loops: bounded work, a note of
 * what was left out, no hang. Host-side only (these operations read directory entries on the host).
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grepRepository } from '../../daemon/grep/grep.js';
import type { RequestContext } from '../../daemon/rpc/handle.js';
import { listDirectory } from '../../daemon/tree/list.js';

const audit = { record: () => undefined, flush: async () => undefined, path: '/dev/null' };
const ctx: RequestContext = { signal: new AbortController().signal, log: pino({ level: 'silent' }), session: 't', notify: () => undefined };
let root: string;

beforeAll(() => {
  // tmpfs when there is one: 200,000 files on an overlay disk take minutes to create
  root = realpathSync(mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'llmr-big-')));
  for (let d = 0; d < 400; d++) {
    const dir = path.join(root, `d${d}`);
    mkdirSync(dir);
    for (let f = 0; f < 500; f++) writeFileSync(path.join(dir, `f${f}.txt`), '');
  }
  writeFileSync(path.join(root, 'd0', 'needle.txt'), 'the needle\n');
  symlinkSync('..', path.join(root, 'd1', 'up'));
  symlinkSync('.', path.join(root, 'self'));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('integration/tree-large', () => {
  it('lists a 200,000-file tree within its budget, with a note of what was left out', async () => {
    const t = performance.now();
    const r = await listDirectory({ root, isHidden: () => false, audit }, { root, depth: 5 }, ctx);
    expect(performance.now() - t).toBeLessThan(20_000);
    expect(r.entries).toHaveLength(1000);
    expect(r.truncated).toBe(true);
    expect(r.note).toMatch(/more entries not shown \(limit 1000\).*walk stopped after 100000 entries/);
  }, 60_000);

  it('greps a 200,000-file tree within its budget without following symlink loops', async () => {
    const t = performance.now();
    const r = await grepRepository({ root, isHidden: () => false, maxFileSize: 1 << 20, audit }, { root, pattern: 'needle' }, ctx);
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(r.files.map((f) => f.path)).toEqual(['d0/needle.txt']);
    expect(r.truncated).toBe(true);
    expect(r.note).toMatch(/work budget ran out|walk stopped after 200000 entries/);
  }, 60_000);
});
