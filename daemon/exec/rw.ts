/**
 * Read-write commands (`commands.exec.repository: read-write`): one at a time per root and the roots
 * above and below it (two workspaces /repo and /repo/sub share one turn), each
 * between two walks of the repository. Before: the walk, and the mirror brought up to date (so the
 * old content of anything the command overwrites or deletes is kept). After: the second walk, the
 * changes (reported, capped, and saved as an undo record), and the repair of changes a command must
 * not make — to protected paths, a `.git` that was not there, new excluded paths (no one could see
 * or undo them), new hard links (they would alias a file under another name) — which are put back
 * at once and reported as refused.
 */
import { LlmrError } from '../../protocol/errors.js';
import { lstatSync } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ExecChanges } from '../../protocol/exec.js';
import { diffTrees, Mirror, walkTree } from './snapshot.js';
import { applyUndo, saveRecord, undoLatest, type UndoOutcome } from './undo.js';
import { isInside } from '../paths/inside.js';

export interface RwInput {
  root: string;
  /** `<stateDir>/exec-undo/<workspace id>` */
  dir: string;
  owner: { uid: number; gid: number };
  isExcluded(rel: string): boolean;
  /** `rel` is excluded by its own name, under any folders (a name-only pattern such as `*.key`). */
  isExcludedByName(rel: string): boolean;
  isProtected(rel: string): boolean;
}

export interface ReadWrite {
  /** Run `fn` as a read-write command and report what it changed. */
  around<T>(command: string, fn: () => Promise<T>): Promise<{ value: T; changes: ExecChanges }>;
  undo(): Promise<UndoOutcome>;
}

/** Entries per list in a result (the undo record keeps them all). */
export const LIST_CAP = 20;
const MAX_ENTRIES = 200_000;
const LIMITS = { maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 * 1024 };

const cap = (list: string[]): string[] => list.slice(0, LIST_CAP);

