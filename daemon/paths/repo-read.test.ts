import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isInside } from './inside.js';
import { readRepoFile, readRepoText } from './repo-read.js';

describe('paths/repo-read', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-rr-')));
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-rr-out-')));
    writeFileSync(join(outside, 'host.txt'), 'host secret\n');
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads a regular file with its identity', () => {
    writeFileSync(join(root, 'a.txt'), 'hello\n');
    const r = readRepoFile(root, 'a.txt', 100);
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') expect([r.buf.toString(), r.stat.nlink, r.stat.regular]).toEqual(['hello\n', 1, true]);
  });

  it('refuses symlinks (to devices, host files), FIFOs, folders and files over the cap', () => {
    symlinkSync('/dev/zero', join(root, 'zero'));
    symlinkSync(join(outside, 'host.txt'), join(root, 'host'));
    expect(spawnSync('mkfifo', [join(root, 'fifo')]).status).toBe(0);
    mkdirSync(join(root, 'dir'));
    writeFileSync(join(root, 'big'), 'x'.repeat(101));
    for (const rel of ['zero', 'host', 'fifo', 'dir']) expect(readRepoFile(root, rel, 100), rel).toMatchObject({ kind: 'skip', reason: 'not-regular' });
    expect(readRepoFile(root, 'big', 100)).toMatchObject({ kind: 'skip', reason: 'too-large' });
    expect(readRepoText(root, 'zero')).toBeUndefined();
    expect(readRepoFile(root, 'missing', 100)).toEqual({ kind: 'gone' });
  });

  it('refuses a file whose parent folder resolves outside the root, and .. paths', () => {
    symlinkSync(outside, join(root, 'out'));
    expect(readRepoFile(root, 'out/host.txt', 100)).toMatchObject({ kind: 'skip', reason: 'outside-root' });
    expect(readRepoFile(root, '../x/host.txt', 100)).toMatchObject({ kind: 'skip', reason: 'outside-root' });
  });

  it('reads exactly root/rel: a folder swapped for a symlink after its check makes the file gone, not another file', () => {
    writeFileSync(join(root, 'secrets.json'), 'top-level secret\n');
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'secrets.json'), 'harmless\n');
    const cache = new Map<string, boolean>();
    expect(readRepoFile(root, 'sub/secrets.json', 100, cache)).toMatchObject({ kind: 'ok' });
    // a running read-write command swaps `sub` for `sub -> .` between the folder check (cached) and the open
    rmSync(join(root, 'sub'), { recursive: true });
    symlinkSync('.', join(root, 'sub'));
    expect(readRepoFile(root, 'sub/secrets.json', 100, cache)).toEqual({ kind: 'gone' });
    // without the cache too: the walk listed sub/secrets.json while sub was a folder; it is not the top-level file
    expect(readRepoFile(root, 'sub/secrets.json', 100)).toEqual({ kind: 'gone' });
    expect(readRepoFile(root, 'secrets.json', 100)).toMatchObject({ kind: 'ok' });
  });

  it('compares paths by components, not string prefixes', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c')).toBe(false);
    expect(isInside('/a/b', '/a/b/..foo')).toBe(true);
  });
});
