import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compilePatterns } from '../paths/exclusions.js';
import { createReadWrite } from './rw.js';

const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const temps: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'llmr-rw-'));
  temps.push(d);
  return d;
};
afterEach(() => { for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true }); });

function repo(files: Record<string, string>): string {
  const root = temp();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const excluded = compilePatterns(['.env*', 'config/master.key'], 'excluded', { backups: true });
const rwFor = (root: string) => createReadWrite({
  root, dir: path.join(temp(), 'undo'), owner, isExcluded: (rel) => excluded.match(rel) !== undefined,
  isExcludedByName: (rel) => excluded.matchName(path.posix.basename(rel)) !== undefined, isProtected: () => false,
});

describe('exec/rw', () => {
  it('refuses to run a read-write command when a nested file is excluded only by its folder\'s path (mv of the folder would unmask it)', async () => {
    let ran = false;
    const rw = rwFor(repo({ 'a.txt': 'x', 'config/master.key': 'SECRET=1' }));
    await expect(rw.around('mv config c2', async () => { ran = true; })).rejects.toMatchObject({ code: 'COMMAND_DISABLED', message: expect.stringContaining('config/master.key') });
    expect(ran).toBe(false);
  });

  it('runs one when a nested file is excluded by its name (it stays excluded under any folder)', async () => {
    const rw = rwFor(repo({ 'a.txt': 'x', 'config/.env.production': 'SECRET=1' }));
    const out = await rw.around('true', async () => 'done');
    expect(out.value).toBe('done');
  });

  it('runs one when excluded files sit at the top (their masks are mount points a command cannot rename)', async () => {
    const rw = rwFor(repo({ 'a.txt': 'x', '.env': 'SECRET=1' }));
    const out = await rw.around('true', async () => 'done');
    expect(out.value).toBe('done');
    expect(out.changes.counts).toEqual({ created: 0, changed: 0, deleted: 0 });
  });

  it('removes excluded paths the command created and lists them as refused, and keeps those a renamed folder took along', async () => {
    const root = repo({ 'a.txt': 'x', 'pkg/.env.test': 'SECRET=1' });
    const rw = rwFor(root);
    const out = await rw.around('plant', async () => {
      mkdirSync(path.join(root, 'sub', '.env.d'), { recursive: true }); // an excluded folder, with content
      writeFileSync(path.join(root, 'sub', '.env.d', 'config'), '[core]\n\tfsmonitor = "touch /tmp/pwned"\n');
      writeFileSync(path.join(root, '.env.local'), 'EVIL=1');
      writeFileSync(path.join(root, 'b.txt'), 'new');
      renameSync(path.join(root, 'pkg'), path.join(root, 'pkg2')); // its .env.test moves along
    });
    expect(out.changes.refused).toEqual(['.env.local', 'sub/.env.d']);
    expect(existsSync(path.join(root, 'sub', '.env.d'))).toBe(false);
    expect(existsSync(path.join(root, '.env.local'))).toBe(false);
    expect(readFileSync(path.join(root, 'pkg2', '.env.test'), 'utf8')).toBe('SECRET=1'); // not new: kept
    expect(out.changes.created).toContain('b.txt');
  });

  it('gives nested roots one turn: a command under /repo/sub waits for one in /repo, an unrelated root does not', async () => {
    const parent = repo({ 'a.txt': 'x', 'sub/b.txt': 'y' });
    const other = repo({ 'c.txt': 'z' });
    const order: string[] = [];
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    const first = rwFor(parent).around('parent', async () => { order.push('parent start'); await gate; order.push('parent end'); });
    await new Promise((r) => setTimeout(r, 50));
    const second = rwFor(path.join(parent, 'sub')).around('child', async () => { order.push('child'); });
    const third = rwFor(other).around('other', async () => { order.push('other'); });
    await third;
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['parent start', 'other']);
    open();
    await Promise.all([first, second]);
    expect(order).toEqual(['parent start', 'other', 'parent end', 'child']);
  });
});
