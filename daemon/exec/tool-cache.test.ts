import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createToolCache, treeBytes } from './tool-cache.js';

const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const tmp: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'llmr-toolcache-'));
  tmp.push(d);
  return d;
};
afterEach(() => { for (const d of tmp.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('exec/tool-cache', () => {
  it('empties a cache that a command filled past its cap before the next command', async () => {
    const dir = path.join(tempDir(), 'tool-cache');
    const cache = await createToolCache(dir, owner, 1000);
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(4000));
    await cache.beforeCommand();
    expect(readdirSync(dir)).toEqual(['big']); // not measured yet: the command that filled it has not ended
    cache.afterCommand();
    await cache.beforeCommand();
    expect(readdirSync(dir)).toEqual([]);
    expect(cache.bytes()).toBe(0);
  });

  it('walks at most once per gap after back-to-back commands, and once more after the last of them', async () => {
    const dir = path.join(tempDir(), 'tool-cache');
    const cache = await createToolCache(dir, owner, 1000, 300);
    cache.afterCommand(); // the first walk starts at once
    await cache.beforeCommand();
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(4000));
    cache.afterCommand(); // within the gap: the walk is due later, not now
    await cache.beforeCommand();
    expect(readdirSync(dir)).toEqual(['big']);
    expect(cache.bytes()).toBe(0);
    await new Promise((r) => setTimeout(r, 450));
    expect(cache.bytes()).toBe(4000); // the trailing walk saw what the last command wrote
    await cache.beforeCommand();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps a cache under its cap and counts regular files only, never through a symlink', async () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'victim'), Buffer.alloc(5000));
    const dir = path.join(tempDir(), 'tool-cache');
    const cache = await createToolCache(dir, owner, 10_000);
    writeFileSync(path.join(dir, 'small'), Buffer.alloc(100));
    symlinkSync(outside, path.join(dir, 'link'));
    expect(await treeBytes(dir)).toBe(100);
    cache.afterCommand();
    await cache.beforeCommand();
    expect(readdirSync(dir).sort()).toEqual(['link', 'small']);
    expect(await cache.clear()).toBe(100);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(path.join(outside, 'victim'))).toBe(true);
  });

  it('empties by renaming aside (a folder a command swaps for a symlink is never followed) and removes the old cache only at close', async () => {
    const outside = tempDir();
    writeFileSync(path.join(outside, 'victim'), 'keep');
    const base = tempDir();
    const dir = path.join(base, 'tool-cache');
    const cache = await createToolCache(dir, owner, 10);
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(100));
    symlinkSync(outside, path.join(dir, 'x')); // what a racing command would leave where a folder was
    await cache.clear();
    expect(readdirSync(dir)).toEqual([]);
    const aside = readdirSync(base).filter((n) => n.startsWith('tool-cache.emptied-'));
    expect(aside).toHaveLength(1);
    expect(readdirSync(path.join(base, aside[0])).sort()).toEqual(['big', 'x']); // nothing deleted while containers may run
    await cache.removeEmptied();
    expect(readdirSync(base)).toEqual(['tool-cache']);
    expect(readdirSync(outside)).toEqual(['victim']);
  });
});
