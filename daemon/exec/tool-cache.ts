/**
 * Per-workspace persistent tool caches: one host directory (`<cacheDir>/<workspace id>/tool-cache`,
 * owned by the repository's owner, mode 0700) that only this workspace's exec containers mount, at
 * `/cache`, with Go's build and module caches, pip's and npm's caches pointed into it. Its size is
 * measured after each command (in the background); when it is above the cap it is emptied before the
 * next command. Host-side walks never follow a symlink a command left in it.
 *
 * Emptying never deletes on the host while a container may still write into the directory (a
 * command could swap a folder for a symlink while a path-based recursive removal walks it, and the
 * daemon would follow it out of the cache): the directory is renamed aside (running and warm
 * containers keep their mount of it) and a fresh one takes its place; the renamed ones are removed
 * only when the workspace closes, after every one of its containers is gone.
 */
import { chown, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Where exec containers see the cache. */
export const CACHE_TARGET = '/cache';

/** The variables that point the tools at the cache (they replace the tmpfs ones). */
export const CACHE_ENV: Readonly<Record<string, string>> = {
  GOCACHE: `${CACHE_TARGET}/go-build`, GOMODCACHE: `${CACHE_TARGET}/go-mod`, PIP_CACHE_DIR: `${CACHE_TARGET}/pip`,
  npm_config_cache: `${CACHE_TARGET}/npm`, XDG_CACHE_HOME: `${CACHE_TARGET}/xdg`,
};

export interface ToolCache {
  dir: string;
  /** Bytes as last measured (0 before the first measurement). */
  bytes(): number;
  maxBytes: number;
  /** Before a command: empty the cache when the last measurement was above the cap. */
  beforeCommand(): Promise<void>;
  /** After a command: measure again, in the background. */
  afterCommand(): void;
  /** Empty it now; resolves the bytes freed. */
  clear(): Promise<number>;
  /** Remove the emptied (renamed-aside) caches; only when no container of the workspace is left. */
  removeEmptied(): Promise<void>;
}

const EMPTIED = '.emptied-';

/** Total size of regular files under `dir` (no symlink followed). */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  const queue = [dir];
  while (queue.length > 0) {
    const d = queue.pop() as string;
    const names = await readdir(d).catch(() => [] as string[]);
    for (const name of names) {
      const s = await lstat(path.join(d, name)).catch(() => undefined);
      if (s?.isDirectory() === true) queue.push(path.join(d, name));
      else if (s?.isFile() === true) total += s.size;
    }
  }
  return total;
}

/**
 * Create (or reuse) the cache directory of one workspace. Undefined when the containers' user could
 * not write it: a daemon that is not root serving another user's repository cannot hand it over.
 */
export async function createToolCache(dir: string, owner: { uid: number; gid: number }, maxBytes: number): Promise<ToolCache | undefined> {
  const me = process.getuid?.() ?? 0;
  if (me !== 0 && me !== owner.uid) return undefined;
  const make = async (): Promise<void> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // a root daemon hands the directory to the repository's owner (the containers' user); a daemon
    // running as that owner already owns it (and may not chown to a group it is not in)
    if (process.getuid?.() === 0) await chown(dir, owner.uid, owner.gid);
  };
  await make();
  let last = await treeBytes(dir);
  let measuring: Promise<void> | undefined;
  let emptied = 0;
  const clear = async (): Promise<number> => {
    const before = await treeBytes(dir);
    emptied += 1;
    await rename(dir, `${dir}${EMPTIED}${process.pid}-${Date.now()}-${emptied}`);
    await make();
    last = 0;
    return before;
  };
  return {
    dir, maxBytes,
    bytes: () => last,
    async beforeCommand() {
      await measuring;
      if (last > maxBytes) await clear();
    },
    afterCommand() {
      measuring ??= treeBytes(dir).then((b) => { last = b; }, () => undefined).finally(() => { measuring = undefined; });
    },
    clear,
    async removeEmptied() {
      const parent = path.dirname(dir);
      const prefix = `${path.basename(dir)}${EMPTIED}`;
      for (const name of await readdir(parent).catch(() => [] as string[])) {
        // no container mounts these any more: a recursive removal unlinks symlinks, never follows them
        if (name.startsWith(prefix)) await rm(path.join(parent, name), { recursive: true, force: true });
      }
    },
  };
}
