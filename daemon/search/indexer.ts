/**
 * Reconciles the index with the work tree: size and mtime first, then the content hash;
 * only files whose content changed are re-chunked; files gone from the listing are removed.
 * Work is done in batches, each one transaction, yielding to the event loop in between so
 * queries keep being served while a large tree is indexed.
 */
import { createHash } from 'node:crypto';
import { setImmediate as yieldNow } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import { chunkText } from './chunker.js';
import type { ChunkInput, FileRow, Store } from './db.js';
import { hasIndexedExtension, listFiles, ALWAYS_PRUNED, type FileFilter, type Listing } from './files.js';
import { readForIndex, statEntry } from './reader.js';
import type { Syntax } from './syntax.js';
import { codeTokens, pathTokens } from './tokens.js';

export interface IndexerDeps {
  root: string;
  store: Store;
  filter: FileFilter;
  maxFileSize: number;
  log: Logger;
  /** Parse trees for chunk boundaries and definitions; without it (or for a file it cannot parse) chunks come from lines. */
  syntax?: Syntax;
}

export type Progress = (p: { phase: string; done: number; total: number }) => void;

export interface ReconcileStats {
  listed: number;
  indexed: number;
  removed: number;
  skipped: number;
  durationMs: number;
}

type Outcome = 'unchanged' | 'touched' | 'indexed' | 'skipped' | 'removed';

const BATCH = 100;

/** Chunks of a decoded file with their FTS token columns (from its parse tree when `syntax` has its grammar loaded). */
export function buildChunks(rel: string, text: string, syntax?: Syntax): ChunkInput[] {
  const path = pathTokens(rel);
  return chunkText(text, rel, syntax?.outline(rel, text)).map((c) => ({
    ...c,
    hash: createHash('sha256').update(c.text).digest('hex').slice(0, 32),
    pathTokens: path,
    symbolTokens: codeTokens(c.symbols.join(' ')),
    bodyTokens: codeTokens(c.text),
  }));
}

function skipRow(store: Store, rel: string, size: number, mtime: number, reason: string): Outcome {
  store.putFile(rel, { size, mtime, hash: null, lines: 0, skip: reason }, []);
  return 'skipped';
}

/** Brings one path's rows in line with the file on disk. */
function indexOne(d: IndexerDeps, rel: string, old: FileRow | undefined, force: boolean, dirs: Map<string, boolean>): Outcome {
  const st = statEntry(d.root, rel);
  if (st === undefined || !st.regular) {
    if (old) d.store.removeFile(rel);
    return st === undefined ? 'removed' : 'skipped';
  }
  // A link count above one may mean another name is an excluded file: refused even if unchanged.
  if (st.nlink > 1) return old?.skip === 'hard-link' ? 'unchanged' : skipRow(d.store, rel, st.size, st.mtimeMs, 'hard-link');
  if (old && !force && old.size === st.size && old.mtime === st.mtimeMs) return 'unchanged';
  if (st.size > d.maxFileSize) return skipRow(d.store, rel, st.size, st.mtimeMs, 'too-large');
  const r = readForIndex(d.root, rel, d.maxFileSize, dirs);
  if (r.kind === 'gone') {
    if (old) d.store.removeFile(rel);
    return 'removed';
  }
  if (r.kind === 'skip') return skipRow(d.store, rel, r.size, r.mtimeMs, r.reason);
  if (old && !force && old.skip === null && old.hash === r.hash) {
    d.store.touch(rel, r.size, r.mtimeMs);
    return 'touched';
  }
  const chunks = buildChunks(rel, r.text, d.syntax);
  const lines = chunks.length === 0 ? 0 : chunks[chunks.length - 1].endLine;
  d.store.putFile(rel, { size: r.size, mtime: r.mtimeMs, hash: r.hash, lines, skip: null }, chunks);
  return 'indexed';
}

function tally(stats: ReconcileStats, o: Outcome): void {
  if (o === 'indexed') stats.indexed++;
  else if (o === 'removed') stats.removed++;
  else if (o === 'skipped') stats.skipped++;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new LlmrError('CANCELLED', 'index reconcile was cancelled', undefined, { cause: signal.reason });
}

/** Processes paths in transactional batches, yielding between them. */
async function processPaths(d: IndexerDeps, paths: string[], known: Map<string, FileRow>, opts: {
  force: boolean; onProgress?: Progress; signal?: AbortSignal; stats: ReconcileStats;
}): Promise<void> {
  const dirs = new Map<string, boolean>();
  for (let i = 0; i < paths.length; i += BATCH) {
    checkAbort(opts.signal);
    opts.onProgress?.({ phase: 'index', done: i, total: paths.length });
    const batch = paths.slice(i, i + BATCH);
    await d.syntax?.prepare(batch);
    d.store.transaction(() => {
      for (const rel of batch) tally(opts.stats, indexOne(d, rel, known.get(rel), opts.force, dirs));
    });
    await yieldNow();
  }
  opts.onProgress?.({ phase: 'index', done: paths.length, total: paths.length });
}

/** Full reconcile: lists the tree, updates changed files, removes vanished ones. */
export async function reconcileAll(d: IndexerDeps, opts: { force?: boolean; onProgress?: Progress; signal?: AbortSignal } = {}): Promise<ReconcileStats & { listing: Listing }> {
  const t0 = performance.now();
  opts.onProgress?.({ phase: 'list', done: 0, total: 0 });
  const listing = await listFiles(d.root, d.filter, opts.signal);
  const known = new Map(d.store.allFiles().map((f) => [f.path, f]));
  const stats: ReconcileStats = { listed: listing.files.length, indexed: 0, removed: 0, skipped: 0, durationMs: 0 };
  const wanted = new Set(listing.files);
  const gone = [...known.keys()].filter((p) => !wanted.has(p));
  d.store.transaction(() => { for (const p of gone) d.store.removeFile(p); });
  stats.removed += gone.length;
  await processPaths(d, listing.files, known, { force: opts.force ?? false, onProgress: opts.onProgress, signal: opts.signal, stats });
  if (opts.force) d.store.gcVectors();
  stats.durationMs = performance.now() - t0;
  d.log.debug({ ...stats, source: listing.source }, 'index reconciled');
  return { ...stats, listing };
}

/** Whether a path may be in the index at all (exclusions, pruned folders, extensions). */
export function indexable(d: IndexerDeps, rel: string): boolean {
  if (rel.split('/').some((s) => ALWAYS_PRUNED.has(s))) return false;
  return !d.filter.isExcluded(rel) && hasIndexedExtension(rel, d.filter.extensions);
}

/** Reconciles only the given paths, all of which are already known to the index. */
export async function reconcileKnown(d: IndexerDeps, paths: string[], signal?: AbortSignal): Promise<ReconcileStats> {
  const t0 = performance.now();
  const known = new Map<string, FileRow>();
  for (const p of paths) {
    const row = d.store.file(p);
    if (row) known.set(p, row);
  }
  const stats: ReconcileStats = { listed: paths.length, indexed: 0, removed: 0, skipped: 0, durationMs: 0 };
  const ok = paths.filter((p) => indexable(d, p));
  const drop = paths.filter((p) => !indexable(d, p));
  d.store.transaction(() => { for (const p of drop) d.store.removeFile(p); });
  await processPaths(d, ok, known, { force: false, signal, stats });
  stats.durationMs = performance.now() - t0;
  return stats;
}
