/**
 * The file watcher: directory watches from dir-watch.ts (ignored folders are pruned before they
 * are watched); events are debounced so that a burst (a branch switch, a formatter run, a run
 * of writes) collapses into one callback, and only then is each changed name looked at; when
 * the OS runs out of watches (ENOSPC/EMFILE/ENFILE) it falls back to a periodic full reconcile.
 */
import type { Logger } from 'pino';
import { DirTree } from './dir-watch.js';

export type WatchState = 'watching' | 'polling' | 'off';

export interface WatchChange {
  /** Repository-relative POSIX paths of files added, changed or removed. */
  paths: Set<string>;
  /** A folder appeared or vanished, or the watcher started or fell back: list the tree again. */
  full: boolean;
}

export interface WatchOptions {
  root: string;
  /** True for a path (relative, POSIX) that must not be watched; `isDir` when known. */
  prune: (rel: string, isDir: boolean | undefined) => boolean;
  onChange: (change: WatchChange) => void;
  log: Logger;
  debounceMs?: number;
  /** Longest a steady stream of events can delay the callback. */
  maxDelayMs?: number;
  pollMs?: number;
}

export interface WatchHandle {
  state(): WatchState;
  /** Resolves once the initial watches are set up (or the watcher fell back). */
  ready(): Promise<void>;
  /** What a failed watch calls: watch-limit errors switch to polling. */
  handleError(err: unknown): void;
  close(): Promise<void>;
}

const LIMIT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

/** Whether an error means the OS has no more watches or descriptors to give. */
export function isWatchLimitError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && LIMIT_CODES.has(code);
}

interface Debouncer {
  /** A name changed (`undefined` or '': list everything again). */
  event(rel: string | undefined): void;
  /** List everything again at the next flush. */
  full(): void;
  /** Hand over what is pending now. */
  flush(): void;
  /** Stop the timer and wait for the batch being looked at. */
  close(): Promise<void>;
}

/**
 * Collects names until no event came for `debounceMs` (at most `maxDelayMs` after the first),
 * then looks at them (`settle`) and reports one change; one batch at a time, in order.
 */
function debouncer(opts: WatchOptions, settle: (names: Set<string>) => Promise<WatchChange>, isOff: () => boolean): Debouncer {
  const debounceMs = opts.debounceMs ?? 150;
  const maxDelayMs = opts.maxDelayMs ?? 1000;
  let names = new Set<string>();
  let full = false;
  let timer: NodeJS.Timeout | undefined;
  let firstEventAt = 0;
  let settling = Promise.resolve();
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    firstEventAt = 0;
    const batch = names;
    const wasFull = full;
    names = new Set();
    full = false;
    settling = settling.then(async () => {
      const change = await settle(batch).catch((err: unknown) => {
        opts.log.warn({ err }, 'file watcher could not look at changed paths');
        return { paths: new Set<string>(), full: true };
      });
      if (wasFull) change.full = true;
      if (!isOff() && (change.full || change.paths.size > 0)) opts.onChange(change);
    });
  };
  const schedule = (): void => {
    const now = Date.now();
    if (firstEventAt === 0) firstEventAt = now;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, now - firstEventAt >= maxDelayMs ? 0 : debounceMs);
  };
  return {
    event(rel) {
      if (rel === undefined || rel === '') full = true;
      else names.add(rel);
      schedule();
    },
    full() {
      full = true;
      schedule();
    },
    flush,
    async close() {
      if (timer) clearTimeout(timer);
      await settling;
    },
  };
}

/** Watches a root; see the module comment. */
export function startWatch(opts: WatchOptions): WatchHandle {
  let state: WatchState = 'watching';
  let poll: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((r) => { resolveReady = r; });
  const handleError = (err: unknown): void => {
    if (!isWatchLimitError(err)) {
      opts.log.warn({ err }, 'file watcher error');
      return;
    }
    if (state !== 'watching') return;
    state = 'polling';
    const pollMs = opts.pollMs ?? 5000;
    opts.log.warn({ err, pollMs }, 'out of file watches; falling back to periodic reconcile');
    tree.close();
    poll = setInterval(() => { batches.full(); batches.flush(); }, pollMs);
    poll.unref();
    resolveReady();
    batches.full();
  };
  const tree = new DirTree({ root: opts.root, prune: opts.prune, onEvent: (rel) => batches.event(rel), onError: handleError });
  const batches = debouncer(opts, (names) => tree.settle(names), () => state === 'off');
  void tree.add('').then(() => {
    if (state !== 'watching') return;
    resolveReady();
    batches.full(); // edits made while the watches were being set up
  });
  return {
    state: () => state,
    ready: () => readyPromise,
    handleError,
    async close() {
      if (poll) clearInterval(poll);
      state = 'off';
      resolveReady();
      tree.close();
      await batches.close();
    },
  };
}
