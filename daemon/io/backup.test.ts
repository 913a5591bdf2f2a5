import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKUPS_PER_FILE, backupsPruned, removeBackup, saveBackup } from './backup.js';

let dir: string | undefined;
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe('io/backup', () => {
  it('keeps only the newest backups of a file and leaves other files alone', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'llmr-state-'));
    await saveBackup(dir, 'ws1', 'a.ts.bak', Buffer.from('other'), new Date('2026-01-01T00:00:00.000Z'));
    for (let i = 0; i < BACKUPS_PER_FILE + 5; i += 1) {
      await saveBackup(dir, 'ws1', 'a.ts', Buffer.from(`v${i}`), new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    }
    await backupsPruned();
    const names = readdirSync(path.join(dir, 'backups', 'ws1'));
    const mine = names.filter((n) => /^a\.ts\.\d/.test(n)).sort();
    expect(mine).toHaveLength(BACKUPS_PER_FILE);
    expect(readFileSync(path.join(dir, 'backups', 'ws1', mine[0]), 'utf8')).toBe('v5');
    expect(names.filter((n) => n.startsWith('a.ts.bak.'))).toHaveLength(1);
  });

  it('keeps each previous content as its own private file in the state directory', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'llmr-state-'));
    const now = new Date('2026-11-27T03:17:42.123Z');
    const a = await saveBackup(dir, 'ws1', 'src/a.ts', Buffer.from('one'), now);
    const b = await saveBackup(dir, 'ws1', 'src/a.ts', Buffer.from('two'), now);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^backups\/ws1\/src\/a\.ts\.20261127T031742123Z-\d{3}$/);
    expect(readFileSync(path.join(dir, a), 'utf8')).toBe('one');
    expect(readFileSync(path.join(dir, b), 'utf8')).toBe('two');
    expect(statSync(path.join(dir, a)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'backups', 'ws1')).mode & 0o777).toBe(0o700);
  });

  it('keeps its count exact when io/undo removes backups, and lists again when one was removed by hand', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'llmr-state-'));
    const at = (i: number): Date => new Date(Date.UTC(2026, 0, 2, 0, 0, i));
    const ids: string[] = [];
    for (let i = 0; i < BACKUPS_PER_FILE; i += 1) ids.push(await saveBackup(dir, 'ws1', 'b.ts', Buffer.from(`v${i}`), at(i)));
    removeBackup(dir, ids[BACKUPS_PER_FILE - 1]); // what undo does with the newest
    await saveBackup(dir, 'ws1', 'b.ts', Buffer.from('next'), at(100));
    await backupsPruned();
    const mine = (): string[] => readdirSync(path.join(dir as string, 'backups', 'ws1')).filter((n) => n.startsWith('b.ts.')).sort();
    expect(mine()).toHaveLength(BACKUPS_PER_FILE); // none pruned: the removed one made room
    expect(readFileSync(path.join(dir, ids[0]), 'utf8')).toBe('v0');
    rmSync(path.join(dir, ids[0])); // by hand: the oldest, which the next prune would remove
    await saveBackup(dir, 'ws1', 'b.ts', Buffer.from('after'), at(101));
    await backupsPruned(); // the failed unlink drops the stale listing
    await saveBackup(dir, 'ws1', 'b.ts', Buffer.from('again'), at(102));
    await backupsPruned();
    expect(mine()).toHaveLength(BACKUPS_PER_FILE);
    expect(readFileSync(path.join(dir, 'backups', 'ws1', mine()[BACKUPS_PER_FILE - 1]), 'utf8')).toBe('again');
  });
});
