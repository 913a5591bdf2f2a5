import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirTree } from '../../daemon/search/dir-watch.js';
import { startWatch, type WatchChange } from '../../daemon/search/watch.js';

async function until(what: string, probe: () => boolean, ms = 2000): Promise<void> {
  const t0 = performance.now();
  while (!probe()) {
    if (performance.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('search/dir-watch (real fs.watch on directories)', () => {
  let root: string;
  let tree: DirTree | undefined;
  const names = new Set<string | undefined>();
  const put = (rel: string, text = 'x\n'): void => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const start = async (prune: (rel: string, isDir: boolean | undefined) => boolean = () => false): Promise<DirTree> => {
    tree = new DirTree({ root, prune, onEvent: (rel) => names.add(rel), onError: (err) => { throw err; } });
    await tree.add('');
    return tree;
  };

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-dirwatch-')));
    names.clear();
    for (let i = 0; i < 50; i++) put(`src/f${i}.ts`);
    put('ignored/a.ts');
  });
  afterEach(() => {
    tree?.close();
    tree = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('reports an atomic replace (temp file, rename) by name, the temp file as gone', async () => {
    const t = await start();
    writeFileSync(join(root, 'src/.f3.ts.tmp'), 'new\n');
    renameSync(join(root, 'src/.f3.ts.tmp'), join(root, 'src/f3.ts'));
    await until('rename seen', () => names.has('src/f3.ts'));
    expect([...names].every((n) => n === 'src/f3.ts' || n === 'src/.f3.ts.tmp')).toBe(true);
    const settled = await t.settle(names);
    expect(settled.full).toBe(false);
    expect([...settled.paths].sort()).toEqual(['src/.f3.ts.tmp', 'src/f3.ts']);
  });

  it('watches a new directory and asks for a full listing; a removed one too', async () => {
    const t = await start();
    put('new/deep/x.ts');
    await until('new dir seen', () => names.has('new'));
    expect(await t.settle(['new'])).toEqual({ paths: new Set(), full: true });
    names.clear();
    put('new/deep/y.ts');
    await until('file in the new subdirectory seen', () => names.has('new/deep/y.ts'));
    rmSync(join(root, 'new'), { recursive: true });
    await until('removal seen', () => names.has('new'));
    expect((await t.settle(['new'])).full).toBe(true);
    expect((await t.settle(['new'])).full).toBe(false); // no longer watched: an ordinary missing name
  });

  it('never watches or reports pruned directories and files', async () => {
    const asked: string[] = [];
    const t = await start((rel, isDir) => { asked.push(rel); return rel === 'ignored' || (isDir === false && rel.endsWith('.md')); });
    expect(asked).toContain('ignored');
    expect(asked.some((p) => p.startsWith('ignored/'))).toBe(false);
    put('ignored/b.ts');
    put('src/readme.md');
    put('src/f1.ts', 'changed\n');
    await until('change seen', () => names.has('src/f1.ts'));
    await new Promise((r) => setTimeout(r, 100));
    expect([...names].some((n) => n?.startsWith('ignored/'))).toBe(false);
    expect([...(await t.settle(names)).paths]).toEqual(['src/f1.ts']);
  });

  it('startWatch: a run of writes in one directory becomes one debounced change', async () => {
    const changes: WatchChange[] = [];
    const handle = startWatch({ root, prune: () => false, onChange: (c) => changes.push(c), log: pino({ level: 'silent' }), debounceMs: 50 });
    await handle.ready();
    await until('initial full change', () => changes.length === 1);
    for (let i = 0; i < 20; i++) put(`src/f${i}.ts`, `v${i}\n`);
    const seen = (): Set<string> => new Set(changes.slice(1).flatMap((c) => [...c.paths]));
    await until('burst flushed', () => seen().size === 20);
    await new Promise((r) => setTimeout(r, 150));
    await handle.close();
    expect(changes.length).toBeLessThanOrEqual(3); // one batch, two when the burst straddles a debounce
    expect(changes.slice(1).every((c) => !c.full)).toBe(true);
    expect([...seen()].every((p) => /^src\/f\d+\.ts$/.test(p))).toBe(true);
  });
});
