import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPathGuard } from '../paths/guard.js';
import { findMasks } from './masks.js';

let root: string;
beforeEach(() => { root = mkdtempSync(path.join(os.tmpdir(), 'llmr-masks-')); });
afterEach(() => rmSync(root, { recursive: true, force: true }));

const guard = () => createPathGuard({ root, excluded: ['.git', '.env*', '*.key'], protectedPaths: [] });
function files(list: string[]): void {
  for (const rel of list) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), 'x');
  }
}

describe('exec/masks', () => {
  it('finds excluded files at any depth, excluded directories once, and temp files of interrupted writes', async () => {
    files(['.env', 'a/b/.env.local', 'keys/server.key', '.git/config', 'src/ok.ts', 'src/.x.ts.llmr-12-3.tmp']);
    symlinkSync('.env', path.join(root, 'link.key'));
    const set = await findMasks(root, guard());
    expect(set.files).toEqual(['.env', 'a/b/.env.local', 'keys/server.key', 'link.key']);
    expect(set.dirs).toEqual(['.git']);
    expect(set.staleTemps).toEqual(['src/.x.ts.llmr-12-3.tmp']);
    expect(set.complete).toBe(true);
  });

  it('changes its version when an excluded file appears', async () => {
    files(['src/ok.ts']);
    const before = await findMasks(root, guard());
    files(['src/.env.new']);
    expect((await findMasks(root, guard())).version).not.toBe(before.version);
  });

  it('reports itself incomplete instead of silently skipping what it did not walk', async () => {
    files(Array.from({ length: 30 }, (_, i) => `d${i}/f.txt`).concat(['deep/.env']));
    const set = await findMasks(root, guard(), 20);
    expect(set.complete).toBe(false);
    expect(set.reason).toMatch(/more than 20 files and directories/);
  });
});
