import { LlmrError } from '../../protocol/errors.js';
import type { ContainerPool, Lease } from './pool.js';

/** Codes after which a container must not be reused: its helper may be mid-conversation or gone. */
const RETIRE = new Set(['CONTAINER_FAILED', 'CANCELLED', 'COMMAND_TIMEOUT', 'INTERNAL']);

/** Borrow a container for `fn`; it goes back to the pool, or is destroyed when it failed. */
export async function withLease<T>(pool: ContainerPool, signal: AbortSignal | undefined, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const lease = await pool.acquire(signal);
  let retire = false;
  try {
    return await fn(lease);
  } catch (err) {
    retire = !(err instanceof LlmrError) || RETIRE.has(err.code) || !lease.conn.alive;
    throw err;
  } finally {
    await pool.release(lease, retire);
  }
}
