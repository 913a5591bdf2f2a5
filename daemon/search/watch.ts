/**
 * The file watcher (the only module that imports chokidar). Ignored folders are pruned by
 * the `ignored` function before chokidar descends into them; events are debounced so that a
 * burst (a branch switch, a formatter run) collapses into one callback; when the OS runs out
 * of watches (ENOSPC/EMFILE/ENFILE) it falls back to a periodic full reconcile.
 */
import type { Stats } from 'node:fs';
import { isAbsolute, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { relativeInside } from '../paths/inside.js';

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
  /** What the chokidar `error` event calls: watch-limit errors switch to polling. */
  handleError(err: unknown): void;
  close(): Promise<void>;
}

const LIMIT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

/** Whether an error means the OS has no more watches or descriptors to give. */
export function isWatchLimitError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && LIMIT_CODES.has(code);
}

function toRel(root: string, p: string): string | undefined {
  const rel = isAbsolute(p) ? relativeInside(root, p) : p;
  if (rel === undefined || rel.startsWith('../') || rel === '..') return undefined;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** Watches a root; see the module comment. */
export function startWatch(opts: WatchOptions): WatchHandle {
  const debounceMs = opts.debounceMs ?? 150;
  const maxDelayMs = opts.maxDelayMs ?? 1000;
  let state: WatchState = 'watching';
  let pending: WatchChange = { paths: new Set(), full: false };
  let timer: NodeJS.Timeout | undefined;
  let firstEventAt = 0;
  let poll: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((r) => { resolveReady = r; });

  const flush = (): void => {
    timer = undefined;
    firstEventAt = 0;
    const change = pending;
    pending = { paths: new Set(), full: false };
    if (change.full || change.paths.size > 0) opts.onChange(change);
  };
  const schedule = (): void => {
    const now = Date.now();
    if (firstEventAt === 0) firstEventAt = now;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, now - firstEventAt >= maxDelayMs ? 0 : debounceMs);
  };
  const onPath = (full: boolean) => (p: string): void => {
    const rel = toRel(opts.root, p);
    if (rel === undefined || rel === '') return;
    if (full) pending.full = true;
    else pending.paths.add(rel);
    schedule();
  };

  const ignored = (p: string, stats?: Stats): boolean => {
    const rel = toRel(opts.root, p);
    if (rel === undefined) return true;
    if (rel === '') return false;
    return opts.prune(rel, stats === undefined ? undefined : stats.isDirectory());
  };

  const watcher: FSWatcher = watch(opts.root, { ignored, ignoreInitial: true, followSymlinks: false, persistent: true });
  watcher.on('add', onPath(false)).on('change', onPath(false)).on('unlink', onPath(false));
  watcher.on('addDir', onPath(true)).on('unlinkDir', onPath(true));
  watcher.on('ready', () => {
    resolveReady();
    pending.full = true; // edits made while the watches were being set up
    schedule();
  });

  const handleError = (err: unknown): void => {
    if (!isWatchLimitError(err)) {
      opts.log.warn({ err }, 'file watcher error');
      return;
    }
    if (state !== 'watching') return;
    state = 'polling';
    const pollMs = opts.pollMs ?? 5000;
    opts.log.warn({ err, pollMs }, 'out of file watches; falling back to periodic reconcile');
    void watcher.close().catch((e: unknown) => opts.log.warn({ err: e }, 'closing the file watcher failed'));
    poll = setInterval(() => { pending.full = true; flush(); }, pollMs);
    poll.unref();
    resolveReady();
    pending.full = true;
    schedule();
  };
  watcher.on('error', handleError);

  return {
    state: () => state,
    ready: () => readyPromise,
    handleError,
    async close() {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      state = 'off';
      resolveReady();
      await watcher.close();
    },
  };
}
