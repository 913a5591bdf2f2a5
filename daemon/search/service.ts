/**
 * The search service of one workspace: index database, start-up reconcile, watcher,
 * background vectors, ranked queries. See DESIGN §10.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import type { ReindexResult, SearchResult } from '../../protocol/search.js';
import type { IndexStatus } from '../../protocol/workspace.js';
import { isCorruption, openStore, removeDatabase, type Store } from './db.js';
import { ALWAYS_PRUNED, extensionSet, hasIndexedExtension, type FileFilter } from './files.js';
import { indexable, reconcileAll, reconcileKnown, type IndexerDeps, type Progress } from './indexer.js';
import { createEmbedClient } from './ollama.js';
import { createWorkQueue, type PendingChange, type WorkQueue } from './queue.js';
import { fuse, rankLexical, scaleFor, toHits, type FileCandidate } from './ranker.js';
import { createSyntax, type Syntax } from './syntax.js';
import type { Grammar } from './syntax-defs.js';
import { parseQuery } from './tokens.js';
import { createVectors, type Vectors } from './vectors.js';
import { statRepoFile } from '../paths/repo-read.js';
import { startWatch, type WatchHandle } from './watch.js';

export interface SearchConfig {
  enabled: boolean; ollamaUrl: string; embeddingModel: string; maxResults: number;
  maxFileSize: number; maxPreviewLength: number; dbPath?: string; indexExtensions: string[];
  /** `tree-sitter`: chunk boundaries and definitions from parse trees where a grammar loads (default `lines`). */
  chunking?: 'lines' | 'tree-sitter';
}

export interface SearchService {
  query(query: string, opts?: { limit?: number; signal?: AbortSignal }): Promise<SearchResult>;
  reindex(opts?: { onProgress?: (p: { phase: string; done: number; total: number }) => void; signal?: AbortSignal }): Promise<ReindexResult>;
  status(): IndexStatus;
  /** Resolves once the start-up reconcile has finished (tests and benchmarks wait on it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateSearchOptions {
  root: string;
  cacheDir: string;
  config: SearchConfig;
  isExcluded: (rel: string) => boolean;
  log: Logger;
  watch?: boolean;
  /** Where each tree-sitter grammar's `.wasm` is (a test seam; default: the tree-sitter-wasms package). */
  grammarPath?: (grammar: Grammar) => string;
}

const MAX_LIMIT = 100;
const VECTOR_TOP_K = 50;
/** Vector neighbours below this cosine similarity are noise, not results. */
const MIN_SIMILARITY = 0.3;

function disabledService(config: SearchConfig): SearchService {
  const off = (): never => { throw new LlmrError('COMMAND_DISABLED', 'search is disabled by commands.search.enabled'); };
  return {
    query: async () => off(),
    reindex: async () => off(),
    status: () => ({ state: 'disabled', files: 0, chunks: 0, vectors: 0, vectorCoverage: 0, watcher: 'off',
      ollama: { inUse: false, reason: 'search is disabled', model: config.embeddingModel, url: config.ollamaUrl } }),
    ready: async () => undefined,
    close: async () => undefined,
  };
}

function vectorFiles(near: Array<{ chunk: FileCandidate['chunks'][number]; sim: number }>, ok: (p: string) => boolean): FileCandidate[] {
  const byPath = new Map<string, FileCandidate>();
  for (const { chunk, sim } of near) {
    if (sim < MIN_SIMILARITY || !ok(chunk.path) || byPath.has(chunk.path)) continue;
    byPath.set(chunk.path, { path: chunk.path, raw: sim, coverage: 1, chunks: [{ ...chunk, score: sim }] });
  }
  return [...byPath.values()];
}

/** Mutable state of one workspace's search, shared by the functions below. */
interface Ctx {
  opts: CreateSearchOptions;
  dbPath: string;
  lifetime: AbortController;
  store: Store;
  filter: FileFilter;
  vectors: Vectors;
  queue: WorkQueue;
  syntax?: Syntax;
  watcher?: WatchHandle;
  state: IndexStatus['state'];
  note?: string;
  lastError?: string;
  lastReconcile?: string;
  ignoredDirs: Set<string>;
}

function openInto(ctx: Pick<Ctx, 'dbPath' | 'opts' | 'note'>): Store {
  const opened = openStore(ctx.dbPath);
  if (opened.note) {
    ctx.note = opened.note;
    ctx.opts.log.warn({ err: opened.cause, dbPath: ctx.dbPath }, 'index database was unreadable; rebuilt it');
  }
  return opened.store;
}

