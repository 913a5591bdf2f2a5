/**
 * A workspace: one repository root with its configuration, path guard, container pools,
 * search index and audit log. Created on the first request for a root.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { LlmrConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { REPO_CONFIG_FILE } from '../config/paths.js';
import { cacheDir, stateDir, userConfigFile } from '../config/paths.js';
import { createPathGuard, type PathGuard } from '../paths/guard.js';
import { checkRepoOwner } from '../paths/owner.js';
import { checkRootScope } from '../paths/root-scope.js';
import type { DockerClient } from '../containers/docker.js';
import { createExec, type Exec } from '../exec/run.js';
import { createReadWrite } from '../exec/rw.js';
import { createIo, type Io, type IoLimits } from '../io/io.js';
import { createTree, type Tree } from '../tree/tree.js';
import { effectiveWhitelist } from '../exec/profiles.js';
import { createWorkspacePools, type WorkspacePools } from './pools.js';
import { workspaceId } from '../containers/spec.js';
import { findHelperBinary } from '../containers/helper-binary.js';
import { helperSocketParent } from '../containers/helper-socket.js';
import { socketPath } from '../../protocol/socket-path.js';
import { dataDir } from '../../protocol/dirs.js';
import { createSearch, type SearchService } from '../search/service.js';
import type { AuditSink } from '../audit/record.js';

export interface Workspace {
  root: string;
  id: string;
  config: LlmrConfig;
  configFiles: string[];
  owner: { uid: number; gid: number };
  guard: PathGuard;
  pools: WorkspacePools;
  /** The capabilities, each built from what this workspace owns. */
  io: Io;
  /** list (io/list) and grep (search/grep): host-side walks that never show or read hidden paths. */
  tree: Tree;
  exec: Exec;
  search?: SearchService;
  audit: AuditSink;
  stateDir: string;
  cacheDir: string;
  close(): Promise<void>;
}

export interface WorkspaceDeps {
  docker: DockerClient;
  log: Logger;
  instance: string;
  env: Record<string, string | undefined>;
  homedir: string;
  overrides?: Record<string, unknown>;
  auditFor(config: LlmrConfig, stateDir: string): Promise<AuditSink>;
}

/** llmr's own directories and its daemon's socket, which no repository root may hold or lie in (daemon/paths/root-scope.ts). */
function ownDirs(env: Record<string, string | undefined>, homedir: string): Record<string, string> {
  const state = stateDir(env, homedir);
  const dirs: Record<string, string> = {
    'state directory': state, 'cache directory': cacheDir(env, homedir), 'data directory': dataDir(env, homedir),
    'config directory': path.dirname(userConfigFile(env, homedir)),
    // the socket itself, not its folder: LLMR_SOCKET may name a file in any folder (the demo's, say)
    'daemon socket': socketPath(env, homedir),
  };
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && path.isAbsolute(runtime)) {
    dirs['helper socket directory'] = helperSocketParent(state, runtime);
    dirs['mask directory'] = path.join(runtime, 'llmr-masks');
  }
  return dirs;
}

/**
 * Repository owner; a root-owned or another user's repository is refused unless the user's config
 * allows it. Checked before any file of the repository (its config included) is read, with the
 * user's side of the config only (the keys are user-only anyway).
 */
async function repoOwner(root: string, deps: WorkspaceDeps): Promise<{ uid: number; gid: number }> {
  const { env, homedir } = deps;
  checkRootScope(root, { home: homedir, own: ownDirs(env, homedir) });
  const { config } = await loadConfig({ env: deps.env, overrides: deps.overrides, homedir: deps.homedir });
  return checkRepoOwner(root, await stat(root), {
    allowRootOwned: config.security.allow_root_owned_repo,
    allowForeignOwned: config.security.allow_foreign_owned_repo,
    daemonUid: process.getuid?.() ?? 0,
    userConfigFile: userConfigFile(deps.env, deps.homedir),
  });
}

function ioLimits(config: LlmrConfig): IoLimits {
  const { open, write, io } = config.commands;
  return {
    open: { enabled: open.enabled, maxFileSize: open.max_file_size },
    write: { enabled: write.enabled, maxFileSize: write.max_file_size, allowedExtensions: write.allowed_extensions, backupBeforeWrite: write.backup_before_write },
    timeoutSeconds: io.timeout_seconds,
  };
}

