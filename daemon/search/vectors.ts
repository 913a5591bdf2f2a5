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

/** The cached vectors of `model`, by chunk hash. */
function readVectors(store: Store, model: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const row of store.vectors(model)) {
    out.set(row.hash, new Float32Array(row.vec.buffer.slice(row.vec.byteOffset, row.vec.byteOffset + row.vec.byteLength)));
  }
  return out;
}

/** Embed one batch of chunks without a vector and store them; false when none is left. */
async function fillBatch(storeOf: () => Store, client: EmbedClient, signal: AbortSignal, cacheOf: () => Map<string, Float32Array> | undefined): Promise<boolean> {
  const batch = storeOf().missingVectors(client.model, BATCH);
  if (batch.length === 0) return false;
  const vecs = await client.embed(batch.map((b) => b.text.slice(0, MAX_EMBED_CHARS)), 'document', signal);
  const store = storeOf();
  store.transaction(() => batch.forEach((b, i) => store.putVector(b.hash, client.model, vecs[i])));
  const cache = cacheOf(); // read after the wait: a search may have loaded the cache meanwhile
  if (cache) batch.forEach((b, i) => { if (vecs[i]) cache.set(b.hash, vecs[i]!); });
  return true;
}

/** Every vector of `q`'s length by its dot product with `q`, best first. */
function bySimilarity(vectors: Map<string, Float32Array>, q: Float32Array): Array<{ hash: string; sim: number }> {
  const scored: Array<{ hash: string; sim: number }> = [];
  for (const [hash, v] of vectors) {
    if (v.length !== q.length) continue;
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * q[i];
    scored.push({ hash, sim: dot });
  }
  return scored.sort((a, b) => b.sim - a.sim);
}

/** Runs `run` one at a time; a kick while it runs makes it run once more after. */
function oneAtATime(run: () => Promise<void>, stopped: () => boolean): { kick(): void; idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  const kick = (): void => {
    if (stopped()) return;
    if (running) { again = true; return; }
    running = run().finally(() => {
      running = undefined;
      if (again) { again = false; kick(); }
    });
  };
  return { kick, idle: async () => { while (running) await running; } };
}

/** Background vector fill and nearest-neighbour search for one workspace. */
export function createVectors(opts: { store: () => Store; client: EmbedClient; log: Logger }): Vectors {
  const { client, log } = opts;
  const controller = new AbortController();
  let state: VectorState = { inUse: false, reason: 'ollama not checked yet' };
  let cache: Map<string, Float32Array> | undefined;
  let retry: NodeJS.Timeout | undefined;

  const loadCache = (): Map<string, Float32Array> => (cache ??= readVectors(opts.store(), client.model));
  const fillOnce = (): Promise<boolean> => fillBatch(opts.store, client, controller.signal, () => cache);

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

  const runner = oneAtATime(fill, () => controller.signal.aborted);
  const kick = runner.kick;

  const nearest: Vectors['nearest'] = async (query, topK, signal) => {
    if (!state.inUse) return undefined;
    const vectors = loadCache();
    if (vectors.size === 0) return undefined;
    const deadline = AbortSignal.any([AbortSignal.timeout(QUERY_DEADLINE_MS), controller.signal, ...(signal ? [signal] : [])]);
    const q = await client.embed([query], 'query', deadline).then(([v]) => v, (err: unknown) => {
      log.debug({ err }, 'query embedding failed; lexical only');
      return null;
    });
    if (!q) return undefined;
    const store = opts.store();
    return bySimilarity(vectors, q).slice(0, topK).flatMap((s) => store.chunksWithHash(s.hash).map((chunk) => ({ chunk, sim: s.sim })));
  };

  return {
    state: () => state,
    kick,
    idle: runner.idle,
    nearest,
    reset: () => { cache = undefined; },
    close: () => { controller.abort(); if (retry) clearTimeout(retry); },
  };
}