function rebuild(ctx: Ctx, err: unknown): void {
  ctx.opts.log.warn({ err, dbPath: ctx.dbPath }, 'index database is corrupt; rebuilding it');
  try { ctx.store.close(); } catch { /* already unusable: closing is best effort */ }
  removeDatabase(ctx.dbPath);
  ctx.store = openInto(ctx);
  ctx.note = `index database ${ctx.dbPath} was corrupt and was rebuilt`;
  ctx.vectors.reset();
}

const deps = (ctx: Ctx): IndexerDeps =>
  ({ root: ctx.opts.root, store: ctx.store, filter: ctx.filter, maxFileSize: ctx.opts.config.maxFileSize, log: ctx.opts.log, syntax: ctx.syntax });

const chunkingOf = (ctx: Ctx): string => ctx.opts.config.chunking ?? 'lines';

/** A full reconcile; every file is chunked again when the index was built with the other chunking. */
async function fullReconcile(ctx: Ctx, force: boolean, onProgress?: Progress, signal?: AbortSignal): Promise<void> {
  const s = AbortSignal.any([ctx.lifetime.signal, ...(signal ? [signal] : [])]);
  const rechunk = (ctx.store.getMeta('chunking') ?? 'lines') !== chunkingOf(ctx);
  const r = await reconcileAll(deps(ctx), { force: force || rechunk, onProgress, signal: s });
  if (rechunk) ctx.store.setMeta('chunking', chunkingOf(ctx));
  ctx.ignoredDirs = r.listing.ignoredDirs;
}

/** Runs index work; a corrupt database is rebuilt and filled again. */
async function guarded(ctx: Ctx, job: () => Promise<unknown>): Promise<void> {
  try {
    await job();
  } catch (err) {
    if (!isCorruption(err)) throw err;
    rebuild(ctx, err);
    await fullReconcile(ctx, true);
  }
  ctx.state = 'ready';
  ctx.lastError = undefined;
  ctx.lastReconcile = new Date().toISOString();
  ctx.vectors.kick();
}

/** Changes to files the index knows are handled alone; anything else lists the tree again. */
async function reconcileChange(ctx: Ctx, change: PendingChange): Promise<void> {
  try {
    const paths = [...change.paths];
    const known = paths.every((p) => ctx.store.file(p) !== undefined || !indexable(deps(ctx), p));
    await guarded(ctx, () => (change.full || !known ? fullReconcile(ctx, false) : reconcileKnown(deps(ctx), paths, ctx.lifetime.signal)));
  } catch (err) {
    if (ctx.lifetime.signal.aborted) return;
    ctx.state = 'error';
    ctx.lastError = (err as Error).message;
    ctx.opts.log.error({ err }, 'index reconcile failed');
  }
}

function pruner(ctx: Ctx): (rel: string, isDir: boolean | undefined) => boolean {
  return (rel, isDir) => {
    const segs = rel.split('/');
    if (segs.some((s) => ALWAYS_PRUNED.has(s)) || ctx.opts.isExcluded(rel)) return true;
    for (let i = 1; i <= segs.length; i++) if (ctx.ignoredDirs.has(segs.slice(0, i).join('/'))) return true;
    return isDir === false && !hasIndexedExtension(rel, ctx.filter.extensions);
  };
}

/**
 * The candidates that may still be shown, best first, enough of them for `limit`: a file that
 * has become a hard link (link count > 1) or no longer is a regular file since it was indexed
 * is dropped at query time, before the next reconcile removes it from the index.
 */
function servable(root: string, files: FileCandidate[], limit: number): FileCandidate[] {
  const out: FileCandidate[] = [];
  for (const f of files) {
    if (out.length >= limit) { out.push(f); continue; } // beyond the cut: kept for the scale only
    const st = statRepoFile(root, f.path);
    if (st !== undefined && st.regular && st.nlink === 1) out.push(f);
  }
  return out;
}

