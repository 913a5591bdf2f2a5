/**
 * The one safe host-side reader of repository files. Everything the daemon reads from a
 * repository on the host (ignore files, files to index) goes through `readRepoFile`:
 * - the parent folder's realpath must lie inside the root (`path.relative`, never a string
 *   prefix), so no symlinked folder leads out of the repository;
 * - the leaf is opened with O_NOFOLLOW|O_NONBLOCK: a symlink fails, a FIFO or device cannot block;
 * - the open descriptor must be exactly `root/rel` (`/proc/self/fd`): a folder swapped for a symlink
 *   after the walk or the check makes the file `gone`, never another file's content under this name;
 * - `fstat` on the open descriptor must say regular file (no race between check and read);
 * - the size is checked on that descriptor, and the read stops at the cap even if the file grows;
 * - the (dev, inode, link count) of what was read is reported so callers can refuse hard links.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isInside } from './inside.js';

/** Why a repository file was not read. */
export type RepoSkip = 'not-regular' | 'too-large' | 'outside-root';

/** Identity and metadata of a file as seen on its open descriptor (or by lstat). */
export interface RepoStat { size: number; mtimeMs: number; dev: number; ino: number; nlink: number; regular: boolean }

export type RepoRead =
  | { kind: 'ok'; buf: Buffer; stat: RepoStat }
  | { kind: 'skip'; reason: RepoSkip; stat?: RepoStat }
  | { kind: 'gone' };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Whether `abs`'s parent folder resolves inside `root` (a realpath'd root); cached per folder. */
export function parentInside(root: string, abs: string, cache?: Map<string, boolean>): boolean {
  const dir = dirname(abs);
  let ok = cache?.get(dir);
  if (ok === undefined) {
    try {
      ok = isInside(root, realpathSync(dir));
    } catch {
      ok = false; // folder gone or unreadable: nothing to read there
    }
    cache?.set(dir, ok);
  }
  return ok;
}

function toStat(st: { size: number; mtimeMs: number; dev: number; ino: number; nlink: number; isFile(): boolean }): RepoStat {
  return { size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino, nlink: st.nlink, regular: st.isFile() };
}

/** lstat of a repository path without following a symlink; undefined when it is gone. */
export function statRepoFile(root: string, rel: string): RepoStat | undefined {
  try {
    return toStat(lstatSync(join(root, rel)));
  } catch {
    return undefined; // deleted or unreadable: treated as gone
  }
}

function readCapped(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/**
 * Reads `rel` under a realpath'd `root` under the rules above. Never throws, never blocks on a
 * FIFO, never reads more than `maxBytes`.
 */
export function readRepoFile(root: string, rel: string, maxBytes: number, dirCache?: Map<string, boolean>): RepoRead {
  const abs = join(root, rel);
  if (!isInside(root, abs) || !parentInside(root, abs, dirCache)) return { kind: 'skip', reason: 'outside-root' };
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'gone' };
    return { kind: 'skip', reason: 'not-regular' }; // ELOOP (symlink), ENXIO (socket/FIFO), EACCES, …
  }
  try {
    // the parent was checked before the open: a folder swapped for a symlink in between (a running
    // read-write command) is caught by where the open descriptor really is — exactly root/rel, not
    // merely somewhere inside the root (`sub -> .` would open the top-level file of the same name).
    // Callers pass the physical paths their walks found (no symlinked folder), so any other path is a swap.
    const at = readlinkSync(`/proc/self/fd/${fd}`);
    if (!isInside(root, at)) return { kind: 'skip', reason: 'outside-root' };
    if (at !== abs) return { kind: 'gone' }; // moved under us: looked at again on the next change
    const stat = toStat(fstatSync(fd));
    if (!stat.regular) return { kind: 'skip', reason: 'not-regular', stat };
    if (stat.size > maxBytes) return { kind: 'skip', reason: 'too-large', stat };
    return { kind: 'ok', buf: readCapped(fd, stat.size), stat };
  } catch {
    return { kind: 'gone' }; // vanished or failed mid-read: the caller looks again later
  } finally {
    closeSync(fd);
  }
}

/** Size cap for small control files such as `.gitignore` and `.llmrignore`. */
export const CONTROL_FILE_MAX = 1 << 20;

/** Reads a small UTF-8 control file (ignore rules); undefined when absent, unsafe or too large. */
export function readRepoText(root: string, rel: string, maxBytes = CONTROL_FILE_MAX): string | undefined {
  const r = readRepoFile(root, rel, maxBytes);
  return r.kind === 'ok' ? r.buf.toString('utf8') : undefined;
}
