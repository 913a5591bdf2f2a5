import { chownSync, readlinkSync, statSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffTrees, Mirror, walkTree } from './snapshot.js';
import { saveRecord, undoLatest } from './undo.js';

const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const tmp: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'llmr-snap-'));
  tmp.push(d);
  return d;
};
afterEach(() => { for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true }); });
const opts = { isExcluded: (rel: string) => rel === '.env', maxEntries: 1000 };

describe('exec/snapshot', () => {
  it('keeps the old content of a file rewritten in place (a hard-linked backup would not) and undoes the run', async () => {
    const root = tempDir();
    const state = tempDir();
    writeFileSync(path.join(root, 'a.txt'), 'old a\n');
    writeFileSync(path.join(root, 'gone.txt'), 'gone\n');
    writeFileSync(path.join(root, '.env'), 'SECRET\n');
    mkdirSync(path.join(root, '.git'));
    const mirror = new Mirror(path.join(state, 'mirror'), { maxFileBytes: 1 << 20, maxTotalBytes: 1 << 24 });
    const before = await walkTree(root, opts);
    expect([...before.keys()].sort()).toEqual(['a.txt', 'gone.txt']);
    expect((await mirror.sync(root, before)).copied).toBe(2);
    expect((await mirror.sync(root, before)).copied).toBe(0);

    writeFileSync(path.join(root, 'a.txt'), 'new a, longer\n'); // O_TRUNC on the same inode
    unlinkSync(path.join(root, 'gone.txt'));
    writeFileSync(path.join(root, 'made.txt'), 'made\n');
    symlinkSync('/etc/passwd', path.join(root, 'link'));
    const after = await walkTree(root, opts);
    const changes = diffTrees(before, after);
    expect(changes).toEqual({ created: ['link', 'made.txt'], changed: ['a.txt'], deleted: ['gone.txt'] });

    const runs = path.join(state, 'runs');
    await saveRecord(runs, mirror, { id: '1', command: 'x', at: '', changes }, before, after);
    const out = await undoLatest(root, runs, owner);
    expect(out).toMatchObject({ restored: ['a.txt', 'gone.txt'], removed: ['made.txt', 'link'], skipped: [] });
    expect(readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('old a\n');
    expect(readFileSync(path.join(root, 'gone.txt'), 'utf8')).toBe('gone\n');
    expect(existsSync(path.join(root, 'made.txt'))).toBe(false);
    await expect(undoLatest(root, runs, owner)).rejects.toMatchObject({ code: 'NOTHING_TO_RESTORE' });
  });

  it('restores a symlink the command replaced without touching its target', async () => {
    const root = tempDir();
    const state = tempDir();
    const target = path.join(tempDir(), 'target');
    writeFileSync(target, 'T');
    chownSync(target, 4242, 4242);
    symlinkSync(target, path.join(root, 'l'));
    const mirror = new Mirror(path.join(state, 'mirror'), { maxFileBytes: 1 << 20, maxTotalBytes: 1 << 24 });
    const before = await walkTree(root, opts);
    await mirror.sync(root, before);
    unlinkSync(path.join(root, 'l'));
    const after = await walkTree(root, opts);
    await saveRecord(path.join(state, 'runs'), mirror, { id: '1', command: 'x', at: '', changes: diffTrees(before, after) }, before, after);
    expect((await undoLatest(root, path.join(state, 'runs'), { uid: 1000, gid: 1000 })).restored).toEqual(['l']);
    expect(readlinkSync(path.join(root, 'l'))).toBe(target);
    expect(statSync(target).uid).toBe(4242);
  });

  it('leaves a path changed again after the command alone', async () => {
    const root = tempDir();
    const state = tempDir();
    writeFileSync(path.join(root, 'a.txt'), 'one\n');
    const mirror = new Mirror(path.join(state, 'mirror'), { maxFileBytes: 1 << 20, maxTotalBytes: 1 << 24 });
    const before = await walkTree(root, opts);
    await mirror.sync(root, before);
    writeFileSync(path.join(root, 'a.txt'), 'two\n');
    const after = await walkTree(root, opts);
    await saveRecord(path.join(state, 'runs'), mirror, { id: '1', command: 'x', at: '', changes: diffTrees(before, after) }, before, after);
    writeFileSync(path.join(root, 'a.txt'), 'three, by the model\n');
    const out = await undoLatest(root, path.join(state, 'runs'), owner);
    expect(out.skipped).toEqual(['a.txt (changed since)']);
    expect(readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe('three, by the model\n');
  });
});
