/**
 * Backups of overwritten files, kept in the state directory (never in the repository):
 * `<state>/backups/<workspace-id>/<rel>.<UTC timestamp>`, files 0600 in 0700 directories.
 *
 * A small previous content (≤ 256 KiB; a bigger one is written asynchronously) is saved with a
 * synchronous call, whose fs/promises form costs the main thread several times more. The oldest
 * backup is removed after the answer, off the main thread (an unlink can take a millisecond). Which backups a
 * file has is listed once and then kept up to date by this module (it makes and removes them; io/undo
 * removes through `removeBackup`); the listing is read again when it is a minute old, or when an
 * unlink finds a backup gone. A backup removed by other means can thus make the next prunes keep
 * one fewer than BACKUPS_PER_FILE for up to that minute; retention is a convenience, not a check.
 */
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Backups kept per file; older ones are removed when a new one is saved. */
export const BACKUPS_PER_FILE = 20;
let sequence = 0;
/** Directories made already: one mkdir per directory, not per write. */
const madeDirs = new Set<string>();
/** Above this, a backup is written off the main thread. */
const SYNC_WRITE_BYTES = 256 * 1024;
/** How long a listing of a file's backups is trusted. */
const LISTING_MS = 60_000;
const STAMPED = /^\d{8}T\d{9}Z-\d{3}$/;

/** Removals of old backups still under way. */
const pruning = new Set<Promise<void>>();

/** Resolves when every old backup that saves so far decided to remove is gone. */
export async function backupsPruned(): Promise<void> {
  await Promise.all([...pruning]);
}

/** The backups of one file (names, sorted oldest first), keyed by `<dir>\0<base>`. */
const listings = new Map<string, { names: string[]; at: number }>();

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** Create `file` (never an existing one) with `content`, private to the user. */
async function save(file: string, content: Buffer): Promise<void> {
  if (content.length <= SYNC_WRITE_BYTES) writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  else await writeFile(file, content, { mode: 0o600, flag: 'wx' });
}

/** The backups of `base` in `dir` as on disk now. */
function list(dir: string, base: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = []; // removed meanwhile: nothing to prune
  }
  return names.filter((n) => n.startsWith(`${base}.`) && STAMPED.test(n.slice(base.length + 1))).sort();
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
  prune(dir, path.basename(file), path.basename(rel));
  return id;
}

/** Keep the newest BACKUPS_PER_FILE backups of one file (names sort by time: `<base>.<stamp>-<seq>`). */
function prune(dir: string, made: string, base: string): void {
  const key = `${dir}\0${base}`;
  let known = listings.get(key);
  if (known === undefined || Date.now() - known.at > LISTING_MS) {
    known = { names: list(dir, base), at: Date.now() };
    listings.set(key, known);
  } else {
    known.names.push(made);
    known.names.sort();
  }
  const listing = known;
  while (listing.names.length > BACKUPS_PER_FILE) {
    const old = listing.names.shift() as string;
    // gone already: the listing was stale, read it again next time
    const gone = unlink(path.join(dir, old)).catch(() => { if (listings.get(key) === listing) listings.delete(key); });
    pruning.add(gone);
    void gone.finally(() => pruning.delete(gone));
  }
}

/** Remove the backup `id` (relative to `stateDir`), keeping the listing of its file's backups exact. */
export function removeBackup(stateDir: string, id: string): void {
  const file = path.join(stateDir, id);
  const name = path.basename(file);
  const base = name.slice(0, name.lastIndexOf('.'));
  const known = listings.get(`${path.dirname(file)}\0${base}`);
  if (known !== undefined) known.names = known.names.filter((n) => n !== name);
  unlinkSync(file);
}
