/**
 * Read-write commands (`commands.exec.repository: read-write`): one at a time per workspace, each
 * between two walks of the repository. Before: the walk, and the mirror brought up to date (so the
 * old content of anything the command overwrites or deletes is kept). After: the second walk, the
 * changes (reported, capped, and saved as an undo record), and the repair of changes a command must
 * not make — to protected paths, a `.git` that was not there, new hard links (they would alias a
 * file under another name) — which are put back at once and reported as refused.
 */
import { LlmrError } from '../../protocol/errors.js';
import { lstat, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ExecChanges } from '../../protocol/exec.js';
import { diffTrees, Mirror, walkTree, type Tree } from './snapshot.js';
import { applyUndo, saveRecord, undoLatest, type UndoOutcome } from './undo.js';

export interface RwInput {
  root: string;
  /** `<stateDir>/exec-undo/<workspace id>` */
  dir: string;
  owner: { uid: number; gid: number };
  isExcluded(rel: string): boolean;
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
  let queue: Promise<unknown> = Promise.resolve();
  let seq = 0;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const walk = (): Promise<Tree> => walkTree(input.root, { isExcluded: input.isExcluded, maxEntries: MAX_ENTRIES });
  return {
    around: (command, fn) => serial(async () => {
      const gitBefore = await lstat(path.join(input.root, '.git')).catch(() => undefined);
      const nested: string[] = [];
      const before = await walkTree(input.root, { isExcluded: input.isExcluded, maxEntries: MAX_ENTRIES, onExcluded: (rel) => { if (rel.includes('/')) nested.push(rel); } });
      // a mask covers its path, not the folders above it: a command could `mv dir other` and read
      // the excluded file under its new name. Fail closed rather than run half-masked.
      if (nested.length > 0) {
        throw new LlmrError('COMMAND_DISABLED', `read-write commands are unavailable in this repository: excluded ${nested[0]}${nested.length > 1 ? ` (and ${nested.length - 1} more)` : ''} lies in a folder a command could rename out from under its mask`,
          'use commands.exec.repository: read-only, or keep excluded files at the top of the repository (or exclude their whole folder)');
      }
      await mirror.sync(input.root, before);
      const value = await fn();
      const after = await walk();
      const changes = diffTrees(before, after);
      const refused = await repairGit(input.root, gitBefore);
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

/** A `.git` the repository did not have (a symlink, say) is removed; an existing one is a read-only mount. */
async function repairGit(root: string, before: { ino: number } | undefined): Promise<string[]> {
  if (before !== undefined) return [];
  const now = await lstat(path.join(root, '.git')).catch(() => undefined);
  if (now === undefined) return [];
  await rm(path.join(root, '.git'), { recursive: true, force: true }); // rm never follows a symlink
  return ['.git'];
}
