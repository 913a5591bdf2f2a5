/**
 * Backups of overwritten files, kept in the state directory (never in the repository):
 * `<state>/backups/<workspace-id>/<rel>.<UTC timestamp>`, files 0600 in 0700 directories.
 */
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Backups kept per file; older ones are removed when a new one is saved. */
export const BACKUPS_PER_FILE = 20;
let sequence = 0;
/** Directories made already: one mkdir per directory, not per write. */
const madeDirs = new Set<string>();

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** Save `content` as a backup of `rel`; returns its id relative to the state directory. */
export async function saveBackup(stateDir: string, workspaceId: string, rel: string, content: Buffer, now = new Date()): Promise<string> {
  sequence = (sequence + 1) % 1000;
  const id = path.posix.join('backups', workspaceId, `${rel}.${stamp(now)}-${String(sequence).padStart(3, '0')}`);
  const file = path.join(stateDir, id);
  const dir = path.dirname(file);
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    madeDirs.add(dir);
  }
  await writeFile(file, content, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true, mode: 0o700 }); // removed since we made it
    await writeFile(file, content, { mode: 0o600, flag: 'wx' });
  });
  await prune(path.dirname(file), path.basename(rel));
  return id;
}

/** Keep the newest BACKUPS_PER_FILE backups of one file (names sort by time: `<base>.<stamp>-<seq>`). */
async function prune(dir: string, base: string): Promise<void> {
  const mine = (await readdir(dir)).filter((n) => n.startsWith(`${base}.`) && /^\d{8}T\d{9}Z-\d{3}$/.test(n.slice(base.length + 1))).sort();
  for (const old of mine.slice(0, Math.max(0, mine.length - BACKUPS_PER_FILE))) {
    await unlink(path.join(dir, old)).catch(() => undefined); // already gone: nothing to prune
  }
}
