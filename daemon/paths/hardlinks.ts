/**
 * Hard-link aliases of excluded files. `cp -l .env notes.txt` gives the secret a second name that
 * no exclusion pattern matches; a read of `notes.txt` must be refused like a read of `.env`.
 *
 * Cost: nothing for a file with one link (the common case: git never creates hard links). For a
 * file with more links, the identities (dev, inode) of the excluded files with more than one link
 * are collected by one walk of the repository (no symlinks followed, excluded directories included,
 * only excluded files stat'ed) and kept. The walk is reused while it can still be trusted for the
 * file: every link, unlink or rename of an inode sets its ctime, so a file whose ctime is older than
 * the walk's start (with a margin for clock granularity) has had the same links since before the
 * walk, which therefore saw them all. Otherwise the repository is walked again, and the file must
 * be unchanged (same ctime and link count) afterwards for the answer to count.
 *
 * Policy for hard links to files outside the repository: allowed for reads (package managers such
 * as pnpm and `cp -al` trees create them; the repository owner could read the file anyway, and a
 * container cannot create one because the repository is its own mount). Writes to any file with
 * more than one link are refused by the path guard, inside or outside.
 */
import { lstat, readdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';

export interface AliasCheck {
  /** The excluded repo-relative path `st` (of `abs`) is another link of, or undefined. Free when `st.nlink` is 1. */
  excludedLink(abs: string, st: Stats, shown: string): Promise<string | undefined>;
}

interface Snapshot {
  ids: Map<string, string>;
  startedAt: number;
  complete: boolean;
  reason?: string;
}

const MAX_ENTRIES = 200_000;
/** Kernel timestamps are coarse (a jiffy) and clocks are adjusted: trust a walk only for files older than this before it. */
const CTIME_MARGIN_MS = 2000;

const identity = (st: Pick<Stats, 'dev' | 'ino'>): string => `${st.dev}:${st.ino}`;

/** Walk `root` and collect the identities of excluded regular files with more than one link. */
async function walk(root: string, isExcluded: (rel: string) => boolean, maxEntries: number): Promise<Snapshot> {
  const snap: Snapshot = { ids: new Map(), startedAt: Date.now(), complete: true };
  const queue: Array<{ rel: string; excluded: boolean }> = [{ rel: '', excluded: false }];
  let seen = 0;
  while (queue.length > 0 && snap.complete) {
    const dir = queue.pop() as { rel: string; excluded: boolean };
    const entries = await readdir(path.join(root, dir.rel), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') Object.assign(snap, { complete: false, reason: `cannot read directory ${dir.rel || '.'} (${err.code ?? err.message})` });
      return [];
    });
    seen += entries.length;
    if (seen > maxEntries) Object.assign(snap, { complete: false, reason: `the repository has more than ${maxEntries} files and directories` });
    for (const entry of entries) {
      const rel = dir.rel === '' ? entry.name : `${dir.rel}/${entry.name}`;
      const excluded = dir.excluded || isExcluded(rel);
      if (entry.isDirectory()) queue.push({ rel, excluded });
      else if (excluded && entry.isFile()) {
        const st = await lstat(path.join(root, rel)).catch(() => undefined);
        if (st !== undefined && st.isFile() && st.nlink > 1) snap.ids.set(identity(st), rel);
      }
    }
  }
  return snap;
}

const sameLinks = (a: Stats, b: Stats): boolean => a.ino === b.ino && a.dev === b.dev && a.nlink === b.nlink && a.ctimeMs === b.ctimeMs;

/** The hard-link alias check of one repository; `isExcluded` is the path guard's pattern test. */
export function createAliasCheck(root: string, isExcluded: (rel: string) => boolean, maxEntries = MAX_ENTRIES): AliasCheck {
  let snapshot: Snapshot | undefined;
  let pending: Promise<Snapshot> | undefined;
  const refresh = (): Promise<Snapshot> => {
    pending ??= walk(root, isExcluded, maxEntries).then((s) => { snapshot = s; return s; }).finally(() => { pending = undefined; });
    return pending;
  };
  const unsure = (shown: string, why: string): LlmrError => new LlmrError('PATH_EXCLUDED',
    `path ${shown} has several hard links and llmr cannot tell whether one of them is an excluded file: ${why}`,
    'replace the hard link by a copy (cp --remove-destination), or read the file another way');

  return {
    async excludedLink(abs, st, shown) {
      if (st.nlink <= 1) return undefined;
      const id = identity(st);
      const known = snapshot;
      if (known?.ids.has(id)) return known.ids.get(id);
      if (known?.complete === true && st.ctimeMs < known.startedAt - CTIME_MARGIN_MS) return undefined;
      let before = st;
      let seenAt = Date.now(); // `st` was taken before this call
      for (let attempt = 0; attempt < 3; attempt++) {
        const snap = await refresh();
        if (snap.ids.has(identity(before))) return snap.ids.get(identity(before));
        if (!snap.complete) throw unsure(shown, snap.reason ?? 'the repository walk was incomplete');
        // The walk counts when it started after `before` was seen (or `before`'s links are older than
        // the walk) and nothing relinked the file meanwhile.
        const after = await lstat(abs);
        const inTime = snap.startedAt >= seenAt || before.ctimeMs < snap.startedAt - CTIME_MARGIN_MS;
        if (inTime && sameLinks(before, after)) return undefined;
        if (after.nlink <= 1) return undefined;
        [before, seenAt] = [after, Date.now()];
      }
      throw unsure(shown, 'its links changed while they were checked');
    },
  };
}
