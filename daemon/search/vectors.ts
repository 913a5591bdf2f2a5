/**
 * Vectors for chunks, filled in the background and cached in the database by (chunk hash,
 * model). Search never waits for the fill: it uses the vectors that exist and the query's
 * own embedding when Ollama answers within a short deadline. When Ollama is down or the
 * model is absent, `state()` says why and the fill retries later.
 */
import type { Logger } from 'pino';
import type { ChunkHit, Store } from './db.js';
import type { EmbedClient } from './ollama.js';
import { describeFailure } from './ollama.js';

export interface VectorState { inUse: boolean; reason?: string }

const BATCH = 16;
const RETRY_MS = 30_000;
const QUERY_DEADLINE_MS = 1500;
const MAX_EMBED_CHARS = 8000;

export interface Vectors {
  state(): VectorState;
  /** Starts (or restarts) the background fill; returns at once. */
  kick(): void;
  /** Resolves when the current fill has nothing left to do (tests). */
  idle(): Promise<void>;
  /** Chunks nearest to the query, best first, or undefined when vectors cannot take part. */
  nearest(query: string, topK: number, signal?: AbortSignal): Promise<Array<{ chunk: ChunkHit; sim: number }> | undefined>;
  /** Forgets cached vectors (after the database was replaced). */
  reset(): void;
  close(): void;
}

/** Background vector fill and nearest-neighbour search for one workspace. */
export function createVectors(opts: { store: () => Store; client: EmbedClient; log: Logger }): Vectors {
  const { client, log } = opts;
  const controller = new AbortController();
  let state: VectorState = { inUse: false, reason: 'ollama not checked yet' };
  let cache: Map<string, Float32Array> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let retry: NodeJS.Timeout | undefined;

  const loadCache = (): Map<string, Float32Array> => {
    if (cache) return cache;
    cache = new Map();
    for (const row of opts.store().vectors(client.model)) {
      cache.set(row.hash, new Float32Array(row.vec.buffer.slice(row.vec.byteOffset, row.vec.byteOffset + row.vec.byteLength)));
    }
    return cache;
  };

  const fillOnce = async (): Promise<boolean> => {
    const batch = opts.store().missingVectors(client.model, BATCH);
    if (batch.length === 0) return false;
    const vecs = await client.embed(batch.map((b) => b.text.slice(0, MAX_EMBED_CHARS)), 'document', controller.signal);
    const store = opts.store();
    store.transaction(() => batch.forEach((b, i) => store.putVector(b.hash, client.model, vecs[i])));
    if (cache) batch.forEach((b, i) => { if (vecs[i]) cache!.set(b.hash, vecs[i]!); });
    return true;
  };

  const fill = async (): Promise<void> => {
    const probe = await client.probe(controller.signal);
    state = probe.ok ? { inUse: true } : { inUse: false, reason: probe.reason };
    if (!probe.ok) return scheduleRetry();
    try {
      while (!controller.signal.aborted && (await fillOnce()));
    } catch (err) {
      if (controller.signal.aborted) return;
      state = { inUse: false, reason: describeFailure(err, client.url) };
      log.warn({ err }, 'vector fill stopped');
      scheduleRetry();
    }
  };

  function scheduleRetry(): void {
    if (controller.signal.aborted || retry) return;
    retry = setTimeout(() => { retry = undefined; kick(); }, RETRY_MS);
    retry.unref();
  }

  function kick(): void {
    if (controller.signal.aborted) return;
    if (running) { again = true; return; }
    running = fill().finally(() => {
      running = undefined;
      if (again) { again = false; kick(); }
    });
  }

  const nearest: Vectors['nearest'] = async (query, topK, signal) => {
    if (!state.inUse) return undefined;
    const vectors = loadCache();
    if (vectors.size === 0) return undefined;
    const deadline = AbortSignal.any([AbortSignal.timeout(QUERY_DEADLINE_MS), controller.signal, ...(signal ? [signal] : [])]);
    let q: Float32Array | null;
    try {
      [q] = await client.embed([query], 'query', deadline);
    } catch (err) {
      log.debug({ err }, 'query embedding failed; lexical only');
      return undefined;
    }
    if (!q) return undefined;
    const scored: Array<{ hash: string; sim: number }> = [];
    for (const [hash, v] of vectors) {
      if (v.length !== q.length) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * q[i];
      scored.push({ hash, sim: dot });
    }
    scored.sort((a, b) => b.sim - a.sim);
    const store = opts.store();
    return scored.slice(0, topK).flatMap((s) => store.chunksWithHash(s.hash).map((chunk) => ({ chunk, sim: s.sim })));
  };

  return {
    state: () => state,
    kick,
    idle: async () => { while (running) await running; },
    nearest,
    reset: () => { cache = undefined; },
    close: () => { controller.abort(); if (retry) clearTimeout(retry); },
  };
}
