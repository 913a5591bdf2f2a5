/**
 * What a read-write command may change, before and after it runs: a walk of the repository
 * (never following symlinks; `.git` and excluded paths skipped — they are read-only or masked in
 * the container) that records each entry's kind and stat key, and a mirror of every regular file
 * in the state directory, refreshed before each command for the files whose stat key changed since
 * the last copy. A copy (a reflink where the filesystem has them), never a hard link: tools that
 * rewrite a file in place (`>`, `fs.writeFile`, gofmt) would change a hard-linked backup too.
 */
import { constants } from 'node:fs';
import { LlmrError } from '../../protocol/errors.js';
import { copyFile, lstat, mkdir, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Entry {
  kind: 'file' | 'dir' | 'link' | 'other';
  /** size, mtime and ctime in ns, inode, mode: any change to the file changes it (ctime cannot be set back). */
  key: string;
  size: number;
  nlink: number;
  /** Symlink target. */
  target?: string;
}

export type Tree = Map<string, Entry>;

export interface Changes {
  created: string[];
  changed: string[];
  deleted: string[];
}

export interface WalkOptions {
  isExcluded(rel: string): boolean;
  maxEntries: number;
  /** Receives every excluded path the walk passes over (it is left out of the tree). */
  onExcluded?(rel: string): void;
}

/** Walk `root` (no symlink followed); `.git` at the top and excluded paths are left out. */
export async function walkTree(root: string, opts: WalkOptions): Promise<Tree> {
  const tree: Tree = new Map();
  const queue = [''];
  while (queue.length > 0) {
    const rel = queue.pop() as string;
    const names = (await readdir(path.join(root, rel)).catch(() => [] as string[]))
      .map((name) => (rel === '' ? name : `${rel}/${name}`)).filter((child) => {
        if (child === '.git') return false;
        if (!opts.isExcluded(child)) return true;
        opts.onExcluded?.(child);
        return false;
      });
    if (tree.size + names.length > opts.maxEntries) {
      throw new LlmrError('COMMAND_DISABLED', `read-write commands are unavailable in this repository: it has more than ${opts.maxEntries} files and directories`,
        'use commands.exec.repository: read-only for a repository this large');
    }
    // one directory's entries in parallel: the walk runs before and after every read-write command
    const stats = await Promise.all(names.map((child) => lstat(path.join(root, child), { bigint: true }).catch(() => undefined)));
    for (const [i, child] of names.entries()) {
      const s = stats[i];
      if (s === undefined) continue;
      const kind = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'link' : 'other';
      const key = kind === 'dir' ? 'dir' : `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.mode}`;
      const entry: Entry = { kind, key, size: Number(s.size), nlink: Number(s.nlink) };
      if (kind === 'link') entry.target = await readlink(path.join(root, child)).catch(() => '');
      tree.set(child, entry);
      if (kind === 'dir') queue.push(child);
    }
  }
  return tree;
}

/** The stat key of a regular file (as in {@link walkTree}), or undefined for anything else. */
async function statKey(abs: string): Promise<string | undefined> {
  const s = await lstat(abs, { bigint: true }).catch(() => undefined);
  return s?.isFile() === true ? `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.mode}` : undefined;
}

/** What changed from `before` to `after`, each list sorted. */
export function diffTrees(before: Tree, after: Tree): Changes {
  const created: string[] = [];
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const [rel, a] of after) {
    const b = before.get(rel);
    if (b === undefined) created.push(rel);
    else if (b.kind !== a.kind || (a.kind !== 'dir' && b.key !== a.key) || b.target !== a.target) changed.push(rel);
  }
  for (const rel of before.keys()) if (!after.has(rel)) deleted.push(rel);
  return { created: created.sort(), changed: changed.sort(), deleted: deleted.sort() };
}

const COPY_BATCH = 16;

export interface MirrorLimits {
  /** Larger files are not copied (a change to one is reported as not restorable). */
  maxFileBytes: number;
  /** Total bytes the mirror may hold. */
  maxTotalBytes: number;
}

/**
 * The mirror: `dir/files/<rel>` copies and `dir/mirror.json` (rel → the stat key it was copied at).
 * `sync` copies what changed since; `take` moves a file's copy out (to an undo record).
 */
export class Mirror {
  private keys = new Map<string, string>();
  private loaded = false;

  constructor(private readonly dir: string, private readonly limits: MirrorLimits) {}

  private async load(): Promise<void> {
    if (this.loaded) return;
    const text = await readFile(path.join(this.dir, 'mirror.json'), 'utf8').catch(() => '{}');
    this.keys = new Map(Object.entries(JSON.parse(text) as Record<string, string>));
    this.loaded = true;
  }

  /** Copy every regular file of `tree` whose key differs from its copy's; drop copies of files gone. */
  async sync(root: string, tree: Tree): Promise<{ copied: number; bytes: number; skipped: string[] }> {
    await this.load();
    let total = 0;
    let copied = 0;
    let bytes = 0;
    const skipped: string[] = [];
    for (const rel of [...this.keys.keys()]) {
      if (tree.get(rel)?.kind !== 'file') { this.keys.delete(rel); await rm(this.copyOf(rel), { force: true }); }
    }
    const todo: Array<[string, string]> = [];
    for (const [rel, e] of tree) {
      if (e.kind !== 'file') continue;
      if (e.size > this.limits.maxFileBytes || total + e.size > this.limits.maxTotalBytes) { skipped.push(rel); this.keys.delete(rel); continue; }
      total += e.size;
      if (this.keys.get(rel) === e.key) continue;
      todo.push([rel, e.key]);
      bytes += e.size;
    }
    // a few copies at a time: the first command of a workspace copies every file
    const made = new Set<string>();
    for (const dir of new Set(todo.map(([rel]) => path.dirname(this.copyOf(rel))))) {
      if (!made.has(dir)) await mkdir(dir, { recursive: true, mode: 0o700 });
      made.add(dir);
    }
    for (let i = 0; i < todo.length; i += COPY_BATCH) {
      await Promise.all(todo.slice(i, i + COPY_BATCH).map(async ([rel, key]) => {
        await copyFile(path.join(root, rel), this.copyOf(rel), constants.COPYFILE_FICLONE);
        // copyFile follows a symlink: keep the copy only if the name is still the file that was walked
        if ((await statKey(path.join(root, rel))) === key) this.keys.set(rel, key);
        else { this.keys.delete(rel); await rm(this.copyOf(rel), { force: true }); }
      }));
    }
    copied = todo.length;
    await this.save();
    return { copied, bytes, skipped };
  }

  /** The copy of `rel` as it was at `key`, moved to `dest`; false when the mirror has no such copy. */
  async take(rel: string, key: string, dest: string): Promise<boolean> {
    await this.load();
    if (this.keys.get(rel) !== key) return false;
    await mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
    await copyFile(this.copyOf(rel), dest);
    return true;
  }

  async save(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(this.dir, 'mirror.json'), JSON.stringify(Object.fromEntries(this.keys)));
  }

  copyOf(rel: string): string {
    return path.join(this.dir, 'files', rel);
  }
}
