/**
 * `io/edit`: read the file through the io-read pool, apply the replacements in memory, write the
 * result through the io-write path with the sha256 of what was read (a change in between is a
 * WRITE_CONFLICT and nothing is written). Takes narrow dependencies so a workspace can own it.
 */
import { createHash } from 'node:crypto';
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import type { EditParams, EditResult } from '../../protocol/edit.js';
import type { ReadParams, ReadResult, WriteParams, WriteResult } from '../../protocol/io.js';
import type { RequestContext } from '../context.js';
import type { AuditSink } from '../audit/record.js';
import { unifiedDiff } from './diff.js';
import { applyEdits, checkEdits } from './edit-apply.js';

export interface EditDeps {
  root: string;
  read: (params: ReadParams, ctx: RequestContext) => Promise<ReadResult>;
  write: (params: WriteParams, ctx: RequestContext) => Promise<WriteResult>;
  audit: AuditSink;
}

const SHA256 = /^[0-9a-f]{64}$/;

function checkParams(params: EditParams): void {
  if (params.dryRun !== undefined && typeof params.dryRun !== 'boolean') throw new LlmrError('INVALID_PARAMS', 'dry_run must be a boolean');
  if (params.expectedSha256 !== undefined && (typeof params.expectedSha256 !== 'string' || !SHA256.test(params.expectedSha256))) {
    throw new LlmrError('INVALID_PARAMS', 'expected_sha256 must be 64 lowercase hex digits');
  }
}

/** Edit one file for the model: all replacements or none; the result is a unified diff. */
export async function editFile(deps: EditDeps, params: EditParams, ctx: RequestContext): Promise<EditResult> {
  const shown = params.path;
  try {
    checkParams(params);
    const edits = checkEdits(params.edits);
    const before = await deps.read({ root: deps.root, path: shown }, ctx);
    if (params.expectedSha256 !== undefined && params.expectedSha256 !== before.sha256) {
      throw new LlmrError('WRITE_CONFLICT', `${shown} changed since it was read`, `expected sha256 ${params.expectedSha256}, found ${before.sha256}`);
    }
    const { text, replacements } = applyEdits(before.content, edits);
    const diff = unifiedDiff(before.path, before.content, text);
    const sha256After = createHash('sha256').update(text).digest('hex');
    const base = { path: before.path, diff, replacements, sha256Before: before.sha256, sha256After };
    let result: EditResult = { ...base, dryRun: true };
    if (params.dryRun !== true) {
      const written = await deps.write({ root: deps.root, path: before.path, content: text, expectedSha256: before.sha256 }, ctx);
      result = { ...base, dryRun: false, ...(written.backup !== undefined ? { backup: written.backup } : {}) };
    }
    deps.audit.record({ session: ctx.session, operation: 'edit', target: shown, status: 'success',
      metadata: `edits:${edits.length},replacements:${replacements},dry_run:${result.dryRun},before:${before.sha256},after:${sha256After}` });
    return result;
  } catch (err) {
    const e = asLlmrError(err);
    deps.audit.record({ session: ctx.session, operation: 'edit', target: shown, status: 'failed', metadata: `${e.code}: ${e.message}` });
    throw err;
  }
}
