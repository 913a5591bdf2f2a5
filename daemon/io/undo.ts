/**
 * `io/undo`: restore a file from llmr's newest backup of it (kept by every write and edit), through
 * the normal write path. The backup used, and the one that restoring itself made, are removed, so a
 * second undo steps one write further back.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import type { UndoParams, UndoResult } from '../../protocol/edit.js';
import type { ReadParams, ReadResult, WriteParams, WriteResult } from '../../protocol/io.js';
import type { PathGuard } from '../paths/guard.js';
import type { RequestContext } from '../context.js';
import type { AuditSink } from '../audit/record.js';
import { removeBackup } from './backup.js';
import { decodeText } from './read.js';
import { unifiedDiff } from './diff.js';

export interface UndoDeps {
  root: string;
  workspaceId: string;
  stateDir: string;
  guard: Pick<PathGuard, 'forWrite'>;
  /** commands.write.backup_before_write: without backups there is nothing to undo. */
  backups: boolean;
  read: (params: ReadParams, ctx: RequestContext) => Promise<ReadResult>;
  write: (params: WriteParams, ctx: RequestContext) => Promise<WriteResult>;
  audit: AuditSink;
}

const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-\d{3}$/;

/** The newest backup of `rel`: its id (relative to the state directory) and when it was taken. */
export async function newestBackup(stateDir: string, workspaceId: string, rel: string): Promise<{ id: string; takenAt: string } | undefined> {
  const dirId = path.posix.join('backups', workspaceId, path.posix.dirname(rel));
  const base = path.posix.basename(rel);
  const names = await readdir(path.join(stateDir, dirId)).catch(() => [] as string[]);
  const mine = names.filter((n) => n.startsWith(`${base}.`) && STAMP.test(n.slice(base.length + 1))).sort();
  const newest = mine[mine.length - 1];
  if (newest === undefined) return undefined;
  const m = STAMP.exec(newest.slice(base.length + 1))!;
  return { id: path.posix.join(dirId, newest), takenAt: `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` };
}

/** Restore the previous content of one file and say what was restored. */
export async function undoEdit(deps: UndoDeps, params: UndoParams, ctx: RequestContext): Promise<UndoResult> {
  const shown = params.path;
  try {
    const target = await deps.guard.forWrite(shown);
    const backup = await newestBackup(deps.stateDir, deps.workspaceId, target.rel);
    if (backup === undefined) {
      throw new LlmrError('NOTHING_TO_UNDO', `no backup of ${target.rel} to restore`,
        deps.backups ? 'only files written or edited through llmr have backups' : 'backups are off (commands.write.backup_before_write)');
    }
    const restored = decodeText(await readFile(path.join(deps.stateDir, backup.id)), `backup ${backup.id}`);
    const current = target.exists ? await deps.read({ root: deps.root, path: target.rel }, ctx) : undefined;
    const written = await deps.write({ root: deps.root, path: target.rel, content: restored,
      ...(current !== undefined ? { expectedSha256: current.sha256 } : {}) }, ctx);
    removeBackup(deps.stateDir, backup.id);
    if (written.backup !== undefined) {
      try {
        removeBackup(deps.stateDir, written.backup);
      } catch {
        // pruned already: fine
      }
    }
    const result: UndoResult = {
      path: target.rel, restored: backup.id, takenAt: backup.takenAt, bytesWritten: written.bytesWritten, sha256: written.sha256,
      diff: unifiedDiff(target.rel, current?.content ?? '', restored),
    };
    deps.audit.record({ session: ctx.session, operation: 'undo', target: shown, status: 'success', metadata: `backup:${backup.id},hash:${written.sha256}` });
    return result;
  } catch (err) {
    const e = asLlmrError(err);
    deps.audit.record({ session: ctx.session, operation: 'undo', target: shown, status: 'failed', metadata: `${e.code}: ${e.message}` });
    throw err;
  }
}
