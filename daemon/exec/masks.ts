/**
 * Exec mask freshness, in one place. The excluded files and directories that exec containers
 * must not see (`<exec cat .env>` shows nothing) are each covered by an empty read-only mount.
 * The set is walked again in the background when it is older than two seconds; an exec
 * container is labelled with the set it was created with, and `freshLease` hands out only a
 * container whose set is the current one (a stale one is retired and replaced, never used).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import type { ContainerPool, Lease } from '../containers/pool.js';
import { LABELS } from '../containers/spec.js';

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

interface MaskTracker {
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
export async function findMasks(root: string, guard: { isExcluded(rel: string): boolean }, maxEntries = MAX_ENTRIES): Promise<MaskSet> {
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
async function createMaskTracker(root: string, guard: { isExcluded(rel: string): boolean }): Promise<MaskTracker> {
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

/** What an exec container is created with: the mounts that hide the set, and its label. */
export interface MaskMounts {
  maskFiles: string[];
  maskDirs: string[];
  /** Label value identifying the set (compared by `freshLease`). */
  maskVersion: string;
  emptyDir: string;
  emptyFile: string;
}

export interface ExecMasks {
  /** Mounts for a new exec container: the set as last walked (a walk starts when it is old). */
  mounts(): MaskMounts;
  /** Temp files of interrupted writes found by the first walk. */
  staleTemps(): string[];
  /**
   * An exec lease whose container was created with the set walked at most `MASK_MAX_AGE_MS`
   * ago; COMMAND_DISABLED when the walk could not see everything.
   */
  freshLease(pool: ContainerPool, signal: AbortSignal, poolSize: number): Promise<Lease>;
  close(): void;
}

/** How old the set may be when a command starts (the walk is shared by concurrent execs). */
const MASK_MAX_AGE_MS = 500;

/** Short label value for a mask set. */
function label(version: string): string {
  return createHash('sha256').update(version).digest('hex').slice(0, 16);
}

/** Walk `root` now and keep its mask set fresh; `stateDir` holds the empty mount sources. */
export async function createExecMasks(root: string, guard: { isExcluded(rel: string): boolean }, stateDir: string): Promise<ExecMasks> {
  const emptyDir = path.join(stateDir, 'empty');
  const emptyFile = path.join(stateDir, 'empty-file');
  await mkdir(emptyDir, { recursive: true, mode: 0o555 });
  await writeFile(emptyFile, '', { mode: 0o444, flag: 'a' });
  const tracker = await createMaskTracker(root, guard);
  const first = tracker.current();
  return {
    mounts() {
      const set = tracker.current();
      return { maskFiles: set.files, maskDirs: set.dirs, maskVersion: label(set.version), emptyDir, emptyFile };
    },
    staleTemps: () => first.staleTemps,
    async freshLease(pool, signal, poolSize) {
      // every idle container may be stale after a change: try one more than the pool can hold
      for (let i = 0; i <= poolSize; i += 1) {
        const set = await tracker.fresh(MASK_MAX_AGE_MS);
        if (!set.complete) {
          throw new LlmrError('COMMAND_DISABLED', `exec is unavailable in this repository: ${set.reason}, so llmr cannot hide every excluded file from commands`);
        }
        const lease = await pool.acquire(signal);
        if (lease.labels[LABELS.masks] === label(set.version)) return lease;
        await pool.release(lease, true);
      }
      throw new LlmrError('CONTAINER_FAILED', 'could not start an exec container matching the current excluded files (they keep changing)');
    },
    close: () => tracker.close(),
  };
}
