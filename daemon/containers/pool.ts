/**
 * Warm container pools (generic-pool over the Docker adapter). A lease is a started container
 * whose helper has answered a ping. Cold mode (`enabled: false`) creates a container per
 * operation and destroys it afterwards, as the original did.
 */
import genericPool from 'generic-pool';
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import type { PoolStatus } from '../../protocol/workspace.js';
import type { ContainerSpec, DockerClient } from './docker.js';
import { HelperConnection } from './helper-conn.js';
import type { PoolKind } from './spec.js';
import { LatencyWindow } from './latency.js';

export interface Lease {
  conn: HelperConnection;
  id: string;
  /** The labels the container was created with (e.g. the mask version of an exec container). */
  labels: Record<string, string>;
  uses: number;
  /** When it was last handed back (ms since epoch); a long-idle container is pinged before reuse. */
  lastUsed: number;
}

export interface PoolOptions {
  kind: PoolKind;
  spec: () => ContainerSpec;
  docker: DockerClient;
  log: Logger;
  enabled: boolean;
  size: number;
  minIdle: number;
  /** Containers started when the pool is created (at least `minIdle` are kept afterwards). */
  startup: number;
  maxUses: number;
  idleTimeoutMs: number;
  healthIntervalMs: number;
  acquireTimeoutMs: number;
  startTimeoutMs: number;
  /** Destroy every container after one use (exec). */
  singleUse: boolean;
}

export interface ContainerPool {
  readonly kind: PoolKind;
  acquire(signal?: AbortSignal): Promise<Lease>;
  /** Give a lease back; `destroy` when it must not be reused (timeout, protocol error, single use). */
  release(lease: Lease, destroy?: boolean): Promise<void>;
  status(): PoolStatus;
  drain(): Promise<void>;
}

/** Errors that no retry will fix soon: waiters get them at once instead of an acquire timeout. */
const FATAL = new Set(['IMAGE_MISSING', 'DOCKER_UNAVAILABLE', 'REPO_OWNER_ROOT']);
const CREATE_FAILURE_DELAY_MS = 1000;

