/**
 * Exec mask freshness, in one place. The excluded files and directories that exec containers
 * must not see (`<exec cat .env>` shows nothing) are each covered by an empty read-only mount.
 * An exec container is labelled with the set it was created with (names and identities, see
 * mask-walk.ts), and `freshLease` hands out only a container whose set still describes the
 * repository, checked when the command asks (a stale container is retired, never used). The
 * container's helper is told which paths are masks and checks, just before it starts a command,
 * that each still is (the kernel detaches a mask when the host renames over or deletes its path);
 * MASK_BROKEN otherwise, and the command runs in a fresh container.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import type { ContainerPool, Lease } from '../containers/pool.js';
import { LABELS } from '../containers/spec.js';
import { findMasks, stillHolds, type MaskSet } from './mask-walk.js';

export { findMasks, HELPER_TEMP, type MaskSet } from './mask-walk.js';

interface MaskTracker {
  /** The set as last walked (a walk starts in the background when it is old). */
  current(): MaskSet;
  /** A set that still describes the repository: the last one when it holds (stillHolds), else a new walk. */
  fresh(): Promise<MaskSet>;
  /** Walk again at the next `fresh`, whatever the stamps say. */
  invalidate(): void;
  close(): void;
}

const REFRESH_MS = 2000;

/** Track the mask set of `root`. */
async function createMaskTracker(root: string, guard: { isExcluded(rel: string): boolean }): Promise<MaskTracker> {
  let set = await findMasks(root, guard);
  let valid = true;
  let pending: Promise<MaskSet> | undefined;
  const refresh = (): Promise<MaskSet> => {
    pending ??= findMasks(root, guard).then((s) => { set = s; valid = true; return s; }).finally(() => { pending = undefined; });
    return pending;
  };
  return {
    current() {
      if (Date.now() - set.startedAt > REFRESH_MS) void refresh();
      return set;
    },
    async fresh() {
      // a walk already under way may have read a directory before the change that made us ask: wait for it, then check
      if (pending !== undefined) await pending;
      return valid && stillHolds(set) ? set : refresh();
    },
    invalidate() { valid = false; },
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
  /** Identities "dev:ino" of `emptyFile` and `emptyDir`: the helper checks each masked path against them. */
  maskIds: { file: string; dir: string };
}

export interface ExecMasks {
  /** Mounts for a new exec container: the set as last walked (a walk starts when it is old). */
  mounts(): MaskMounts;
  /** Temp files of interrupted writes found by the first walk. */
  staleTemps(): string[];
  /**
   * An exec lease whose container was created with a set that still describes the repository
   * (checked now: one lstat per directory, a new walk when anything changed); COMMAND_DISABLED
   * when the walk could not see everything. A container with less than `needMs` (the command's
   * timeout) plus a margin of its life left is retired too: its helper would end mid-command.
   */
  freshLease(pool: ContainerPool, signal: AbortSignal, poolSize: number, needMs?: number): Promise<Lease>;
  /** A container's helper found a mask broken (MASK_BROKEN): walk again before the next lease. */
  invalidate(): void;
  close(): void;
}

/** Life a container must have left beyond the command's timeout (the helper's alarm ends it). */
const LIFE_MARGIN_MS = 10_000;

/** Short label value for a mask set. */
function label(version: string, ids: MaskMounts['maskIds'], generation: number): string {
  return createHash('sha256').update(version).update(`\0${ids.file}\0${ids.dir}\0${generation}`).digest('hex').slice(0, 16);
}

/** `label`, hashed again only when one of its inputs changed (a set's version can be long: it names every mask). */
function labeller(): (version: string, ids: MaskMounts['maskIds'], generation: number) => string {
  let last: { version: string; file: string; dir: string; generation: number; value: string } | undefined;
  return (version, ids, generation) => {
    if (last === undefined || last.version !== version || last.file !== ids.file || last.dir !== ids.dir || last.generation !== generation) {
      last = { version, file: ids.file, dir: ids.dir, generation, value: label(version, ids, generation) };
    }
    return last.value;
  };
}

interface MaskSources { emptyDir: string; emptyFile: string; maskIds: MaskMounts['maskIds'] }

/** Create (when missing) the empty directory and file that mask excluded paths, and read their identities. */
function ensureSources(dir: string): MaskSources {
  const emptyDir = path.join(dir, 'd');
  const emptyFile = path.join(dir, 'f');
  mkdirSync(dir, { recursive: true, mode: 0o700 }); // Docker (root) reads the sources; nobody else needs to
  mkdirSync(emptyDir, { recursive: true, mode: 0o555 });
  writeFileSync(emptyFile, '', { mode: 0o444, flag: 'a' });
  const ids = (p: string): string => { const st = lstatSync(p, { bigint: true }); return `${st.dev}:${st.ino}`; };
  return { emptyDir, emptyFile, maskIds: { file: ids(emptyFile), dir: ids(emptyDir) } };
}

/**
 * Where the mask sources live. A container's /proc/self/mountinfo shows each bind mount's source
 * path inside its filesystem: under $XDG_RUNTIME_DIR (a tmpfs of its own) that is `/llmr-masks/f`,
 * which names no home directory or state path; without it, `masks/` in the state directory.
 */
function sourceDir(stateDir: string, runtimeDir: string | undefined): string {
  if (runtimeDir !== undefined && path.isAbsolute(runtimeDir)) {
    const dir = path.join(runtimeDir, 'llmr-masks');
    try {
      ensureSources(dir);
      return dir;
    } catch {
      // not writable: fall back to the state directory
    }
  }
  return path.join(stateDir, 'masks');
}

/** Walk `root` now and keep its mask set fresh; the empty mount sources live in `runtimeDir` (else `stateDir`). */
export async function createExecMasks(root: string, guard: { isExcluded(rel: string): boolean }, stateDir: string, runtimeDir?: string): Promise<ExecMasks> {
  const dir = sourceDir(stateDir, runtimeDir);
  let sources = ensureSources(dir);
  const tracker = await createMaskTracker(root, guard);
  const first = tracker.current();
  // bumped when a helper finds a mask broken: every container created before is retired unused
  let generation = 0;
  const labelOf = labeller();
  return {
    mounts() {
      const set = tracker.current();
      sources = existsSync(sources.emptyFile) && existsSync(sources.emptyDir) ? sources : ensureSources(dir); // a cleaned runtime dir
      return { maskFiles: set.files, maskDirs: set.dirs, maskVersion: labelOf(set.version, sources.maskIds, generation), ...sources };
    },
    staleTemps: () => first.staleTemps,
    async freshLease(pool, signal, poolSize, needMs = 0) {
      // every idle container may be stale after a change: try one more than the pool can hold
      for (let i = 0; i <= poolSize; i += 1) {
        const set = await tracker.fresh();
        if (!set.complete) {
          throw new LlmrError('COMMAND_DISABLED', `exec is unavailable in this repository: ${set.reason}, so llmr cannot hide every excluded file from commands`);
        }
        const lease = await pool.acquire(signal);
        const lifeLeftMs = Number(lease.labels[LABELS.expires]) * 1000 - Date.now();
        const livesLongEnough = !(lifeLeftMs < needMs + LIFE_MARGIN_MS); // NaN (no label): trust it
        if (livesLongEnough && lease.labels[LABELS.masks] === labelOf(set.version, sources.maskIds, generation)) return lease;
        await pool.release(lease, true);
      }
      throw new LlmrError('CONTAINER_FAILED', 'could not start an exec container matching the current excluded files (they keep changing)');
    },
    invalidate() { generation += 1; tracker.invalidate(); },
    close: () => tracker.close(),
  };
}
