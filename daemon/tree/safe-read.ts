/**
 * A minimal safe host-side reader for `search/grep` and the ignore files of the tree walk (the
 * shared `daemon/paths/repo-read.ts` is being written elsewhere; this follows the same rules as the
 * index reader): the parent folder's realpath must lie inside the root, the leaf is opened with
 * O_NOFOLLOW|O_NONBLOCK (a symlink fails, a FIFO cannot block), `fstat` on the descriptor must say
 * regular file, and the size is checked on that descriptor before reading. Callers drop excluded
 * paths before calling. Never throws.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { posix } from 'node:path';

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const IGNORE_FILE_MAX = 256 * 1024;

export type SafeRead = { kind: 'text'; text: string; size: number } | { kind: 'skip'; reason: 'binary' | 'too-large' | 'not-regular' | 'outside-root' | 'gone'; size?: number };

function parentInside(root: string, abs: string): boolean {
  try {
    const rel = posix.relative(root, realpathSync(posix.dirname(abs)));
    return rel === '' || (rel !== '..' && !rel.startsWith('../') && !posix.isAbsolute(rel));
  } catch {
    return false; // folder gone: nothing to read there
  }
}

/** Read `rel` under `root` as UTF-8 text, at most `maxSize` bytes, under the rules above. */
export function safeReadText(root: string, rel: string, maxSize: number): SafeRead {
  const abs = posix.join(root, rel);
  if (!parentInside(root, abs)) return { kind: 'skip', reason: 'outside-root' };
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch {
    return { kind: 'skip', reason: 'not-regular' }; // symlink (ELOOP), gone or unreadable
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'skip', reason: 'not-regular' };
    if (st.size > maxSize) return { kind: 'skip', reason: 'too-large', size: st.size };
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    const bytes = buf.subarray(0, off);
    if (bytes.subarray(0, 8000).includes(0)) return { kind: 'skip', reason: 'binary', size: off };
    try {
      return { kind: 'text', text: UTF8.decode(bytes), size: off };
    } catch {
      return { kind: 'skip', reason: 'binary', size: off }; // not valid UTF-8
    }
  } catch {
    return { kind: 'skip', reason: 'gone' }; // vanished mid-read
  } finally {
    closeSync(fd);
  }
}

/** A small text file (an ignore file), or undefined. */
export function readSmallText(root: string, rel: string): string | undefined {
  const r = safeReadText(root, rel, IGNORE_FILE_MAX);
  return r.kind === 'text' ? r.text : undefined;
}
