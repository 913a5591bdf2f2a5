/**
 * The cold pool (`container_pool.enabled: false`): a fresh container per operation, destroyed
 * afterwards, as the original did; at most `size` of this kind at once, like the warm pool.
 */
import { LlmrError } from '../../protocol/errors.js';
import { createLeaseFactory } from './leases.js';
import type { ContainerPool, Lease, PoolOptions } from './pool.js';

export function createColdPool(opts: PoolOptions): ContainerPool {
  const f = createLeaseFactory(opts);
  let active = 0;
  const waiters: Array<() => void> = [];
  const freeSlot = (): void => {
    active -= 1;
    waiters.shift()?.();
  };

  function waitForSlot(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const drop = (): void => { waiters.splice(waiters.indexOf(go), 1); };
      const timer = setTimeout(() => {
        drop();
        reject(new LlmrError('POOL_EXHAUSTED', `no ${opts.kind} container slot became free within ${opts.acquireTimeoutMs} ms`, `all ${opts.size} are busy`));
      }, opts.acquireTimeoutMs);
      const go = (): void => { clearTimeout(timer); resolve(); };
      waiters.push(go);
      signal?.addEventListener('abort', () => { clearTimeout(timer); drop(); reject(new LlmrError('CANCELLED', 'operation cancelled')); }, { once: true });
    });
  }

  async function take(signal?: AbortSignal): Promise<Lease> {
    if (active >= opts.size) {
      f.counters.misses += 1;
      await waitForSlot(signal);
    }
    active += 1;
    try {
      return await f.create(0);
    } catch (err) {
      freeSlot();
      throw err;
    }
  }

  return {
    kind: opts.kind,
    acquire: f.measured(take),
    async release(lease) {
      lease.lastUsed = Date.now();
      await f.destroy(lease);
      freeSlot();
    },
    status: () => f.status({ size: f.live.size, idle: 0, borrowed: f.live.size, waiting: 0, min: 0 }),
    async drain() {
      await Promise.all([...f.live].map((l) => f.destroy(l)));
    },
  };
}
