/**
 * Undo records of read-write commands: for each run, what it created, changed and deleted, and a
 * copy of every file it overwrote or deleted (taken from the mirror, snapshot.ts). Restoring
 * happens host-side, so every parent of a restored path is checked to be a real directory inside
 * the root (a command may have replaced one with a symlink) and files are written to a temp name
 * with `wx` and renamed into place; nothing ever follows a symlink the command left.
 */
import { lchown, copyFile, lstat, mkdir, readFile, readdir, rename, rm, rmdir, symlink, unlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import type { Changes, Entry, Mirror, Tree } from './snapshot.js';

export interface UndoRecord {
  id: string;
  command: string;
  at: string;
  changes: Changes;
  /** Entry of each changed or deleted path before the command; of each created one after it. */
  before: Record<string, Entry>;
  after: Record<string, Entry>;
  /** Changed or deleted files with no copy (too large for the mirror). */
  unrestorable: string[];
  undone?: boolean;
}

export interface UndoOutcome {
  id: string;
  command: string;
  restored: string[];
  removed: string[];
  skipped: string[];
}

/** Save the record of one run, copying from the mirror what it overwrote or deleted. */
export async function saveRecord(dir: string, mirror: Mirror, rec: Omit<UndoRecord, 'before' | 'after' | 'unrestorable'>, before: Tree, after: Tree): Promise<UndoRecord> {
  const runDir = path.join(dir, rec.id);
  const full: UndoRecord = { ...rec, before: {}, after: {}, unrestorable: [] };
  for (const rel of [...rec.changes.changed, ...rec.changes.deleted]) {
    const b = before.get(rel) as Entry;
    full.before[rel] = b;
    if (b.kind === 'file' && !(await mirror.take(rel, b.key, path.join(runDir, 'files', rel)))) full.unrestorable.push(rel);
  }
  for (const rel of [...rec.changes.created, ...rec.changes.changed]) full.after[rel] = after.get(rel) as Entry;
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(runDir, 'run.json'), JSON.stringify(full));
  return full;
}

/** The newest record not yet undone. */
async function latest(dir: string): Promise<UndoRecord | undefined> {
  const ids = (await readdir(dir).catch(() => [] as string[])).sort().reverse();
  for (const id of ids) {
    const rec = JSON.parse(await readFile(path.join(dir, id, 'run.json'), 'utf8').catch(() => '{}')) as UndoRecord;
    if (rec.id === id && rec.undone !== true) return rec;
  }
  return undefined;
}

/** Every parent of `rel` is a real directory under `root` (created when missing); throws otherwise. */
async function safeParent(root: string, rel: string, owner: { uid: number; gid: number }): Promise<string> {
  let dir = root;
  for (const part of path.posix.dirname(rel).split('/').filter((p) => p !== '' && p !== '.')) {
    if (part === '..') throw new Error(`${rel} escapes the repository`);
    dir = path.join(dir, part);
    const s = await lstat(dir).catch(() => undefined);
    if (s === undefined) { await mkdir(dir, { mode: 0o755 }); await own(dir, owner); continue; }
    if (!s.isDirectory()) throw new Error(`${path.relative(root, dir)} is no longer a directory (a symlink or a file)`);
  }
  return dir;
}

/** Files llmr restores belong to the repository's owner (only a root daemon can, and needs to, say so). */
async function own(abs: string, owner: { uid: number; gid: number }): Promise<void> {
  if (process.getuid?.() === 0) await lchown(abs, owner.uid, owner.gid); // lchown: a restored symlink is never followed
}

const keyOf = async (abs: string): Promise<string | undefined> => {
  const s = await lstat(abs, { bigint: true }).catch(() => undefined);
  if (s === undefined) return undefined;
  return s.isDirectory() ? 'dir' : `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.mode}`;
};

async function restoreOne(root: string, runDir: string, rel: string, b: Entry, owner: { uid: number; gid: number }): Promise<void> {
  const parent = await safeParent(root, rel, owner);
  const abs = path.join(parent, path.posix.basename(rel));
  const now = await lstat(abs).catch(() => undefined);
  if (now?.isDirectory() === true && b.kind !== 'dir') throw new Error(`${rel} is now a directory`);
  if (b.kind === 'dir') {
    if (now?.isDirectory() === true) return;
    if (now !== undefined) await unlink(abs); // a file or symlink the command put in the directory's place
    await mkdir(abs);
    await own(abs, owner);
    return;
  }
  const tmp = path.join(parent, `.${path.posix.basename(rel)}.llmr-undo-${process.pid}.tmp`);
  await rm(tmp, { force: true });
  if (b.kind === 'link') await symlink(b.target ?? '', tmp);
  else await copyFile(path.join(runDir, 'files', rel), tmp, 0);
  await own(tmp, owner);
  // the mode after the owner: a root daemon never leaves a root-owned set-id file in the repository, not even briefly
  if (b.kind !== 'link') await chmod(tmp, Number(b.key.split(':')[4]) & 0o7777);
  await rename(tmp, abs);
}

/**
 * Put back what `rec` changed (only the paths in `only` when given): remove what it created unless
 * changed since, restore what it changed or deleted from the run's copies.
 */
export async function applyUndo(root: string, dir: string, rec: UndoRecord, owner: { uid: number; gid: number }, only?: Set<string>): Promise<UndoOutcome> {
  const pick = (rels: string[]): string[] => rels.filter((r) => only === undefined || only.has(r));
  const out: UndoOutcome = { id: rec.id, command: rec.command, restored: [], removed: [], skipped: pick(rec.unrestorable).map((r) => `${r} (no copy: too large)`) };
  for (const rel of pick(rec.changes.created).sort().reverse()) {
    const abs = path.join(root, rel);
    const want = rec.after[rel];
    const key = await keyOf(abs);
    if (key === undefined) continue;
    if (key !== want.key) { out.skipped.push(`${rel} (changed since)`); continue; }
    try {
      await safeParent(root, rel, owner);
      if (want.kind === 'dir') await rmdir(abs); else await unlink(abs);
      out.removed.push(rel);
    } catch (err) {
      out.skipped.push(`${rel} (${(err as Error).message})`);
    }
  }
  const runDir = path.join(dir, rec.id);
  for (const rel of pick([...rec.changes.deleted, ...rec.changes.changed]).sort()) {
    if (rec.unrestorable.includes(rel)) continue;
    const want = rec.after[rel];
    if (want !== undefined && (await keyOf(path.join(root, rel))) !== want.key) { out.skipped.push(`${rel} (changed since)`); continue; }
    try {
      await restoreOne(root, runDir, rel, rec.before[rel], owner);
      out.restored.push(rel);
    } catch (err) {
      out.skipped.push(`${rel} (${(err as Error).message})`);
    }
  }
  return out;
}

/** Undo the newest read-write command not yet undone; NOTHING_TO_RESTORE when there is none. */
export async function undoLatest(root: string, dir: string, owner: { uid: number; gid: number }): Promise<UndoOutcome> {
  const rec = await latest(dir);
  if (rec === undefined) throw new LlmrError('NOTHING_TO_RESTORE', `no read-write command of ${root} is left to undo`, 'only commands run with commands.exec.repository: read-write are recorded');
  const out = await applyUndo(root, dir, rec, owner);
  await writeFile(path.join(dir, rec.id, 'run.json'), JSON.stringify({ ...rec, undone: true }));
  return out;
}
