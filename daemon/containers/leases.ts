/**
 * Starting and destroying pooled containers, shared by the warm and the cold pool: a lease is a
 * started container whose helper has answered a ping with the expected version.
 */
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import type { PoolStatus } from '../../protocol/workspace.js';
import { HELPER_MOUNT_PATH } from '../../images/version.js';
import type { ContainerSpec } from './docker.js';
import { HelperConnection } from './helper-conn.js';
import { LatencyWindow } from './latency.js';
import type { Lease, PoolOptions } from './pool.js';

/** Errors that no retry will fix soon: waiters get them at once instead of an acquire timeout. */
const FATAL = new Set(['IMAGE_MISSING', 'IMAGE_UNSUITABLE', 'DOCKER_UNAVAILABLE', 'REPO_OWNER_ROOT']);

export interface LeaseFactory {
  log: Logger;
  live: Set<Lease>;
  latency: LatencyWindow;
  counters: { hits: number; misses: number; created: number; destroyed: number };
  lastError(): LlmrError | undefined;
  /** Called with every fatal start error (IMAGE_MISSING, …). */
  onFatal: Set<(e: LlmrError) => void>;
  /** Start one container; failures are translated, remembered and delayed by `failureDelayMs`. */
  create(failureDelayMs: number): Promise<Lease>;
  destroy(lease: Lease): Promise<void>;
  /** The status fields both pools share. */
  status(extra: Pick<PoolStatus, 'size' | 'idle' | 'borrowed' | 'waiting' | 'min'>): PoolStatus;
  /** A pool's `acquire` from its way of taking a lease: the wait is measured and the use counted. */
  measured(take: (signal?: AbortSignal) => Promise<Lease>): (signal?: AbortSignal) => Promise<Lease>;
}

/**
 * A container of another image whose mounted llmr helper stopped before answering its first ping
 * (or never connected): the image cannot run it (not Linux, another architecture, a rootfs Docker
 * cannot start).
 */
function unsuitable(spec: ContainerSpec, err: unknown): unknown {
  if (spec.entrypoint?.[0] !== HELPER_MOUNT_PATH || !(err instanceof LlmrError) || err.code !== 'CONTAINER_FAILED') return err;
  return new LlmrError('IMAGE_UNSUITABLE', `image ${spec.image} cannot run llmr's helper (${err.message})`,
    'use a Linux image for this machine\'s architecture (docker info --format {{.Architecture}}), or llmr\'s own (llmr images build)', { cause: err });
}

/** Start one container and ping its helper; a helper that does not answer ends the container. */
async function startLease(opts: PoolOptions, log: PoolOptions['log']): Promise<Lease> {
  const started = Date.now();
  const spec = opts.spec();
  const container = await opts.docker.start(spec, opts.startTimeoutMs).catch((err: unknown) => { throw unsuitable(spec, err); });
  const conn = new HelperConnection(container, log);
  await conn.ping(AbortSignal.timeout(opts.startTimeoutMs)).catch(async (err: unknown) => {
    conn.close();
    await opts.docker.remove(container.id).catch(() => undefined); // best effort; AutoRemove covers it
    throw unsuitable(spec, err);
  });
  log.debug({ container: container.id.slice(0, 12), ms: Date.now() - started }, 'container started');
  return { conn, id: container.id, labels: spec.labels, uses: 0, lastUsed: Date.now() };
}

export function createLeaseFactory(opts: PoolOptions): LeaseFactory {
  const log = opts.log.child({ pool: opts.kind });
  const live = new Set<Lease>();
  const latency = new LatencyWindow(500);
  const counters = { hits: 0, misses: 0, created: 0, destroyed: 0 };
  const onFatal = new Set<(e: LlmrError) => void>();
  let lastError: LlmrError | undefined;

  const start = async (): Promise<Lease> => {
    const lease = await startLease(opts, log);
    live.add(lease);
    counters.created += 1;
    return lease;
  };

  return {
    log, live, latency, counters, onFatal,
    lastError: () => lastError,
    measured: (take) => async (signal) => {
      const started = performance.now();
      const lease = await take(signal);
      latency.add(performance.now() - started);
      lease.uses += 1;
      return lease;
    },
    async create(failureDelayMs) {
      try {
        return await start();
      } catch (err) {
        const e = err instanceof LlmrError ? err : new LlmrError('CONTAINER_FAILED', 'container start failed', undefined, { cause: err });
        lastError = e;
        log.warn({ err: e, code: e.code }, 'container start failed');
        if (FATAL.has(e.code)) for (const l of onFatal) l(e);
        await new Promise((r) => setTimeout(r, failureDelayMs));
        throw e;
      }
    },
    async destroy(lease) {
      live.delete(lease);
      counters.destroyed += 1;
      lease.conn.close();
      await opts.docker.remove(lease.id).catch((err: unknown) => log.warn({ err }, 'container removal failed'));
    },
    status: (extra) => ({
      kind: opts.kind,
      enabled: opts.enabled,
      ...extra,
      max: opts.size,
      ...counters,
      acquireP50Ms: latency.percentile(50),
      acquireP95Ms: latency.percentile(95),
      ...(lastError ? { lastError: `${lastError.code}: ${lastError.message}` } : {}),
    }),
  };
}