/** The read-write runner of one workspace. */
export function createReadWrite(input: RwInput): ReadWrite {
  const mirror = new Mirror(path.join(input.dir, 'mirror'), LIMITS);
  const runs = path.join(input.dir, 'runs');
  let seq = 0;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => exclusive(input.root, fn);
  return {
    around: (command, fn) => serial(async () => {
      const gitBefore = await lstat(path.join(input.root, '.git')).catch(() => undefined);
      const nested: string[] = [];
      const hidden: string[] = [];
      const before = await walkTree(input.root, { isExcluded: input.isExcluded, maxEntries: MAX_ENTRIES, onExcluded: (rel) => {
        hidden.push(rel);
        if (renameCouldReveal(input, rel)) nested.push(rel);
      } });
      if (nested.length > 0) {
        throw new LlmrError('COMMAND_DISABLED', `read-write commands are unavailable in this repository: excluded ${nested[0]}${nested.length > 1 ? ` (and ${nested.length - 1} more)` : ''} is excluded by its folder's path, and a command could rename that folder`,
          'use commands.exec.repository: read-only, exclude the file by its name (a pattern without /, such as *.key), or exclude its whole top-level folder');
      }
      await mirror.sync(input.root, before);
      const hiddenBefore = identities(input.root, hidden);
      const value = await fn();
      const hiddenAfter: string[] = [];
      const after = await walkTree(input.root, { isExcluded: input.isExcluded, maxEntries: MAX_ENTRIES, onExcluded: (rel) => { hiddenAfter.push(rel); } });
      const changes = diffTrees(before, after);
      const refused = await repairGit(input.root, gitBefore);
      refused.push(...await removeNew(input.root, hiddenAfter, hiddenBefore));
      const bad = [...changes.created, ...changes.changed, ...changes.deleted].filter((rel) =>
        input.isProtected(rel) || ((after.get(rel)?.nlink ?? 1) > 1 && after.get(rel)?.kind === 'file'));
      seq += 1;
      const id = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${seq}`;
      const rec = await saveRecord(runs, mirror, { id, command, at: new Date().toISOString(), changes }, before, after);
      if (bad.length > 0) {
        await applyUndo(input.root, runs, rec, input.owner, new Set(bad));
        refused.push(...bad);
      }
      const keep = (l: string[]): string[] => l.filter((r) => !bad.includes(r));
      const kept = { created: keep(changes.created), changed: keep(changes.changed), deleted: keep(changes.deleted) };
      return {
        value,
        changes: {
          created: cap(kept.created), changed: cap(kept.changed), deleted: cap(kept.deleted), refused: cap(refused),
          counts: { created: kept.created.length, changed: kept.changed.length, deleted: kept.deleted.length },
          unrestorable: cap(rec.unrestorable.filter((r) => !bad.includes(r))), undoId: id,
        },
      };
    }),
    undo: () => serial(() => undoLatest(input.root, runs, input.owner)),
  };
}

/** Read-write commands and undos under way in this daemon, by (realpath'd) root. */
const active = new Set<{ root: string; done: Promise<void> }>();

/**
 * Run `fn` when no read-write command or undo of an overlapping root (the same, one above or one
 * below it: /repo and /repo/sub) is under way, in any workspace (a reopened one included). Undo's
 * host-side restores check each parent once and then use its path; that is sound only while no
 * command of any workspace that can reach those paths runs, and a finished command leaves no process.
 */
async function exclusive<T>(root: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    const busy = [...active].filter((e) => isInside(e.root, root) || isInside(root, e.root));
    if (busy.length === 0) break;
    await Promise.allSettled(busy.map((e) => e.done));
  }
  let release = (): void => undefined;
  const entry = { root, done: new Promise<void>((resolve) => { release = resolve; }) };
  active.add(entry);
  try {
    return await fn();
  } finally {
    active.delete(entry);
    release();
  }
}

/**
 * Whether a command could take excluded `rel` out of the excluded set by renaming a folder above it.
 * Inside the container a mask moves with a renamed folder (the kernel keeps a mount on its dentry)
 * and the masked path itself cannot be renamed, linked or deleted (EBUSY, EXDEV); but after the
 * command, on the host, the file lies at the new path, and the next command, `<open>` and the index
 * see it unmasked unless that path is excluded too. It is when a name-only pattern excludes its
 * name (`node_modules/x/test/server.key` by `*.key`), and always at the top (no folder above).
 */
function renameCouldReveal(input: RwInput, rel: string): boolean {
  return rel.includes('/') && !input.isExcludedByName(rel);
}

/**
 * Excluded paths the command created (a nested `.git` whose config names a `core.fsmonitor`
 * program that the user's own git would run, an `.npmrc` naming another registry, a key): llmr can
 * neither show them nor undo them, so they are removed at once. The walk reached each through real
 * directories and no process of the command is left, so the paths still lead where the walk saw them.
 */
async function removeNew(root: string, rels: string[], before: Set<string>): Promise<string[]> {
  // by identity, not name: a folder the command renamed takes its excluded files along (they stay masked)
  const fresh = rels.filter((rel) => { const id = identityOf(path.join(root, rel)); return id === undefined || !before.has(id); });
  for (const rel of fresh) await rm(path.join(root, rel), { recursive: true, force: true }); // rm never follows a symlink
  return fresh.sort();
}

function identityOf(abs: string): string | undefined {
  const st = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? undefined : `${st.dev}:${st.ino}`;
}

/** (dev, inode) of each path that exists. */
function identities(root: string, rels: string[]): Set<string> {
  const ids = new Set<string>();
  for (const rel of rels) { const id = identityOf(path.join(root, rel)); if (id !== undefined) ids.add(id); }
  return ids;
}

/** A `.git` the repository did not have (a symlink, say) is removed; an existing one is a read-only mount. */
async function repairGit(root: string, before: { ino: number } | undefined): Promise<string[]> {
  if (before !== undefined) return [];
  const now = await lstat(path.join(root, '.git')).catch(() => undefined);
  if (now === undefined) return [];
  await rm(path.join(root, '.git'), { recursive: true, force: true }); // rm never follows a symlink
  return ['.git'];
}
