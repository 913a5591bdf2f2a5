/**
 * The warm pool (generic-pool over the lease factory): started containers wait idle, are
 * health-checked on borrow and reused up to `maxUses` times (exec containers once).
 */
import genericPool from 'generic-pool';
import { LlmrError } from '../../protocol/errors.js';
import { createLeaseFactory, type LeaseFactory } from './leases.js';
import type { ContainerPool, Lease, PoolOptions } from './pool.js';

/** Never spin: generic-pool retries failed creates for pending waiters at once. */
const CREATE_FAILURE_DELAY_MS = 1000;

/**
 * Health check on borrow (generic-pool calls it with the container already taken, so nobody
 * else talks to it meanwhile): a dead connection fails at once; one idle for longer than the
 * health-check interval must answer a ping first.
 */
function validator(opts: PoolOptions, f: LeaseFactory) {
  return async (lease: Lease): Promise<boolean> => {
    if (!lease.conn.alive) return false;
    if (opts.healthIntervalMs <= 0 || Date.now() - lease.lastUsed < opts.healthIntervalMs) return true;
    try {
      await lease.conn.ping(AbortSignal.timeout(2000));
      return true;
    } catch (err) {
      f.log.warn({ err, container: lease.id.slice(0, 12) }, 'health check failed; replacing the container');
      return false;
    }
  };
}

/** Start `count` containers now by borrowing them all once; they stay idle until idle_timeout. */
async function warmUp(p: genericPool.Pool<Lease>, count: number): Promise<void> {
  const leases = await Promise.allSettled(Array.from({ length: count }, () => p.acquire()));
  for (const l of leases) if (l.status === 'fulfilled') await p.release(l.value);
}

export function createWarmPool(opts: PoolOptions): ContainerPool {
  const f = createLeaseFactory(opts);
  const pool = genericPool.createPool<Lease>({
    create: () => f.create(CREATE_FAILURE_DELAY_MS), destroy: (l) => f.destroy(l), validate: validator(opts, f),
  }, {
    max: opts.size,
    min: Math.min(opts.minIdle, opts.size),
    acquireTimeoutMillis: opts.acquireTimeoutMs,
    testOnBorrow: true,
    idleTimeoutMillis: opts.idleTimeoutMs,
    evictionRunIntervalMillis: Math.min(opts.healthIntervalMs, opts.idleTimeoutMs),
    autostart: true,
  });
  if (opts.startup > pool.min) void warmUp(pool, Math.min(opts.startup, opts.size));

  async function take(signal?: AbortSignal): Promise<Lease> {
    if (pool.available > 0) f.counters.hits += 1; else f.counters.misses += 1;
    let onFatal: ((e: LlmrError) => void) | undefined;
    const fatal = new Promise<never>((_, reject) => { onFatal = reject; f.onFatal.add(reject); });
    const acquired = pool.acquire();
    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener('abort', () => reject(new LlmrError('CANCELLED', 'operation cancelled')), { once: true });
    });
    try {
      return await Promise.race([acquired, fatal, aborted]);
    } catch (err) {
      // A lease that arrives after we gave up goes straight back.
      acquired.then((l) => pool.release(l), () => undefined);
      if (err instanceof LlmrError) throw err;
      const last = f.lastError();
      throw new LlmrError('POOL_EXHAUSTED', `no ${opts.kind} container became free within ${opts.acquireTimeoutMs} ms`,
        last ? `last container start error: ${last.code}: ${last.message}` : `all ${opts.size} are busy`, { cause: last });
    } finally {
      if (onFatal) f.onFatal.delete(onFatal);
    }
  }

  return {
    kind: opts.kind,
    acquire: f.measured(take),
    async release(lease, destroyIt = false) {
      lease.lastUsed = Date.now();
      const retire = destroyIt || opts.singleUse || lease.uses >= opts.maxUses || !lease.conn.alive;
      if (retire) await pool.destroy(lease); else await pool.release(lease);
    },
    status: () => f.status({ size: pool.size, idle: pool.available, borrowed: pool.borrowed, waiting: pool.pending, min: pool.min }),
    async drain() {
      await pool.drain();
      await pool.clear();
      await Promise.all([...f.live].map((l) => f.destroy(l)));
    },
  };
}
