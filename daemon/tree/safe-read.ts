/**
 * Text reads for `search/grep` and the ignore files of the tree walk, on top of the one safe
 * host-side reader (daemon/paths/repo-read.ts: parent inside the root, O_NOFOLLOW|O_NONBLOCK,
 * regular file on the descriptor, size cap). Like the index, grep never reads a file with more
 * than one hard link: one of its other names may be an excluded file. Callers drop excluded
 * paths before calling. Never throws.
 */
import { readRepoFile, readRepoText } from '../paths/repo-read.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const IGNORE_FILE_MAX = 256 * 1024;

export type SafeRead =
  | { kind: 'text'; text: string; size: number }
  | { kind: 'skip'; reason: 'binary' | 'too-large' | 'not-regular' | 'outside-root' | 'gone' | 'hard-link'; size?: number };

/** Read `rel` under `root` as UTF-8 text, at most `maxSize` bytes, under the rules above. */
export function safeReadText(root: string, rel: string, maxSize: number): SafeRead {
  const r = readRepoFile(root, rel, maxSize);
  if (r.kind === 'gone') return { kind: 'skip', reason: 'gone' };
  if (r.kind === 'skip') return { kind: 'skip', reason: r.reason, size: r.stat?.size };
  if (r.stat.nlink > 1) return { kind: 'skip', reason: 'hard-link', size: r.stat.size };
  if (r.buf.subarray(0, 8000).includes(0)) return { kind: 'skip', reason: 'binary', size: r.buf.length };
  try {
    return { kind: 'text', text: UTF8.decode(r.buf), size: r.buf.length };
  } catch {
    return { kind: 'skip', reason: 'binary', size: r.buf.length }; // not valid UTF-8
  }
}

/** A small text file (an ignore file), or undefined. */
export function readSmallText(root: string, rel: string): string | undefined {
  return readRepoText(root, rel, IGNORE_FILE_MAX);
}
