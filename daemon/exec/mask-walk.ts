/**
 * The walk behind exec masks: which names in the repository a command must not see, with the
 * identity (dev, inode) of each, and a stamp of every directory walked so that a later check can
 * tell cheaply whether the walk still holds.
 *
 * A name appears in, disappears from or is renamed into a directory only by changing that
 * directory's ctime. So the walk holds while every directory it read has the ctime it had,
 * provided that ctime was already old when the walk read it (kernel timestamps are coarse: a
 * change in the same tick right after the walk read the directory would not move it).
 *
 * Hard-link aliases: an excluded file with several links makes the walk stat every other regular
 * file, and any name whose (dev, inode) is an excluded file's is masked too (`ln .env notes.txt`).
 */
import { lstatSync, type BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface MaskSet {
  /** Excluded files (and their hard-link aliases), sorted. */
  files: string[];
  dirs: string[];
  /** Temp files of writes interrupted by a killed container (`.<name>.llmr-<pid>-<n>.tmp`). */
  staleTemps: string[];
  /** Changes whenever a name or the identity (dev, inode) of a masked path changes, or a masked file's ctime. */
  version: string;
  /** False when the walk could not see everything (too many entries, unreadable directory): exec must not run. */
  complete: boolean;
  reason?: string;
  /** Each directory read (absolute path) with its ctime (ns) before it was read. */
  stamps: Array<[string, bigint]>;
  /** When the walk started (ms since the epoch). */
  startedAt: number;
}

/** The helper's temp-file names (images/helper/llmr-helper.c). */
export const HELPER_TEMP = /^\..+\.llmr-\d+-\d+\.tmp$/;
const MAX_ENTRIES = 200_000;
/** A directory changed less than this before the walk read it may change again unseen (coarse clocks). */
export const CTIME_MARGIN_MS = 1000;

const id = (st: { dev: bigint; ino: bigint }): string => `${st.dev}:${st.ino}`;
/** Identity plus ctime: a file deleted and recreated may get the same inode number back. */
const versionId = (st: BigIntStats): string => `${st.dev}:${st.ino}:${st.ctimeNs}`;

function stampOf(abs: string): bigint | undefined {
  return lstatSync(abs, { bigint: true, throwIfNoEntry: false })?.ctimeNs;
}

interface Walked {
  files: string[];
  dirs: string[];
  staleTemps: string[];
  plain: string[];
  stamps: Array<[string, bigint]>;
  reason?: string;
}

async function walkTree(root: string, isExcluded: (rel: string) => boolean, maxEntries: number): Promise<Walked> {
  const w: Walked = { files: [], dirs: [], staleTemps: [], plain: [], stamps: [] };
  let seen = 0;
  const queue: string[] = [''];
  while (queue.length > 0 && w.reason === undefined) {
    const rel = queue.pop() as string;
    const abs = path.join(root, rel);
    const stamp = stampOf(abs);
    const entries = await readdir(abs, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      // a directory removed during the walk has nothing to hide (its parent's stamp records the removal); one we cannot read might
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') w.reason = `cannot read directory ${rel || '.'} (${err.code ?? err.message})`;
      return [];
    });
    w.stamps.push([abs, stamp ?? -1n]);
    if (seen + entries.length > maxEntries) w.reason = `the repository has more than ${maxEntries} files and directories`;
    for (const entry of entries) {
      seen += 1;
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const excluded = isExcluded(child);
      if (entry.isDirectory()) {
        if (excluded) w.dirs.push(child); else queue.push(child);
      } else if (excluded) {
        // special files too: the mount hides whatever the name is. Not a symlink: Docker would follow
        // it inside the container and mount the mask on its target (`.env.sock -> /.llmr-sock/s`
        // would cover the helper's socket); through a symlink a command reaches only what its
        // target's own name shows, and an excluded target is masked under that name
        if (!entry.isSymbolicLink()) w.files.push(child);
      } else if (entry.isFile()) {
        if (HELPER_TEMP.test(entry.name)) w.staleTemps.push(child);
        w.plain.push(child);
      }
    }
  }
  return w;
}

/** Identities of `rels` (undefined for a name gone meanwhile). */
async function identities(root: string, rels: string[]): Promise<Array<{ rel: string; st?: BigIntStats }>> {
  return Promise.all(rels.map(async (rel) => ({ rel, st: await lstat(path.join(root, rel), { bigint: true }).catch(() => undefined) })));
}

/** Walk the repository (never following symlinks) and collect the excluded paths with their identities. */
export async function findMasks(root: string, guard: { isExcluded(rel: string): boolean }, maxEntries = MAX_ENTRIES): Promise<MaskSet> {
  const startedAt = Date.now();
  const w = await walkTree(root, (rel) => guard.isExcluded(rel), maxEntries);
  const excluded = await identities(root, w.files);
  const dirIds = await identities(root, w.dirs);
  const linked = new Set(excluded.filter((e) => e.st?.isFile() === true && e.st.nlink > 1n).map((e) => id(e.st as BigIntStats)));
  const files = new Map(excluded.map((e) => [e.rel, e.st ? versionId(e.st) : 'gone']));
  if (linked.size > 0) {
    for (const alias of await identities(root, w.plain)) {
      if (alias.st !== undefined && alias.st.nlink > 1n && linked.has(id(alias.st))) files.set(alias.rel, versionId(alias.st));
    }
  }
  const sorted = [...files.keys()].sort();
  const dirs = [...w.dirs].sort();
  // a directory's ctime moves with every change inside it (git writes .git all the time): its identity only
  const dirMap = new Map(dirIds.map((e) => [e.rel, e.st ? id(e.st) : 'gone']));
  const version = JSON.stringify([sorted.map((f) => [f, files.get(f)]), dirs.map((d) => [d, dirMap.get(d)])]);
  return {
    files: sorted, dirs, staleTemps: w.staleTemps, version, complete: w.reason === undefined,
    ...(w.reason !== undefined ? { reason: w.reason } : {}), stamps: w.stamps, startedAt,
  };
}

/**
 * True while `set` still describes the repository: every directory it read has the same ctime,
 * and that ctime was older than the walk by the margin. One `lstat` per directory, no reads.
 */
export function stillHolds(set: MaskSet): boolean {
  const limit = BigInt(set.startedAt - CTIME_MARGIN_MS) * 1_000_000n;
  for (const [abs, stamp] of set.stamps) {
    if (stamp < 0n || stamp >= limit) return false;
    if (stampOf(abs) !== stamp) return false;
  }
  return true;
}
