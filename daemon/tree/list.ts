/**
 * `io/list`: a `.gitignore`-aware tree of one folder, excluded paths never shown, capped with a
 * note of what was left out. Reads directory entries on the host (names and types only; no file
 * contents): the repository's folders are not secret once their entries pass the exclusion list,
 * and a container round trip per folder would cost more than the whole walk.
 */
import picomatch from 'picomatch';
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import type { ListEntry, ListParams, ListResult } from '../../protocol/list.js';
import type { RequestContext } from '../context.js';
import type { AuditSink } from '../audit/record.js';
import { resolveFolder } from './folder.js';
import { sizeOf, walkTree, type WalkEntry, type WalkState } from './walk.js';

export interface ListDeps {
  root: string;
  /** Excluded or protected per the path guard (pure, no filesystem access). */
  isHidden: (rel: string) => boolean;
  audit: AuditSink;
}

export const LIST_DEFAULTS = { depth: 3, maxEntries: 1000, maxDepth: 20, hardMaxEntries: 10_000, walkBudget: 100_000 } as const;

function intParam(value: unknown, name: string, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LlmrError('INVALID_PARAMS', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function toEntry(root: string, e: WalkEntry, start: number): ListEntry {
  const size = e.kind === 'file' ? sizeOf(root, e.rel) : undefined;
  return { path: e.kind === 'directory' ? `${e.rel}/` : e.rel, kind: e.kind, depth: e.depth - start, ...(size !== undefined ? { size } : {}) };
}

/** Files whose name matches, and the folders leading to them, in tree order. */
function filterByName(all: WalkEntry[], glob: string): WalkEntry[] {
  const isMatch = picomatch(glob, { dot: true });
  const keep = new Set<string>();
  for (const e of all) {
    if (e.kind === 'directory' || !isMatch(e.rel.slice(e.rel.lastIndexOf('/') + 1))) continue;
    keep.add(e.rel);
    for (let i = e.rel.indexOf('/'); i >= 0; i = e.rel.indexOf('/', i + 1)) keep.add(e.rel.slice(0, i));
  }
  return all.filter((e) => keep.has(e.rel));
}

/** List one folder of the repository for the model. */
export async function listDirectory(deps: ListDeps, params: ListParams, ctx: RequestContext): Promise<ListResult> {
  const shown = typeof params.path === 'string' && params.path !== '' ? params.path : '.';
  try {
    if (params.path !== undefined && typeof params.path !== 'string') throw new LlmrError('INVALID_PARAMS', 'path must be a string');
    if (params.name !== undefined && (typeof params.name !== 'string' || params.name === '')) throw new LlmrError('INVALID_PARAMS', 'name must be a non-empty glob');
    const depth = intParam(params.depth, 'depth', 1, LIST_DEFAULTS.maxDepth, LIST_DEFAULTS.depth);
    const max = intParam(params.maxEntries, 'max_entries', 1, LIST_DEFAULTS.hardMaxEntries, LIST_DEFAULTS.maxEntries);
    const folder = await resolveFolder(deps.root, params.path, deps.isHidden);
    if (folder.kind !== 'directory') throw new LlmrError('NOT_A_DIRECTORY', `${shown} is a file, not a folder`, 'read it with read_file / <open>');
    const state: WalkState = { examined: 0, exhausted: false };
    const walked: WalkEntry[] = [];
    for (const e of walkTree({ root: deps.root, start: folder.rel, isHidden: deps.isHidden, maxDepth: depth, budget: LIST_DEFAULTS.walkBudget }, state)) {
      if (ctx.signal.aborted) throw new LlmrError('CANCELLED', 'list cancelled');
      walked.push(e);
    }
    const matching = params.name === undefined ? walked : filterByName(walked, params.name);
    const entries = matching.slice(0, max).map((e) => toEntry(deps.root, e, 0));
    const notes: string[] = [];
    if (matching.length > max) notes.push(`${matching.length - max} more entries not shown (limit ${max}); list a subfolder or lower depth`);
    if (state.exhausted) notes.push(`walk stopped after ${LIST_DEFAULTS.walkBudget} entries; the tree is larger than that`);
    const result: ListResult = { path: folder.rel === '' ? '.' : folder.rel, entries, truncated: notes.length > 0, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
    deps.audit.record({ session: ctx.session, operation: 'list', target: shown, status: 'success', metadata: `entries:${entries.length},truncated:${result.truncated}` });
    return result;
  } catch (err) {
    const e = asLlmrError(err);
    deps.audit.record({ session: ctx.session, operation: 'list', target: shown, status: 'failed', metadata: `${e.code}: ${e.message}` });
    throw err;
  }
}