/** Create one pool of `opts.kind` containers. */
export function createContainerPool(opts: PoolOptions): ContainerPool {
  const log = opts.log.child({ pool: opts.kind });
  const live = new Set<Lease>();
  const latency = new LatencyWindow(500);
  const counters = { hits: 0, misses: 0, created: 0, destroyed: 0 };
  let lastError: LlmrError | undefined;
  const fatalListeners = new Set<(e: LlmrError) => void>();

  async function create(): Promise<Lease> {
    const started = Date.now();
    try {
      const spec = opts.spec();
      const container = await opts.docker.start(spec, opts.startTimeoutMs);
      const conn = new HelperConnection(container, log);
      await conn.ping(AbortSignal.timeout(opts.startTimeoutMs)).catch(async (err: unknown) => {
        conn.close();
        await opts.docker.remove(container.id).catch(() => undefined); // best effort; AutoRemove covers it
        throw err;
      });
      const lease: Lease = { conn, id: container.id, labels: spec.labels, uses: 0, lastUsed: Date.now() };
      live.add(lease);
      counters.created += 1;
      log.debug({ container: lease.id.slice(0, 12), ms: Date.now() - started }, 'container started');
      return lease;
    } catch (err) {
      const e = err instanceof LlmrError ? err : new LlmrError('CONTAINER_FAILED', 'container start failed', undefined, { cause: err });
      lastError = e;
      log.warn({ err: e, code: e.code }, 'container start failed');
      if (FATAL.has(e.code)) for (const l of fatalListeners) l(e);
      // Never spin: generic-pool retries failed creates for pending waiters at once.
      await new Promise((r) => setTimeout(r, opts.enabled ? CREATE_FAILURE_DELAY_MS : 0));
      throw e;
    }
  }

  async function destroy(lease: Lease): Promise<void> {
    live.delete(lease);
    counters.destroyed += 1;
    lease.conn.close();
    await opts.docker.remove(lease.id).catch((err: unknown) => log.warn({ err }, 'container removal failed'));
  }

  const pool = opts.enabled
    ? genericPool.createPool<Lease>({ create, destroy, validate }, {
      max: opts.size,
      min: Math.min(opts.minIdle, opts.size),
      acquireTimeoutMillis: opts.acquireTimeoutMs,
      testOnBorrow: true,
      idleTimeoutMillis: opts.idleTimeoutMs,
      evictionRunIntervalMillis: Math.min(opts.healthIntervalMs, opts.idleTimeoutMs),
      autostart: true,
    })
    : undefined;

  if (pool && opts.startup > pool.min) void warmUp(pool, Math.min(opts.startup, opts.size));

  /** Start `count` containers now by borrowing them all once; they stay idle until idle_timeout. */
  async function warmUp(p: genericPool.Pool<Lease>, count: number): Promise<void> {
    const leases = await Promise.allSettled(Array.from({ length: count }, () => p.acquire()));
    for (const l of leases) if (l.status === 'fulfilled') await p.release(l.value);
  }

  /**
   * Health check on borrow (generic-pool calls it with the container already taken, so nobody
   * else talks to it meanwhile): a dead connection fails at once; one idle for longer than the
   * health-check interval must answer a ping first.
   */
  async function validate(lease: Lease): Promise<boolean> {
    if (!lease.conn.alive) return false;
    if (opts.healthIntervalMs <= 0 || Date.now() - lease.lastUsed < opts.healthIntervalMs) return true;
    try {
      await lease.conn.ping(AbortSignal.timeout(2000));
      return true;
    } catch (err) {
      log.warn({ err, container: lease.id.slice(0, 12) }, 'health check failed; replacing the container');
      return false;
    }
  }

  async function acquireWarm(signal?: AbortSignal): Promise<Lease> {
    const p = pool as genericPool.Pool<Lease>;
    if (p.available > 0) counters.hits += 1; else counters.misses += 1;
    let onFatal: ((e: LlmrError) => void) | undefined;
    const fatal = new Promise<never>((_, reject) => { onFatal = reject; fatalListeners.add(reject); });
    const acquired = p.acquire();
    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener('abort', () => reject(new LlmrError('CANCELLED', 'operation cancelled')), { once: true });
    });
    try {
      return await Promise.race([acquired, fatal, aborted]);
    } catch (err) {
      // A lease that arrives after we gave up goes straight back.
      acquired.then((l) => p.release(l), () => undefined);
      if (err instanceof LlmrError) throw err;
      throw new LlmrError('POOL_EXHAUSTED', `no ${opts.kind} container became free within ${opts.acquireTimeoutMs} ms`,
        lastError ? `last container start error: ${lastError.code}: ${lastError.message}` : `all ${opts.size} are busy`, { cause: lastError });
    } finally {
      if (onFatal) fatalListeners.delete(onFatal);
    }
  }

  // Cold mode: at most `size` containers of this kind at once, like the warm pool.
  let coldActive = 0;
  const coldWaiters: Array<() => void> = [];
  const freeColdSlot = (): void => {
    coldActive -= 1;
    coldWaiters.shift()?.();
  };

  async function acquireCold(signal?: AbortSignal): Promise<Lease> {
    if (coldActive >= opts.size) {
      counters.misses += 1;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          coldWaiters.splice(coldWaiters.indexOf(go), 1);
          reject(new LlmrError('POOL_EXHAUSTED', `no ${opts.kind} container slot became free within ${opts.acquireTimeoutMs} ms`, `all ${opts.size} are busy`));
        }, opts.acquireTimeoutMs);
        const go = (): void => { clearTimeout(timer); resolve(); };
        coldWaiters.push(go);
        signal?.addEventListener('abort', () => { clearTimeout(timer); coldWaiters.splice(coldWaiters.indexOf(go), 1); reject(new LlmrError('CANCELLED', 'operation cancelled')); }, { once: true });
      });
    }
    coldActive += 1;
    try {
      return await create();
    } catch (err) {
      freeColdSlot();
      throw err;
    }
  }

  return {
    kind: opts.kind,
    async acquire(signal) {
      const started = performance.now();
      const lease = pool ? await acquireWarm(signal) : await acquireCold(signal);
      latency.add(performance.now() - started);
      lease.uses += 1;
      return lease;
    },
    async release(lease, destroyIt = false) {
      lease.lastUsed = Date.now();
      const retire = destroyIt || opts.singleUse || lease.uses >= opts.maxUses || !lease.conn.alive;
      if (!pool) {
        await destroy(lease);
        freeColdSlot();
        return;
      }
      if (retire) await pool.destroy(lease); else await pool.release(lease);
    },
    status() {
      return {
        kind: opts.kind,
        enabled: opts.enabled,
        size: pool?.size ?? live.size,
        idle: pool?.available ?? 0,
        borrowed: pool?.borrowed ?? live.size,
        waiting: pool?.pending ?? 0,
        max: opts.size,
        min: pool?.min ?? 0,
        ...counters,
        acquireP50Ms: latency.percentile(50),
        acquireP95Ms: latency.percentile(95),
        ...(lastError ? { lastError: `${lastError.code}: ${lastError.message}` } : {}),
      };
    },
    async drain() {
      if (pool) {
        await pool.drain();
        await pool.clear();
      }
      await Promise.all([...live].map((l) => destroy(l)));
    },
  };
}
