/**
 * Backups of overwritten files, kept in the state directory (never in the repository):
 * `<state>/backups/<workspace-id>/<rel>.<UTC timestamp>`, files 0600 in 0700 directories.
 *
 * Saved with synchronous calls: a small previous content (≤ 256 KiB; a bigger one is written
 * asynchronously) into the page cache, one listing of the file's backup directory and an unlink
 * or two. The fs/promises forms of those (open, write, close, readdir, unlink) cost the main
 * thread several times more per write than the calls themselves.
 */
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Backups kept per file; older ones are removed when a new one is saved. */
export const BACKUPS_PER_FILE = 20;
let sequence = 0;
/** Directories made already: one mkdir per directory, not per write. */
const madeDirs = new Set<string>();

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** Above this, a backup is written off the main thread. */
const SYNC_WRITE_BYTES = 256 * 1024;

/** Create `file` (never an existing one) with `content`, private to the user. */
async function save(file: string, content: Buffer): Promise<void> {
  if (content.length <= SYNC_WRITE_BYTES) writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  else await writeFile(file, content, { mode: 0o600, flag: 'wx' });
}

/** Save `content` as a backup of `rel`; returns its id relative to the state directory. */
export async function saveBackup(stateDir: string, workspaceId: string, rel: string, content: Buffer, now = new Date()): Promise<string> {
  sequence = (sequence + 1) % 1000;
  const id = path.posix.join('backups', workspaceId, `${rel}.${stamp(now)}-${String(sequence).padStart(3, '0')}`);
  const file = path.join(stateDir, id);
  const dir = path.dirname(file);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    madeDirs.add(dir);
  }
  try {
    await save(file, content);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true, mode: 0o700 }); // removed since we made it
    await save(file, content);
  }
  prune(path.dirname(file), path.basename(rel));
  return id;
}

const STAMPED = /^\d{8}T\d{9}Z-\d{3}$/;

/** Keep the newest BACKUPS_PER_FILE backups of one file (names sort by time: `<base>.<stamp>-<seq>`). */
function prune(dir: string, base: string): void {
  const mine = readdirSync(dir).filter((n) => n.startsWith(`${base}.`) && STAMPED.test(n.slice(base.length + 1))).sort();
  for (const old of mine.slice(0, Math.max(0, mine.length - BACKUPS_PER_FILE))) {
    try {
      unlinkSync(path.join(dir, old));
    } catch {
      // already gone: nothing to prune
    }
  }
}
