/**
 * Serialises index work: one job at a time, and change requests that arrive while a job is
 * queued merge into it, so any burst of changes costs at most one more reconcile.
 */

export interface PendingChange { paths: Set<string>; full: boolean }

export interface WorkQueue {
  /** Queues a reconcile for these changes (merged with one not yet started). */
  request(change: { paths?: Iterable<string>; full?: boolean }): Promise<void>;
  /** Runs a job alone, after the queued ones. */
  exclusive<T>(job: () => Promise<T>): Promise<T>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
}

/** A queue that runs `reconcile` for merged change requests. */
export function createWorkQueue(reconcile: (change: PendingChange) => Promise<void>): WorkQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending: PendingChange | undefined;
  let pendingRun: Promise<void> | undefined;

  const exclusive = <T>(job: () => Promise<T>): Promise<T> => {
    const run = tail.then(job, job);
    tail = run.catch(() => undefined); // a failed job must not block the ones after it
    return run;
  };

  return {
    request(change) {
      if (!pending) {
        pending = { paths: new Set(), full: false };
        pendingRun = exclusive(async () => {
          const taken = pending!;
          pending = undefined;
          await reconcile(taken);
        });
      }
      for (const p of change.paths ?? []) pending.paths.add(p);
      if (change.full) pending.full = true;
      return pendingRun!;
    },
    exclusive,
    async idle() {
      let seen: Promise<unknown> | undefined;
      while (seen !== tail) {
        seen = tail;
        await tail;
      }
    },
  };
}
