/**
 * The request handlers, grouped by capability. Each resolves the workspace of `params.root`
 * and delegates to its capability folder.
 */
import { LlmrError } from '../protocol/errors.js';
import type { AuditVerifyParams, AuditVerifyResult } from '../protocol/audit.js';
import type { ConfigExplainParams, ConfigExplainResult } from '../protocol/config.js';
import { PROTOCOL_VERSION, type DaemonStatusResult, type DoctorParams, type DoctorResult, type HelloParams, type HelloResult } from '../protocol/daemon.js';
import type { CacheClearParams, CacheClearResult, ExecParams, ExecResult, ExecUndoParams, ExecUndoResult } from '../protocol/exec.js';
import type { ReadParams, ReadResult, WriteParams, WriteResult } from '../protocol/io.js';
import type { OnWire } from '../protocol/wire.js';
import { SearchProgressNotification, type ReindexParams, type ReindexResult, type SearchParams, type SearchResult } from '../protocol/search.js';
import type { WorkspaceParams, WorkspaceStatusResult } from '../protocol/workspace.js';
import { verifyAuditLog } from './audit/verify.js';
import { envEntries } from './config/env.js';
import { explainConfig } from './config/explain.js';
import type { DockerClient } from './containers/docker.js';
import { runDoctor } from './doctor.js';
import type { Handler } from './context.js';
import { resolveRoot, type WorkspaceRegistry } from './workspaces/registry.js';
import type { EditParams, EditResult, UndoParams, UndoResult } from '../protocol/edit.js';
import type { ListParams, ListResult } from '../protocol/list.js';
import type { GrepParams, GrepResult } from '../protocol/grep.js';
import type { Workspace } from './workspaces/workspace.js';

export interface Services {
  daemon: {
    hello: Handler<HelloParams, HelloResult>;
    status: Handler<void, DaemonStatusResult>;
    shutdown: Handler<void, { ok: true }>;
    doctor: Handler<DoctorParams, DoctorResult>;
  };
  audit: { verify: Handler<AuditVerifyParams, AuditVerifyResult> };
  config: { explain: Handler<ConfigExplainParams, ConfigExplainResult> };
  io: {
    read: Handler<ReadParams, OnWire<ReadResult>>; write: Handler<WriteParams, WriteResult>;
    edit: Handler<EditParams, EditResult>; undo: Handler<UndoParams, UndoResult>; list: Handler<ListParams, ListResult>;
  };
  grep: Handler<GrepParams, GrepResult>;
  exec: { run: Handler<ExecParams, ExecResult>; undo: Handler<ExecUndoParams, ExecUndoResult> };
  cache: { clear: Handler<CacheClearParams, CacheClearResult> };
  search: { query: Handler<SearchParams, SearchResult>; reindex: Handler<ReindexParams, ReindexResult> };
  workspace: { status: Handler<WorkspaceParams, WorkspaceStatusResult> };
}

export interface ServiceDeps {
  version: string;
  /** The socket actually listened on (an inherited one under systemd socket activation). */
  socket: () => string;
  startedAt: number;
  docker: DockerClient;
  registry: WorkspaceRegistry;
  connections: () => number;
  defaultAuditFile: string;
  requestShutdown: () => void;
}

/** Config variables whose values differ between the daemon's environment and a client's. */
export function configEnvMismatch(daemonEnv: Record<string, string | undefined>, clientEnv: unknown): string[] {
  if (clientEnv === null || typeof clientEnv !== 'object') return [];
  const mine = new Map(envEntries(daemonEnv).entries.map((e) => [e.variable, e.value]));
  const theirs = new Map(envEntries(clientEnv as Record<string, string>).entries.map((e) => [e.variable, e.value]));
  const names = new Set([...mine.keys(), ...theirs.keys()]);
  return [...names].filter((n) => mine.get(n) !== theirs.get(n)).sort();
}

function searchOf(ws: Workspace) {
  if (ws.search === undefined) throw new LlmrError('COMMAND_DISABLED', 'search is disabled by commands.search.enabled');
  return ws.search;
}

function workspaceStatus(w: Workspace): WorkspaceStatusResult {
  return {
    root: w.root, owner: w.owner, configFiles: w.configFiles, pools: w.pools.status(), index: w.search?.status(),
    auditLog: w.audit.path, stateDir: w.stateDir, cacheDir: w.cacheDir,
    ...(w.pools.toolCache !== undefined ? { toolCache: { dir: w.pools.toolCache.dir, bytes: w.pools.toolCache.bytes(), maxBytes: w.pools.toolCache.maxBytes } } : {}),
  };
}

