/**
 * Per-workspace persistent tool caches: one host directory (`<cacheDir>/<workspace id>/tool-cache`,
 * owned by the repository's owner, mode 0700) that only this workspace's exec containers mount, at
 * `/cache`, with Go's build and module caches, pip's and npm's caches pointed into it. Its size is
 * measured in the background after a command, at most once per MEASURE_GAP_MS (a Go cache holds
 * thousands of files: walking it after every `<exec true>` would cost more than the command), and
 * at least once after the last command of a burst; when the last measurement is above the cap the
 * cache is emptied before the next command. Host-side walks never follow a symlink a command left in it.
 *
 * Emptying never deletes on the host while a container may still write into the directory (a
 * command could swap a folder for a symlink while a path-based recursive removal walks it, and the
 * daemon would follow it out of the cache): the directory is renamed aside (running and warm
 * containers keep their mount of it) and a fresh one takes its place; the renamed ones are removed
 * only when the workspace closes, after every one of its containers is gone.
 */
import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { chown, mkdir, readdir, rename, rm } from 'node:fs/promises';
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
  /** After a command: measure again in the background (now, or when the last walk is MEASURE_GAP_MS old). */
  afterCommand(): void;
  /** Empty it now; resolves the bytes freed. */
  clear(): Promise<number>;
  /** Remove the emptied (renamed-aside) caches; only when no container of the workspace is left. */
  removeEmptied(): Promise<void>;
}

const EMPTIED = '.emptied-';

/** The least time between the starts of two background walks (and at least ten times the last walk's length). */
export const MEASURE_GAP_MS = 2000;

/** Entries looked at between two yields to the event loop (≈ 1 ms of synchronous calls). */
const WALK_CHUNK = 256;

/**
 * Total size of regular files under `dir` (no symlink followed; only regular files are stat'ed).
 * Synchronous listings and lstats, in chunks with a yield to the event loop between them: a Go
 * cache holds tens of thousands of files, and each fs/promises call costs several times the
 * synchronous one.
 */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  let budget = WALK_CHUNK;
  const queue = [dir];
  while (queue.length > 0) {
    const d = queue.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      entries = []; // removed meanwhile, or not a directory any more
    }
    for (const e of entries) {
      if (e.isDirectory()) queue.push(path.join(d, e.name));
      else if (e.isFile()) total += sizeOf(path.join(d, e.name));
      budget -= 1;
      if (budget <= 0) {
        budget = WALK_CHUNK;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  return total;
}

/** Size of the file at `file` (0 when it is gone or unreadable). */
function sizeOf(file: string): number {
  try {
    return lstatSync(file, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}

/** Runs `walk` after a command: at once when the last run is old enough, else once when it is. */
function throttledMeasure(walk: () => Promise<void>, gapMs: number) {
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastStart = -Infinity;
  let lastLength = 0;
  const start = (): void => {
    timer = undefined;
    const t0 = Date.now();
    lastStart = t0;
    running = walk().finally(() => { lastLength = Date.now() - t0; running = undefined; });
  };
  return {
    running: () => running,
    request(): void {
      if (timer !== undefined) return; // a walk is already due
      const wait = lastStart + Math.max(gapMs, 10 * lastLength) - Date.now();
      if (running === undefined && wait <= 0) { start(); return; }
      // a walk under way may have passed what this command wrote: walk again when the gap is over
      timer = setTimeout(() => { void (running ?? Promise.resolve()).then(start); }, Math.max(0, wait));
      timer.unref();
    },
  };
}

/**
 * Create (or reuse) the cache directory of one workspace. Undefined when the containers' user could
 * not write it: a daemon that is not root serving another user's repository cannot hand it over.
 */
export async function createToolCache(dir: string, owner: { uid: number; gid: number }, maxBytes: number, gapMs = MEASURE_GAP_MS): Promise<ToolCache | undefined> {
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
  const measure = throttledMeasure(() => treeBytes(dir).then((b) => { last = b; }, () => undefined), gapMs);
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
      await measure.running();
      if (last > maxBytes) await clear();
    },
    afterCommand: () => measure.request(),
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