/** The exec capability of one workspace (read-write mode with its undo records when configured). */
function execFor(root: string, id: string, state: string, owner: { uid: number; gid: number }, config: LlmrConfig, guard: PathGuard, pools: WorkspacePools, audit: AuditSink): Exec {
  const e = config.commands.exec;
  return createExec({
    policy: { whitelist: effectiveWhitelist(e.profile, e.whitelist), allowShell: e.allow_shell, roots: [root], networkCommands: e.network_commands },
    pool: pools.exec, ...(pools.netExec !== undefined ? { netPool: pools.netExec } : {}), poolSize: config.container_pool.size, masks: pools.masks, git: pools.git, audit,
    ...(e.repository === 'read-write' ? { rw: createReadWrite({
      root, dir: path.join(state, 'exec-undo', id), owner, isExcluded: (rel) => guard.isExcluded(rel),
      isExcludedByName: (rel) => guard.isExcludedByName(rel), isProtected: (rel) => guard.isProtected(rel),
    }) } : {}),
    env: pools.commandEnv, toolCache: pools.toolCache, image: e.container_image, reuse: e.reuse_containers,
    limits: { enabled: e.enabled, timeoutSeconds: e.timeout_seconds, maxTimeoutSeconds: e.max_timeout_seconds, maxOutputBytes: e.max_output_bytes },
  });
}

/** The search service's settings from commands.search. */
function searchConfig(config: LlmrConfig) {
  const s = config.commands.search;
  return {
    enabled: true, ollamaUrl: s.ollama_url, embeddingModel: s.embedding_model, maxResults: s.max_results, maxFileSize: s.max_file_size,
    maxPreviewLength: s.max_preview_length, dbPath: s.vector_db_path || undefined, indexExtensions: s.index_extensions, chunking: s.chunking,
  };
}

/** Open the workspace for an already realpath'd root. */
export async function openWorkspace(root: string, deps: WorkspaceDeps): Promise<Workspace> {
  const owner = await repoOwner(root, deps);
  const { config, sources } = await loadConfig({ root, env: deps.env, overrides: deps.overrides, homedir: deps.homedir });
  const id = workspaceId(root);
  const log = deps.log.child({ workspace: id });
  const state = stateDir(deps.env, deps.homedir);
  const cache = path.join(cacheDir(deps.env, deps.homedir), id);
  await mkdir(state, { recursive: true, mode: 0o700 });
  const guard = createPathGuard({
    root,
    excluded: config.repository.excluded_paths,
    protectedPaths: [...config.security.protected_paths, REPO_CONFIG_FILE],
    allowedExtensions: config.commands.write.allowed_extensions,
  });
  const audit = await deps.auditFor(config, state);
  const helper = findHelperBinary(dataDir(deps.env, deps.homedir));
  if (helper.path === undefined) log.info({ why: helper.why }, "no llmr helper binary to mount: containers run their image's own helper");
  const pools = await createWorkspacePools({ root, config, owner, guard, docker: deps.docker, log, instance: deps.instance, stateDir: state, runtimeDir: deps.env.XDG_RUNTIME_DIR, cacheDir: cache,
    ...(helper.path !== undefined ? { helperBinary: helper.path } : {}) });
  const io = createIo({
    root,
    guard, readPool: pools.ioRead, writePool: pools.ioWrite, audit, limits: ioLimits(config), backups: { stateDir: state, workspaceId: id },
  });
  const exec = execFor(root, id, state, owner, config, guard, pools, audit);
  const search = config.commands.search.enabled
    ? await createSearch({ root, cacheDir: cache, config: searchConfig(config), isExcluded: (rel) => guard.isExcluded(rel) || guard.isProtected(rel), log })
    : undefined;
  log.info({ root, sources }, 'workspace opened');
  return {
    root, id, config, configFiles: sources, owner, guard, pools, io, exec, search,
    tree: createTree({ root, isHidden: (rel) => guard.isExcluded(rel) || guard.isProtected(rel), maxFileSize: config.commands.open.max_file_size, audit }), audit, stateDir: state, cacheDir: cache,
    async close() {
      await search?.close();
      await pools.drain();
      log.info('workspace closed');
    },
  };
}
