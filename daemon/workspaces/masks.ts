/**
 * The excluded files and directories that exec containers must not see (`<exec cat .env>` shows
 * nothing): each is covered by an empty read-only mount. The list is refreshed in the background;
 * the exec service retires a pre-started container whose list is out of date.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { PathGuard } from '../paths/guard.js';

export interface MaskSet {
  files: string[];
  dirs: string[];
  /** Temp files of writes interrupted by a killed container (`.<name>.llmr-<pid>-<n>.tmp`). */
  staleTemps: string[];
  /** Changes whenever the set changes. */
  version: string;
  /** False when the walk could not see everything (too many entries, unreadable directory): exec must not run. */
  complete: boolean;
  reason?: string;
}

export interface MaskTracker {
  current(): MaskSet;
  /** The set, walked again first when it is older than `maxAgeMs`. */
  fresh(maxAgeMs: number): Promise<MaskSet>;
  refresh(): Promise<MaskSet>;
  close(): void;
}

const MAX_ENTRIES = 200_000;
/** The helper's temp-file names (images/helper/llmr-helper.c). */
export const HELPER_TEMP = /^\..+\.llmr-\d+-\d+\.tmp$/;
const REFRESH_MS = 2000;

/** Walk the repository (never following symlinks) and collect the excluded paths. */
export async function findMasks(root: string, guard: Pick<PathGuard, 'isExcluded'>, maxEntries = MAX_ENTRIES): Promise<MaskSet> {
  const files: string[] = [];
  const dirs: string[] = [];
  const staleTemps: string[] = [];
  let seen = 0;
  let reason: string | undefined;
  const queue: string[] = [''];
  while (queue.length > 0 && reason === undefined) {
    const rel = queue.pop() as string;
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      // a directory removed during the walk has nothing to hide; one we cannot read might
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') reason = `cannot read directory ${rel || '.'} (${err.code ?? err.message})`;
      return [];
    });
    if (seen + entries.length > maxEntries) reason = `the repository has more than ${maxEntries} files and directories`;
    for (const entry of entries) {
      seen += 1;
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const excluded = guard.isExcluded(child);
      if (entry.isDirectory()) {
        if (excluded) dirs.push(child); else queue.push(child);
      } else if (excluded) {
        files.push(child); // symlinks and special files too: the mount hides whatever the name is
      } else if (entry.isFile() && HELPER_TEMP.test(entry.name)) {
        staleTemps.push(child);
      }
    }
  }
  files.sort();
  dirs.sort();
  return { files, dirs, staleTemps, version: JSON.stringify([files, dirs]), complete: reason === undefined, ...(reason ? { reason } : {}) };
}

/** Track the mask set of `root`, refreshed when it is older than two seconds. */
export async function createMaskTracker(root: string, guard: Pick<PathGuard, 'isExcluded'>): Promise<MaskTracker> {
  let set = await findMasks(root, guard);
  let at = Date.now();
  let pending: Promise<MaskSet> | undefined;
  const refresh = (): Promise<MaskSet> => {
    pending ??= findMasks(root, guard).then((s) => { set = s; at = Date.now(); return s; }).finally(() => { pending = undefined; });
    return pending;
  };
  return {
    current() {
      if (Date.now() - at > REFRESH_MS) void refresh();
      return set;
    },
    async fresh(maxAgeMs) {
      return Date.now() - at > maxAgeMs ? refresh() : set;
    },
    refresh,
    close() { /* nothing held open: walks are one-shot */ },
  };
}
