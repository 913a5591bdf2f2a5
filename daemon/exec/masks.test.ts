import { linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPathGuard } from '../paths/guard.js';
import { CTIME_MARGIN_MS, stillHolds } from './mask-walk.js';
import type { ContainerPool, Lease } from '../containers/pool.js';
import { createExecMasks, findMasks } from './masks.js';

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
    symlinkSync('/.llmr-sock/s', path.join(root, '.env.sock'));
    const set = await findMasks(root, guard());
    // not the symlinks: Docker would mount the mask on their targets (the helper's socket, say);
    // through link.key a command reaches .env, which is masked under its own name
    expect(set.files).toEqual(['.env', 'a/b/.env.local', 'keys/server.key']);
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

  it('changes its version when the host replaces an excluded file by rename, or deletes and recreates it', async () => {
    files(['.env']);
    const first = await findMasks(root, guard());
    writeFileSync(path.join(root, '.env.tmp'), 'NEW');
    renameSync(path.join(root, '.env.tmp'), path.join(root, '.env'));
    const renamed = await findMasks(root, guard());
    expect(renamed.files).toEqual(first.files);
    expect(renamed.version).not.toBe(first.version);
    rmSync(path.join(root, '.env'));
    writeFileSync(path.join(root, 'keep'), 'x'); // the freed inode number is not reused by the next file
    writeFileSync(path.join(root, '.env'), 'NEWER');
    expect((await findMasks(root, guard())).version).not.toBe(renamed.version);
  });

  it('masks a hard link of an excluded file under any name', async () => {
    files(['.env', 'src/ok.ts']);
    linkSync(path.join(root, '.env'), path.join(root, 'src', 'notes.txt'));
    const set = await findMasks(root, guard());
    expect(set.files).toEqual(['.env', 'src/notes.txt']);
  });

  it('holds until a directory it read changes, and never right after a change (coarse timestamps)', async () => {
    files(['src/ok.ts', 'deep/er/x.ts']);
    const recent = await findMasks(root, guard());
    expect(stillHolds(recent)).toBe(false); // the directories changed just now: a change in the same tick could be unseen
    const old = new Date(Date.now() - 10 * CTIME_MARGIN_MS);
    const set = { ...recent, startedAt: Date.now() + 2 * CTIME_MARGIN_MS }; // as if walked well after the last change
    expect(stillHolds(set)).toBe(true);
    utimesSync(path.join(root, 'src', 'ok.ts'), old, old); // a file's content or times: no directory changes
    expect(stillHolds(set)).toBe(true);
    writeFileSync(path.join(root, 'deep', 'er', '.env'), 'S');
    expect(stillHolds(set)).toBe(false);
  });

  it('hands out only a container with the current masks and enough life left for the command', async () => {
    files(['src/ok.ts']);
    const state = mkdtempSync(path.join(os.tmpdir(), 'llmr-masks-state-'));
    try {
      const masks = await createExecMasks(root, guard(), state);
      const m = masks.mounts();
      const now = Math.floor(Date.now() / 1000);
      // FAKE pool (stands in for Docker): hands out the given containers in order, records retirements
      const queue: Lease[] = [
        { id: 'stale', labels: { 'llmr.masks': 'other', 'llmr.expires': String(now + 3600) } },
        { id: 'dying', labels: { 'llmr.masks': m.maskVersion, 'llmr.expires': String(now + 20) } },
        { id: 'good', labels: { 'llmr.masks': m.maskVersion, 'llmr.expires': String(now + 3600) } },
      ].map((l) => ({ ...l, conn: undefined as never, uses: 0, lastUsed: 0 }));
      const retired: string[] = [];
      const pool = {
        acquire: async () => queue.shift() as Lease,
        release: async (l: Lease, destroy?: boolean) => { if (destroy === true) retired.push(l.id); },
      } as unknown as ContainerPool;
      await new Promise((r) => setTimeout(r, 1100)); // the walk's directories are no longer "just changed"
      const lease = await masks.freshLease(pool, new AbortController().signal, 4, 30_000);
      expect(lease.id).toBe('good');
      expect(retired).toEqual(['stale', 'dying']);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
