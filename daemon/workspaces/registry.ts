/**
 * Workspaces keyed by realpath'd root: opened on first use, reopened when a config file
 * changes, closed after an idle time (their containers go back to Docker).
 *
 * The root and both config files are looked at again on EVERY request, with synchronous calls:
 * a realpath and three stats cost a few microseconds each that way, where their fs/promises
 * forms cost the main thread ~0.1 ms each (a thread-pool round trip, a promise, and for a
 * missing file an Error with a stack). Nothing is cached across requests, so a config change
 * (or a root swapped for a symlink) takes effect at the next request.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import { REPO_CONFIG_FILE } from '../config/paths.js';
import { openWorkspace, type Workspace, type WorkspaceDeps } from './workspace.js';

interface Entry {
  ws: Promise<Workspace>;
  stamp: string;
  lastUsed: number;
}

export interface WorkspaceRegistry {
  /** The workspace of `root` (absolute; realpath'd here), opening it when needed. */
  get(root: unknown): Promise<Workspace>;
  roots(): string[];
  /** Open workspaces that finished opening. */
  open(): Promise<Workspace[]>;
  closeAll(): Promise<void>;
}

/** Resolve and check a requested root. */
export async function resolveRoot(root: unknown): Promise<string> {
  if (typeof root !== 'string' || !path.isAbsolute(root)) {
    throw new LlmrError('INVALID_PARAMS', `root must be an absolute path, got ${JSON.stringify(root)}`);
  }
  let real: string;
  try {
    real = realpathSync.native(root);
  } catch {
    throw new LlmrError('ROOT_NOT_FOUND', `repository root ${root} does not exist`);
  }
  const info = statSync(real, { throwIfNoEntry: false });
  if (info === undefined) throw new LlmrError('ROOT_NOT_FOUND', `repository root ${root} does not exist`);
  if (!info.isDirectory()) throw new LlmrError('ROOT_NOT_FOUND', `repository root ${root} is not a directory`);
  return real;
}

/** What a config file looks like now: changes with its mtime, size or identity ('-' when absent or unreadable). */
function fileStamp(file: string): string {
  let s;
  try {
    s = statSync(file, { throwIfNoEntry: false, bigint: true });
  } catch {
    return '-'; // unreadable (EACCES, ENOTDIR): loading the config reports it
  }
  return s === undefined ? '-' : `${s.mtimeNs}:${s.ctimeNs}:${s.size}:${s.ino}`;
}

/** The stamp of the two config files of `root` (the repository's and the user's). */
export function configStamp(root: string, userConfig: string): string {
  return `${fileStamp(path.join(root, REPO_CONFIG_FILE))}|${fileStamp(userConfig)}`;
}

export function createRegistry(deps: WorkspaceDeps & { userConfigFile: string; idleMs: number; log: Logger }): WorkspaceRegistry {
  const entries = new Map<string, Entry>();

  const close = (root: string, entry: Entry): void => {
    if (entries.get(root) === entry) entries.delete(root);
    void entry.ws.then((ws) => ws.close()).catch((err: unknown) => deps.log.warn({ err, root }, 'workspace close failed'));
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [root, entry] of entries) if (now - entry.lastUsed > deps.idleMs) close(root, entry);
  }, Math.min(60_000, Math.max(1000, deps.idleMs / 4))).unref();

  return {
    async get(requested) {
      const root = await resolveRoot(requested);
      const stamp = configStamp(root, deps.userConfigFile);
      let entry = entries.get(root);
      if (entry !== undefined && entry.stamp !== stamp) {
        deps.log.info({ root }, 'configuration changed; reopening workspace');
        close(root, entry);
        entry = undefined;
      }
      if (entry === undefined) {
        const created: Entry = { ws: openWorkspace(root, deps), stamp, lastUsed: Date.now() };
        created.ws.catch(() => { if (entries.get(root) === created) entries.delete(root); });
        entries.set(root, created);
        entry = created;
      }
      entry.lastUsed = Date.now();
      return entry.ws;
    },
    roots: () => [...entries.keys()],
    async open() {
      const settled = await Promise.allSettled([...entries.values()].map((e) => e.ws));
      return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    },
    async closeAll() {
      clearInterval(sweep);
      const all = [...entries.values()];
      entries.clear();
      await Promise.allSettled(all.map(async (e) => (await e.ws).close()));
    },
  };
}
