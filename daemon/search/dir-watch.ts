/**
 * A tree of directory watches (one `fs.watch` per unpruned directory, none per file). An event
 * only records the name it is about: nothing is read or listed until `settle` runs, once per
 * debounced batch, and then one `lstat` per changed name decides what it was. (chokidar re-lists
 * a whole directory and stats every entry in it on each event, so one atomic write — temp file
 * created, written, renamed — cost the daemon three listings of the directory.)
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface DirTreeOptions {
  root: string;
  /** True for a repository-relative POSIX path that must not be watched or reported. */
  prune: (rel: string, isDir: boolean | undefined) => boolean;
  /** A name changed in a watched directory (`undefined`: the OS did not say which). */
  onEvent: (rel: string | undefined) => void;
  /** A watch could not be set up or failed (ENOSPC/EMFILE when the OS has no more). */
  onError: (err: unknown) => void;
}

export interface Settled {
  /** Files (or other non-directories) added, changed or removed. */
  paths: Set<string>;
  /** A directory appeared or vanished: the tree must be listed again. */
  full: boolean;
}

const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
const isMissing = (err: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException)?.code ?? '');

export class DirTree {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(private readonly opts: DirTreeOptions) {}

  /** Watch `rel` (a directory) and every unpruned directory below it. */
  async add(rel: string): Promise<void> {
    if (this.closed || this.watchers.has(rel)) return;
    if (!this.watchDir(rel)) return;
    let entries;
    try {
      entries = await readdir(this.abs(rel), { withFileTypes: true });
    } catch (err) {
      if (!isMissing(err)) this.opts.onError(err); // gone meanwhile: the parent's event reports it
      return;
    }
    for (const e of entries) {
      const child = join(rel, e.name);
      if (e.isDirectory() && !this.opts.prune(child, true)) await this.add(child);
    }
  }

  /** What the names in `rels` turned out to be; new directories are watched, vanished ones dropped. */
  async settle(rels: Iterable<string>): Promise<Settled> {
    const out: Settled = { paths: new Set(), full: false };
    for (const rel of rels) {
      let isDir: boolean;
      try {
        isDir = (await lstat(this.abs(rel))).isDirectory();
      } catch (err) {
        if (!isMissing(err)) throw err;
        if (this.dropUnder(rel)) out.full = true;
        else if (!this.opts.prune(rel, false)) out.paths.add(rel);
        continue;
      }
      if (!isDir) {
        if (!this.opts.prune(rel, false)) out.paths.add(rel);
      } else if (!this.watchers.has(rel) && !this.opts.prune(rel, true)) {
        await this.add(rel);
        out.full = true;
      }
    }
    return out;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private abs(rel: string): string {
    return rel === '' ? this.opts.root : path.join(this.opts.root, ...rel.split('/'));
  }

  private watchDir(rel: string): boolean {
    let w: FSWatcher;
    try {
      w = watch(this.abs(rel), { persistent: true }, (_type, name) => {
        this.opts.onEvent(name === null ? undefined : join(rel, String(name)));
      });
    } catch (err) {
      if (!isMissing(err)) this.opts.onError(err);
      return false;
    }
    w.on('error', (err) => {
      this.dropUnder(rel);
      if (!isMissing(err) && (err as NodeJS.ErrnoException).code !== 'EPERM') this.opts.onError(err);
      this.opts.onEvent(rel); // settle finds out whether it still exists
    });
    this.watchers.set(rel, w);
    return true;
  }

  /** Stop watching `rel` and everything below it; true when `rel` was a watched directory. */
  private dropUnder(rel: string): boolean {
    const had = this.watchers.has(rel);
    for (const [r, w] of this.watchers) {
      if (r === rel || (rel !== '' && r.startsWith(`${rel}/`))) {
        w.close();
        this.watchers.delete(r);
      }
    }
    return had;
  }
}
