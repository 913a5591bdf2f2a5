/**
 * The identity ("DEV:INO") of what the path guard approved, handed to the container's helper with
 * the path: the helper opens the path without following any symlink and refuses with PATH_CHANGED
 * when its descriptor is another object, so a read-write command that swaps the tree between the
 * guard's check and the open (a symlink, a renamed directory) cannot redirect a read or a write.
 * The repository is bind-mounted, so a container sees the host's device and inode numbers.
 * bigint stats: inode numbers may exceed 2^53 (overlayfs xino, some network file systems).
 */
import { lstatSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { LlmrError } from '../../protocol/errors.js';

/** Where a write goes: the first `depth` components of the target's directory are the directory `id`. */
export interface WriteAnchor { depth: number; id: string }

function changed(shown: string): LlmrError {
  return new LlmrError('PATH_CHANGED', `path ${shown} changed while it was being checked`, 'a running command may be changing the repository; try again');
}

/** "DEV:INO" of the file at `abs`, which must still be the one `checked` (an lstat taken moments before) describes. */
export function fileIdentity(abs: string, checked: Stats, shown: string): string {
  const st = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  if (st === undefined || Number(st.ino) !== checked.ino || Number(st.dev) !== checked.dev || !st.isFile()) throw changed(shown);
  return `${st.dev}:${st.ino}`;
}

/**
 * The deepest existing directory on the way to the repo-relative `rel` under `root` (both physical,
 * as the guard resolved them): the target's parent, or the ancestor below which the write creates
 * the missing directories.
 */
export function writeAnchor(root: string, rel: string, shown: string): WriteAnchor {
  const dir = posix.dirname(rel);
  const parts = dir === '.' ? [] : dir.split('/');
  for (let depth = parts.length; depth >= 0; depth -= 1) {
    const st = lstatSync(posix.join(root, ...parts.slice(0, depth)), { bigint: true, throwIfNoEntry: false });
    if (st === undefined) continue;
    if (!st.isDirectory()) throw changed(shown); // the guard resolved it to a directory a moment ago
    return { depth, id: `${st.dev}:${st.ino}` };
  }
  throw changed(shown); // not even the root: gone
}

/**
 * `check`, run again when the file changed between the guard's own two looks at it (PATH_CHANGED):
 * a concurrent <write> replaces a file by rename, and that is no reason to fail a read of it.
 */
export async function again<T>(check: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await check();
    } catch (err) {
      if (!(err instanceof LlmrError) || err.code !== 'PATH_CHANGED' || i >= tries) throw err;
    }
  }
}