type WorkspaceOf = (root: unknown) => Promise<Workspace>;

/** `cache/clear`: empty the workspace's tool caches (audited). */
function cacheService(ws: WorkspaceOf): Services['cache'] {
  return {
    clear: async (p, ctx) => {
      const w = await ws(p.root);
      const cache = w.pools.toolCache;
      if (cache === undefined) throw new LlmrError('COMMAND_DISABLED', `tool caches are off for ${w.root} (commands.exec.cache: false)`);
      const freedBytes = await cache.clear();
      w.audit.record({ session: ctx.session, operation: 'cache-clear', target: cache.dir, status: 'success', metadata: `freed_bytes:${freedBytes}` });
      return { dir: cache.dir, freedBytes };
    },
  };
}

/** `search/query` (audited) and `search/reindex` (with progress notifications). */
function searchService(ws: WorkspaceOf): Services['search'] {
  return {
    query: async (p, ctx) => {
      const w = await ws(p.root);
      try {
        const result = await searchOf(w).query(p.query, { limit: p.limit, signal: ctx.signal });
        w.audit.record({ session: ctx.session, operation: 'search', target: p.query, status: 'success', metadata: `results:${result.results.length},duration:${(result.durationMs / 1000).toFixed(3)}s` });
        return result;
      } catch (err) {
        w.audit.record({ session: ctx.session, operation: 'search', target: p.query, status: 'failed', metadata: err instanceof LlmrError ? `${err.code}: ${err.message}` : 'INTERNAL' });
        throw err;
      }
    },
    reindex: async (p, ctx) => {
      const token = p.progressToken;
      return searchOf(await ws(p.root)).reindex({
        signal: ctx.signal,
        onProgress: token === undefined ? undefined : (pr) => ctx.notify(SearchProgressNotification, { token, ...pr }),
      });
    },
  };
}

export function createServices(d: ServiceDeps): Services {
  const ws: WorkspaceOf = (root) => d.registry.get(root);
  return {
    daemon: {
      hello: async (p) => ({
        protocolVersion: PROTOCOL_VERSION, daemonVersion: d.version, pid: process.pid, socket: d.socket(),
        envMismatch: configEnvMismatch(process.env, p.env),
      }),
      status: async () => ({
        pid: process.pid, daemonVersion: d.version, protocolVersion: PROTOCOL_VERSION, uptimeMs: Date.now() - d.startedAt,
        socket: d.socket(), workspaces: d.registry.roots(), connections: d.connections(),
        docker: await d.docker.ping().then((v) => ({ reachable: true, ...v }), (e: Error) => ({ reachable: false, error: e.message })),
      }),
      // answer first: vscode-jsonrpc writes the response a few ticks after the handler resolves
      shutdown: async () => { setTimeout(d.requestShutdown, 100); return { ok: true as const }; },
      doctor: async (p) => runDoctor(d.docker, d.registry, p),
    },
    audit: {
      verify: async (p) => {
        const file = p.file !== undefined && p.file !== '' ? p.file : d.defaultAuditFile;
        return { file, ...(await verifyAuditLog(file)) };
      },
    },
    config: { explain: async (p) => explainConfig(p?.root === undefined ? {} : { root: await resolveRoot(p.root) }) },
    io: {
      read: async (p, ctx) => (await ws(p.root)).io.read(p, ctx),
      write: async (p, ctx) => (await ws(p.root)).io.write(p, ctx),
      edit: async (p, ctx) => (await ws(p.root)).io.edit(p, ctx),
      undo: async (p, ctx) => (await ws(p.root)).io.undo(p, ctx),
      list: async (p, ctx) => (await ws(p.root)).tree.list(p, ctx),
    },
    grep: async (p, ctx) => (await ws(p.root)).tree.grep(p, ctx),
    exec: {
      run: async (p, ctx) => (await ws(p.root)).exec.run(p, ctx),
      undo: async (p, ctx) => (await ws(p.root)).exec.undo(p, ctx),
    },
    cache: cacheService(ws),
    search: searchService(ws),
    workspace: {
      status: async (p) => workspaceStatus(await ws(p.root)),
    },
  };
}
