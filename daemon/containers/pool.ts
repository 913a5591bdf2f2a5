/**
 * Container pools: one interface, two implementations. Warm (warm-pool.ts) keeps started
 * containers whose helper has answered a ping; cold (cold-pool.ts, `enabled: false`) creates a
 * container per operation and destroys it afterwards, as the original did. Both start
 * containers through the same lease factory (leases.ts).
 */
import type { PoolStatus } from '../../protocol/workspace.js';
import { createColdPool } from './cold-pool.js';
import type { ContainerSpec, DockerClient } from './docker.js';
import type { HelperConnection } from './helper-conn.js';
import type { PoolKind } from './spec.js';
import { createWarmPool } from './warm-pool.js';
import type { Logger } from 'pino';

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
  /** Warm (true) or cold (false). */
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

/** Create one pool of `opts.kind` containers: warm when `opts.enabled`, cold otherwise. */
export function createContainerPool(opts: PoolOptions): ContainerPool {
  return opts.enabled ? createWarmPool(opts) : createColdPool(opts);
}
