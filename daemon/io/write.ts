/**
 * `io/write`: checks (enabled, extension, size, path guard), then in an io-write container:
 * read the previous content (conflict check, backup; skipped when neither applies), write atomically
 * (temp + fsync + rename).
 */
import { hash } from 'node:crypto';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import type { WriteParams, WriteResult } from '../../protocol/io.js';
import { withLease } from '../containers/with-lease.js';
import type { Lease } from '../containers/pool.js';
import type { ResolvedPath } from '../paths/guard.js';
import type { RequestContext } from '../context.js';
import { saveBackup } from './backup.js';
import { auditFailure, withIoDeadline, type IoDeps, type IoLimits } from './common.js';

/** The helper's frame limit leaves room for the header; bigger files are not backed up through it. */
const MAX_PREVIOUS_BYTES = 60 * 1024 * 1024;
const locks = new Map<string, Promise<unknown>>();

const sha256 = (b: Buffer | string): string => hash('sha256', b, 'hex');

/** Run `fn` after every earlier write to the same file has finished. */
async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

function checkRequest(cfg: IoLimits['write'], shown: string, content: string): void {
  if (!cfg.enabled) throw new LlmrError('COMMAND_DISABLED', 'write is disabled by commands.write.enabled');
  const allowed = cfg.allowedExtensions.map((e) => e.toLowerCase());
  if (allowed.length > 0) {
    const ext = path.posix.extname(shown).toLowerCase();
    if (!allowed.includes(ext)) {
      throw new LlmrError('EXTENSION_DENIED', ext === '' ? `${shown} has no extension` : `extension ${ext} of ${shown} is not allowed`,
        `allowed: ${allowed.join(' ')} (commands.write.allowed_extensions)`);
    }
  }
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > cfg.maxFileSize) {
    throw new LlmrError('FILE_TOO_LARGE', `content for ${shown} is ${bytes} bytes, limit ${cfg.maxFileSize} (commands.write.max_file_size)`);
  }
}

/** The previous content of the target (the file the guard checked), or undefined when there is none. */
async function previous(lease: Lease, target: ResolvedPath, signal: AbortSignal): Promise<Buffer | undefined> {
  if (target.id === undefined) return undefined; // the guard found no file there
  try {
    return (await lease.conn.read(target.rel, MAX_PREVIOUS_BYTES, target.id, signal)).content;
  } catch (err) {
    if (err instanceof LlmrError && err.code === 'FILE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** In one io-write container: conflict check and backup of the previous content, then the atomic write. */
async function replace(deps: IoDeps, lease: Lease, target: ResolvedPath, shown: string, params: WriteParams, signal: AbortSignal): Promise<WriteResult> {
  const { rel, anchor } = target;
  if (anchor === undefined) throw new LlmrError('INTERNAL', `the path guard gave no parent identity for ${shown}`);
  // the previous content serves the conflict check and the backup only: without either, one round trip fewer
  const needed = params.expectedSha256 !== undefined || deps.limits.write.backupBeforeWrite;
  const before = needed ? await previous(lease, target, signal) : undefined;
  if (params.expectedSha256 !== undefined && (before === undefined || sha256(before) !== params.expectedSha256)) {
    throw new LlmrError('WRITE_CONFLICT', `${shown} changed since it was read`,
      before === undefined ? 'the file no longer exists' : `expected sha256 ${params.expectedSha256}, found ${sha256(before)}`);
  }
  let backup: string | undefined;
  if (before !== undefined && deps.limits.write.backupBeforeWrite) {
    backup = await saveBackup(deps.backups.stateDir, deps.backups.workspaceId, rel, before);
  }
  const { action, bytesWritten } = await lease.conn.write(rel, params.content, anchor, signal);
  return { path: rel, action, bytesWritten, sha256: sha256(params.content), ...(backup !== undefined ? { backup, backupPath: path.join(deps.backups.stateDir, backup) } : {}) };
}

/** Write one file for the model. */
export async function writeFile(deps: IoDeps, params: WriteParams, ctx: RequestContext): Promise<WriteResult> {
  const shown = params.path;
  const content = params.content;
  try {
    checkRequest(deps.limits.write, shown, content);
    const target = await deps.guard.forWrite(shown);
    const result = await serialized(target.abs, () => withIoDeadline(deps.limits.timeoutSeconds, ctx, `writing ${shown}`,
      (signal) => withLease(deps.writePool, signal, (lease) => replace(deps, lease, target, shown, { ...params, content }, signal))));
    const meta = `hash:${result.sha256},bytes:${result.bytesWritten},action:${result.action.toLowerCase()}${result.backup ? `,backup:${result.backup}` : ''}`;
    deps.audit.record({ session: ctx.session, operation: 'write', target: shown, status: 'success', metadata: meta });
    return result;
  } catch (err) {
    auditFailure(deps.audit, ctx, 'write', shown, err);
    throw err;
  }
}
