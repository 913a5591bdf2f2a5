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
import { createWorkQueue, type PendingChange } from './queue.js';
import { fuse, rankLexical, scaleFor, toHits, type FileCandidate } from './ranker.js';
import { parseQuery } from './tokens.js';
import { createVectors } from './vectors.js';
import { startWatch, type WatchHandle } from './watch.js';

export interface SearchConfig {
  enabled: boolean; ollamaUrl: string; embeddingModel: string; maxResults: number;
  maxFileSize: number; maxPreviewLength: number; dbPath?: string; indexExtensions: string[];
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
}

const MAX_LIMIT = 100;
const VECTOR_TOP_K = 50;

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
    if (!ok(chunk.path) || byPath.has(chunk.path)) continue;
    byPath.set(chunk.path, { path: chunk.path, raw: sim, coverage: 1, chunks: [{ ...chunk, score: sim }] });
  }
  return [...byPath.values()];
}

/**
 * Opens (or creates) the index of a workspace, starts the start-up reconcile, the watcher and
 * the background vector fill. A corrupt index database is rebuilt with a warning.
 */
export async function createSearch(opts: CreateSearchOptions): Promise<SearchService> {
  const { root, config, log } = opts;
  if (!config.enabled) return disabledService(config);
  mkdirSync(opts.cacheDir, { recursive: true, mode: 0o700 });
  const dbPath = config.dbPath ?? join(opts.cacheDir, 'index.sqlite');
  const lifetime = new AbortController();
  let note: string | undefined;
  let state: IndexStatus['state'] = 'building';
  let lastError: string | undefined;
  let lastReconcile: string | undefined;
  let ignoredDirs = new Set<string>();

  const open = (): Store => {
    const opened = openStore(dbPath);
    if (opened.note) {
      note = opened.note;
      log.warn({ err: opened.cause, dbPath }, 'index database was unreadable; rebuilt it');
    }
    return opened.store;
  };
  let store = open();
  const filter: FileFilter = { isExcluded: opts.isExcluded, extensions: extensionSet(config.indexExtensions) };
  const deps = (): IndexerDeps => ({ root, store, filter, maxFileSize: config.maxFileSize, log });
  const vectors = createVectors({ store: () => store, client: createEmbedClient(config.ollamaUrl, config.embeddingModel), log });

  const rebuild = (err: unknown): void => {
    log.warn({ err, dbPath }, 'index database is corrupt; rebuilding it');
    note = `index database ${dbPath} was corrupt and was rebuilt`;
    try { store.close(); } catch { /* already unusable: closing is best effort */ }
    removeDatabase(dbPath);
    store = open();
    vectors.reset();
  };

  const full = async (force: boolean, onProgress?: Progress, signal?: AbortSignal): Promise<void> => {
    const s = AbortSignal.any([lifetime.signal, ...(signal ? [signal] : [])]);
    const r = await reconcileAll(deps(), { force, onProgress, signal: s });
    ignoredDirs = r.listing.ignoredDirs;
  };
  const guarded = async (job: () => Promise<void>): Promise<void> => {
    try {
      await job();
    } catch (err) {
      if (!isCorruption(err)) throw err;
      rebuild(err);
      await full(true);
    }
    state = 'ready';
    lastError = undefined;
    lastReconcile = new Date().toISOString();
    vectors.kick();
  };
  const reconcile = async (change: PendingChange): Promise<void> => {
    const known = [...change.paths].every((p) => store.file(p) !== undefined || !indexable(deps(), p));
    await guarded(() => (change.full || !known ? full(false) : reconcileKnown(deps(), [...change.paths], lifetime.signal).then(() => undefined)));
  };
  const queue = createWorkQueue(async (change) => {
    try {
      await reconcile(change);
    } catch (err) {
      if (lifetime.signal.aborted) return;
      state = 'error';
      lastError = (err as Error).message;
      log.error({ err }, 'index reconcile failed');
    }
  });

  const prune = (rel: string, isDir: boolean | undefined): boolean => {
    const segs = rel.split('/');
    if (segs.some((s) => ALWAYS_PRUNED.has(s)) || opts.isExcluded(rel)) return true;
    for (let i = 1; i <= segs.length; i++) if (ignoredDirs.has(segs.slice(0, i).join('/'))) return true;
    return isDir === false && !hasIndexedExtension(rel, filter.extensions);
  };
  const startup = queue.request({ full: true });
  let watcher: WatchHandle | undefined;
  if (opts.watch !== false) {
    await startup; // the listing knows the ignored folders the watcher must prune
    watcher = startWatch({ root, prune, log, onChange: (c) => void queue.request(c) });
  }

  const query: SearchService['query'] = async (text, qopts = {}) => {
    const t0 = performance.now();
    if (text.trim() === '') throw new LlmrError('INVALID_SYNTAX', 'search query is empty');
    const q = parseQuery(text);
    const limit = Math.max(1, Math.min(MAX_LIMIT, Math.trunc(qopts.limit ?? config.maxResults) || config.maxResults));
    const ok = (p: string): boolean => !opts.isExcluded(p);
    let lexical: FileCandidate[];
    try {
      lexical = rankLexical(store, q).filter((f) => ok(f.path));
    } catch (err) {
      if (!isCorruption(err)) throw err;
      rebuild(err);
      void queue.request({ full: true });
      throw new LlmrError('INDEX_NOT_FOUND', 'index database was corrupt and is being rebuilt; search again shortly', undefined, { cause: err });
    }
    const near = await vectors.nearest(text, VECTOR_TOP_K, qopts.signal);
    const mode = near && near.length > 0 ? 'hybrid' : 'lexical';
    const files = mode === 'hybrid' ? fuse(lexical, vectorFiles(near!, ok)) : lexical;
    const results = toHits(files, q, { limit, maxPreviewLength: config.maxPreviewLength, scale: scaleFor(files, mode) });
    return { results, durationMs: performance.now() - t0, mode };
  };

  return {
    query,
    async reindex(ropts = {}) {
      const t0 = performance.now();
      state = 'building';
      await queue.exclusive(() => guarded(() => full(true, ropts.onProgress, ropts.signal)));
      const c = store.counts();
      return { files: c.files, chunks: c.chunks, durationMs: performance.now() - t0 };
    },
    status() {
      const base = { model: config.embeddingModel, url: config.ollamaUrl };
      const v = vectors.state();
      const s: IndexStatus = { state, files: 0, chunks: 0, vectors: 0, vectorCoverage: 0, watcher: watcher?.state() ?? 'off',
        ollama: { ...base, inUse: v.inUse, ...(v.reason ? { reason: v.reason } : {}) } };
      try {
        const c = store.counts();
        const n = store.vectorCount(config.embeddingModel);
        Object.assign(s, { files: c.files, chunks: c.chunks, vectors: n, vectorCoverage: c.chunks === 0 ? 0 : n / c.chunks, skipped: c.skipped });
      } catch (err) {
        s.state = 'error';
        s.error = `index database unreadable: ${(err as Error).message}`;
      }
      if (lastReconcile) s.lastReconcile = lastReconcile;
      if (lastError) s.error = lastError;
      if (note) s.note = note;
      return s;
    },
    ready: async () => { await startup; await watcher?.ready(); await queue.idle(); },
    async close() {
      lifetime.abort();
      vectors.close();
      await watcher?.close();
      await queue.idle();
      store.close();
    },
  };
}
