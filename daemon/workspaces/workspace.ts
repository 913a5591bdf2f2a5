/**
 * A workspace: one repository root with its configuration, path guard, container pools,
 * search index and audit log. Created on the first request for a root.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import type { LlmrConfig } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { REPO_CONFIG_FILE } from '../config/paths.js';
import { cacheDir, stateDir, userConfigFile } from '../config/paths.js';
import { createPathGuard, type PathGuard } from '../paths/guard.js';
import type { DockerClient } from '../containers/docker.js';
import { createWorkspacePools, type WorkspacePools } from './pools.js';
import { workspaceId } from '../containers/spec.js';
import { createSearch, type SearchService } from '../search/service.js';
import type { AuditSink } from './audit-sink.js';

export interface Workspace {
  root: string;
  id: string;
  config: LlmrConfig;
  configFiles: string[];
  owner: { uid: number; gid: number };
  guard: PathGuard;
  pools: WorkspacePools;
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

/** Repository owner; a root-owned repository is refused unless configured. */
async function repoOwner(root: string, config: LlmrConfig, userConfig: string): Promise<{ uid: number; gid: number }> {
  const info = await stat(root);
  if (info.uid === 0 && !config.security.allow_root_owned_repo) {
    throw new LlmrError('REPO_OWNER_ROOT', `repository ${root} is owned by root; llmr runs containers as the repository owner and never as root`,
      `hand it to an unprivileged user (chown -R USER: ${root}), or set security.allow_root_owned_repo: true in ${userConfig} to run its containers as root`);
  }
  return { uid: info.uid, gid: info.gid };
}

/** Open the workspace for an already realpath'd root. */
export async function openWorkspace(root: string, deps: WorkspaceDeps): Promise<Workspace> {
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
  });
  const owner = await repoOwner(root, config, userConfigFile(deps.env, deps.homedir));
  const audit = await deps.auditFor(config, state);
  const pools = await createWorkspacePools({ root, config, owner, guard, docker: deps.docker, log, instance: deps.instance, stateDir: state });
  let search: SearchService | undefined;
  if (config.commands.search.enabled) {
    search = await createSearch({
      root,
      cacheDir: cache,
      config: {
        enabled: true,
        ollamaUrl: config.commands.search.ollama_url,
        embeddingModel: config.commands.search.embedding_model,
        maxResults: config.commands.search.max_results,
        maxFileSize: config.commands.search.max_file_size,
        maxPreviewLength: config.commands.search.max_preview_length,
        dbPath: config.commands.search.vector_db_path || undefined,
        indexExtensions: config.commands.search.index_extensions,
      },
      isExcluded: (rel) => guard.isExcluded(rel) || guard.isProtected(rel),
      log,
    });
  }
  log.info({ root, sources }, 'workspace opened');
  return {
    root, id, config, configFiles: sources, owner, guard, pools, search, audit, stateDir: state, cacheDir: cache,
    async close() {
      await search?.close();
      await pools.drain();
      log.info('workspace closed');
    },
  };
}
