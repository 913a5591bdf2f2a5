/**
 * `io/write`: checks (enabled, extension, size, path guard), then in an io-write container:
 * read the previous content (conflict check, backup), write atomically (temp + fsync + rename).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import type { WriteParams, WriteResult } from '../../protocol/io.js';
import { withLease } from '../containers/with-lease.js';
import type { RequestContext } from '../rpc/handle.js';
import type { Workspace } from '../workspaces/workspace.js';
import { saveBackup } from './backup.js';
import { auditFailure, requireString, withIoDeadline } from './common.js';

/** The helper's frame limit leaves room for the header; bigger files are not backed up through it. */
const MAX_PREVIOUS_BYTES = 60 * 1024 * 1024;
const locks = new Map<string, Promise<unknown>>();

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

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

function checkRequest(ws: Workspace, shown: string, content: string): void {
  const cfg = ws.config.commands.write;
  if (!cfg.enabled) throw new LlmrError('COMMAND_DISABLED', 'write is disabled by commands.write.enabled');
  const allowed = cfg.allowed_extensions.map((e) => e.toLowerCase());
  if (allowed.length > 0) {
    const ext = path.posix.extname(shown).toLowerCase();
    if (!allowed.includes(ext)) {
      throw new LlmrError('EXTENSION_DENIED', ext === '' ? `${shown} has no extension` : `extension ${ext} of ${shown} is not allowed`,
        `allowed: ${allowed.join(' ')} (commands.write.allowed_extensions)`);
    }
  }
  const bytes = Buffer.byteLength(content, 'utf8');
  if (bytes > cfg.max_file_size) {
    throw new LlmrError('FILE_TOO_LARGE', `content for ${shown} is ${bytes} bytes, limit ${cfg.max_file_size} (commands.write.max_file_size)`);
  }
}

/** Write one file for the model. */
export async function writeFile(ws: Workspace, params: WriteParams, ctx: RequestContext): Promise<WriteResult> {
  const shown = requireString(params.path, 'path');
  const content = requireString(params.content, 'content');
  try {
    checkRequest(ws, shown, content);
    const target = await ws.guard.forWrite(shown);
    const result = await serialized(target.abs, () => withIoDeadline(ws, ctx, `writing ${shown}`, (signal) => withLease(ws.pools.ioWrite, signal, async (lease): Promise<WriteResult> => {
      let backup: string | undefined;
      const before = await lease.conn.request('R', [target.rel, String(MAX_PREVIOUS_BYTES)], signal)
        .then((f) => f[1] ?? Buffer.alloc(0))
        .catch((err: unknown) => { if (err instanceof LlmrError && err.code === 'FILE_NOT_FOUND') return undefined; throw err; });
      if (params.expectedSha256 !== undefined && (before === undefined || sha256(before) !== params.expectedSha256)) {
        throw new LlmrError('WRITE_CONFLICT', `${shown} changed since it was read`,
          before === undefined ? 'the file no longer exists' : `expected sha256 ${params.expectedSha256}, found ${sha256(before)}`);
      }
      if (before !== undefined && ws.config.commands.write.backup_before_write) {
        backup = await saveBackup(ws.stateDir, ws.id, target.rel, before);
      }
      const [action, written] = await lease.conn.request('W', [target.rel, content, ''], signal);
      return {
        path: target.rel,
        action: action?.toString() === 'UPDATED' ? 'UPDATED' : 'CREATED',
        bytesWritten: Number(written?.toString() ?? '0'),
        sha256: sha256(content),
        ...(backup !== undefined ? { backup, backupPath: path.join(ws.stateDir, backup) } : {}),
      };
    })));
    const meta = `hash:${result.sha256},bytes:${result.bytesWritten},action:${result.action.toLowerCase()}${result.backup ? `,backup:${result.backup}` : ''}`;
    ws.audit.record({ session: ctx.session, operation: 'write', target: shown, status: 'success', metadata: meta });
    return result;
  } catch (err) {
    auditFailure(ws, ctx, 'write', shown, err);
    throw err;
  }
}