async function runQuery(ctx: Ctx, text: string, qopts: { limit?: number; signal?: AbortSignal }): Promise<SearchResult> {
  const t0 = performance.now();
  const { config, isExcluded } = ctx.opts;
  if (text.trim() === '') throw new LlmrError('INVALID_SYNTAX', 'search query is empty');
  const q = parseQuery(text);
  const limit = Math.max(1, Math.min(MAX_LIMIT, Math.trunc(qopts.limit ?? config.maxResults) || config.maxResults));
  const ok = (p: string): boolean => !isExcluded(p);
  let lexical: FileCandidate[];
  try {
    lexical = rankLexical(ctx.store, q).filter((f) => ok(f.path));
  } catch (err) {
    if (!isCorruption(err)) throw err;
    rebuild(ctx, err);
    void ctx.queue.request({ full: true });
    throw new LlmrError('INDEX_NOT_FOUND', 'index database was corrupt and is being rebuilt; search again shortly', undefined, { cause: err });
  }
  const near = await ctx.vectors.nearest(text, VECTOR_TOP_K, qopts.signal);
  const mode = near === undefined ? 'lexical' : 'hybrid';
  const fused = near === undefined ? lexical : fuse(lexical, vectorFiles(near, ok));
  const files = servable(ctx.opts.root, fused, limit);
  const results = toHits(files, q, { limit, maxPreviewLength: config.maxPreviewLength, scale: scaleFor(files, mode) });
  return { results, durationMs: performance.now() - t0, mode, limit };
}

function statusOf(ctx: Ctx): IndexStatus {
  const { config } = ctx.opts;
  const v = ctx.vectors.state();
  const s: IndexStatus = { state: ctx.state, files: 0, chunks: 0, vectors: 0, vectorCoverage: 0, watcher: ctx.watcher?.state() ?? 'off',
    ollama: { model: config.embeddingModel, url: config.ollamaUrl, inUse: v.inUse, ...(v.reason ? { reason: v.reason } : {}) } };
  try {
    const c = ctx.store.counts();
    const n = ctx.store.vectorCount(config.embeddingModel);
    Object.assign(s, { files: c.files, chunks: c.chunks, vectors: n, vectorCoverage: c.chunks === 0 ? 0 : n / c.chunks, skipped: c.skipped });
  } catch (err) {
    s.state = 'error';
    s.error = `index database unreadable: ${(err as Error).message}`;
  }
  if (ctx.lastReconcile) s.lastReconcile = ctx.lastReconcile;
  if (ctx.lastError) s.error = ctx.lastError;
  if (ctx.note) s.note = ctx.note;
  if (ctx.syntax) s.syntax = ctx.syntax.status();
  return s;
}

/**
 * Opens (or creates) the index of a workspace, starts the start-up reconcile, the watcher and
 * the background vector fill. A corrupt index database is rebuilt with a warning.
 */
export async function createSearch(opts: CreateSearchOptions): Promise<SearchService> {
  const { config, log } = opts;
  if (!config.enabled) return disabledService(config);
  mkdirSync(opts.cacheDir, { recursive: true, mode: 0o700 });
  const head = { opts, dbPath: config.dbPath ?? join(opts.cacheDir, 'index.sqlite'), note: undefined as string | undefined };
  const store = openInto(head);
  const ctx: Ctx = { ...head, store, lifetime: new AbortController(), state: 'building', ignoredDirs: new Set(),
    filter: { isExcluded: opts.isExcluded, extensions: extensionSet(config.indexExtensions) },
    vectors: createVectors({ store: () => ctx.store, client: createEmbedClient(config.ollamaUrl, config.embeddingModel), log }),
    syntax: config.chunking === 'tree-sitter' ? createSyntax({ locate: opts.grammarPath, log }) : undefined,
    queue: createWorkQueue((change) => reconcileChange(ctx, change)) };
  const startup = ctx.queue.request({ full: true });
  if (opts.watch !== false) {
    await startup; // the listing knows the ignored folders the watcher must prune
    ctx.watcher = startWatch({ root: opts.root, prune: pruner(ctx), log, onChange: (c) => void ctx.queue.request(c) });
  }
  return {
    query: (text, qopts = {}) => runQuery(ctx, text, qopts),
    async reindex(ropts = {}) {
      const t0 = performance.now();
      ctx.state = 'building';
      try {
        await ctx.queue.exclusive(() => guarded(ctx, () => fullReconcile(ctx, true, ropts.onProgress, ropts.signal)));
      } catch (err) {
        const cancelled = err instanceof LlmrError && err.code === 'CANCELLED';
        ctx.state = cancelled ? 'ready' : 'error'; // a cancelled run leaves every file either old or new, never half
        if (!cancelled) ctx.lastError = (err as Error).message;
        throw err;
      }
      const c = ctx.store.counts();
      return { files: c.files, chunks: c.chunks, durationMs: performance.now() - t0 };
    },
    status: () => statusOf(ctx),
    ready: async () => { await startup; await ctx.watcher?.ready(); await ctx.queue.idle(); },
    async close() {
      ctx.lifetime.abort();
      ctx.vectors.close();
      await ctx.watcher?.close();
      await ctx.queue.idle();
      ctx.store.close();
    },
  };
}
