/**
 * The three container pools of a workspace (io-read, io-write, exec), built from its config.
 */
import { lstatSync, type Stats } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { PoolStatus } from '../../protocol/workspace.js';
import type { LlmrConfig } from '../config/schema.js';
import type { DockerClient } from '../containers/docker.js';
import { createContainerPool, type ContainerPool } from '../containers/pool.js';
import { buildSpec, type Limits, type PoolKind, type SpecInput } from '../containers/spec.js';
import { createExecMasks, type ExecMasks } from '../exec/masks.js';
import { GIT_ENV, prepareGit, type GitAccess } from '../exec/git.js';
import { CACHE_ENV, CACHE_TARGET, createToolCache, type ToolCache } from '../exec/tool-cache.js';
import { workspaceId } from '../containers/spec.js';
import type { PathGuard } from '../paths/guard.js';

export interface WorkspacePools {
  ioRead: ContainerPool;
  ioWrite: ContainerPool;
  exec: ContainerPool;
  /** Exec containers on Docker's bridge network, for commands.exec.network_commands (absent when the list is empty). */
  netExec?: ContainerPool;
  /** What exec containers must not see, and the freshness check of each exec lease. */
  masks: ExecMasks;
  /** Whether commands see `.git` (read-only, sanitized config), and why not. */
  git: GitAccess;
  /** The persistent tool caches of exec commands (commands.exec.cache), or undefined when off. */
  toolCache?: ToolCache;
  /** A command's whole environment: tool caches, git, then commands.exec.env. */
  commandEnv: Record<string, string>;
  status(): PoolStatus[];
  drain(): Promise<void>;
}

export interface PoolsInput {
  root: string;
  config: LlmrConfig;
  owner: { uid: number; gid: number };
  guard: PathGuard;
  docker: DockerClient;
  log: Logger;
  instance: string;
  stateDir: string;
  /** $XDG_RUNTIME_DIR: where exec mask sources live, so no container sees the state path (masks.ts). */
  runtimeDir?: string;
  /** llmr's helper binary to mount into every container (containers/helper-binary.ts); else the image's own. */
  helperBinary?: string;
  /** `<cacheDir>/<workspace id>`: the search index and the tool caches live here. */
  cacheDir: string;
}

const IO_TMPFS_BYTES = 16 * 1024 * 1024;
const EXEC_ENV = [
  'HOME=/tmp', 'PATH=/usr/local/bin:/usr/local/go/bin:/usr/lib/go/bin:/usr/bin:/bin',
  'GOCACHE=/tmp/cache/go-build', 'GOPATH=/tmp/go', 'GOFLAGS=-mod=mod', 'GOTOOLCHAIN=local',
  'PIP_CACHE_DIR=/tmp/cache/pip', 'npm_config_cache=/tmp/cache/npm', 'XDG_CACHE_HOME=/tmp/cache',
  'PYTHONDONTWRITEBYTECODE=1', 'LANG=C.UTF-8',
];

/**
 * `.git` and the config file, re-mounted read-only inside the writable repository — only when
 * they are a real directory / file: Docker follows a symlink in a mount source on the host.
 */
function readOnlyRemounts(root: string): string[] {
  const kinds: Record<string, (s: Stats) => boolean> = { '.git': (s) => s.isDirectory(), 'llm-runtime.config.yaml': (s) => s.isFile() };
  return Object.entries(kinds).filter(([rel, ok]) => {
    const info = lstatOrUndefined(path.join(root, rel));
    return info !== undefined && ok(info);
  }).map(([rel]) => rel);
}

/**
 * Existing protected paths a read-write command must not change, re-mounted read-only: the literal
 * ones and `DIR/**` of a literal DIR (`.llmr/**`). A protected path created or changed any other way
 * is put back after the command (exec/rw.ts). Real directories and files only, as above.
 */
function protectedRemounts(root: string, patterns: string[]): string[] {
  const literal = patterns.map((p) => p.replace(/\/\*\*$/, '')).filter((p) => p !== '' && !/[*?[\]{}!]/.test(p) && !p.startsWith('/') && !p.split('/').includes('..'));
  return [...new Set(literal)].filter((rel) => rel !== '.git' && rel !== 'llm-runtime.config.yaml').filter((rel) => {
    const info = lstatOrUndefined(path.join(root, rel));
    return info !== undefined && (info.isDirectory() || info.isFile()) && !hasSymlinkParent(root, rel);
  });
}

function hasSymlinkParent(root: string, rel: string): boolean {
  const parts = rel.split('/');
  return parts.slice(0, -1).some((_, i) => lstatOrUndefined(path.join(root, ...parts.slice(0, i + 1)))?.isSymbolicLink() === true);
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined; // absent: nothing to re-mount
  }
}

/**
 * Remove temp files of writes whose container was killed mid-write (daemon crash, then the
 * reaper). Only regular files with the helper's temp-name pattern, found by a walk that never
 * follows symlinks; unlink removes the name itself.
 */
async function removeStaleTemps(root: string, rels: string[], log: Logger): Promise<void> {
  for (const rel of rels) {
    await unlink(path.join(root, rel)).then(() => log.info({ file: rel }, 'removed temp file of an interrupted write'),
      (err: unknown) => log.warn({ err, file: rel }, 'could not remove temp file'));
  }
}

/** Resources of I/O and exec containers (commands.io.*, commands.exec.*). */
function limitsOf(config: PoolsInput['config']): { ioLimits: Limits; execLimits: Limits } {
  const { io, exec } = config.commands;
  return {
    ioLimits: { memoryBytes: io.memory_limit, nanoCpus: Math.round(io.cpu_limit * 1e9), pidsLimit: io.pids_limit, tmpfsBytes: IO_TMPFS_BYTES },
    execLimits: { memoryBytes: exec.memory_limit, nanoCpus: Math.round(exec.cpu_limit * 1e9), pidsLimit: exec.pids_limit, tmpfsBytes: exec.tmpfs_size },
  };
}

/** Build the pools; they start warming in the background. */
export async function createWorkspacePools(input: PoolsInput): Promise<WorkspacePools> {
  const { config } = input;
  const pc = config.container_pool;
  const masks = await createExecMasks(input.root, input.guard, input.stateDir, input.runtimeDir);
  await removeStaleTemps(input.root, masks.staleTemps(), input.log);
  const git = await prepareGit({
    root: input.root, enabled: config.commands.exec.git, isExcluded: (rel) => input.guard.isExcluded(rel), stateDir: input.stateDir, workspaceId: workspaceId(input.root),
  });
  if (!git.enabled) input.log.info({ reason: git.reason }, 'git unavailable to commands');
  const toolCache = config.commands.exec.cache
    ? await createToolCache(path.join(input.cacheDir, 'tool-cache'), input.owner, config.commands.exec.cache_max_size) : undefined;
  const commandEnv = { ...execEnv(config), ...(git.enabled ? GIT_ENV : {}), ...(toolCache !== undefined ? CACHE_ENV : {}) };
  const { ioLimits, execLimits } = limitsOf(config);
  const lifetime = Math.ceil(pc.max_lifetime / 1000);
  const execLifetime = Math.max(lifetime, config.commands.exec.max_timeout_seconds + 60);

  const make = (kind: PoolKind, image: string, limits: Limits, singleUse: boolean, network?: 'bridge'): ContainerPool => createContainerPool({
    kind,
    docker: input.docker,
    log: input.log,
    enabled: pc.enabled,
    size: pc.size,
    // networked containers are started on demand only: none waits on the bridge network unused
    minIdle: network === undefined ? pc.min_idle : 0,
    startup: network === undefined ? pc.startup_containers : 0,
    maxUses: pc.max_uses_per_container,
    idleTimeoutMs: pc.idle_timeout,
    healthIntervalMs: pc.health_check_interval,
    acquireTimeoutMs: pc.acquire_timeout,
    startTimeoutMs: 30_000,
    singleUse,
    spec: () => buildSpec({
      kind, root: input.root, uid: input.owner.uid, gid: input.owner.gid, image, instance: input.instance, limits,
      lifetimeSeconds: kind === 'exec' ? execLifetime : lifetime,
      ...(input.helperBinary !== undefined ? { helperBinary: input.helperBinary } : {}),
      reusable: kind === 'exec' && config.commands.exec.reuse_containers,
      readOnlyPaths: kind === 'io-write' ? readOnlyRemounts(input.root) : [],
      ...(kind === 'exec' ? execMounts(input, masks, git, toolCache, commandEnv) : {}),
      ...(network !== undefined ? { network } : {}),
    }),
  });

  const ioRead = make('io-read', config.commands.io.container_image, ioLimits, false);
  const ioWrite = make('io-write', config.commands.io.container_image, ioLimits, false);
  const exec = make('exec', config.commands.exec.container_image, execLimits, !config.commands.exec.reuse_containers);
  const netExec = config.commands.exec.network_commands.length > 0 ? make('exec', config.commands.exec.container_image, execLimits, true, 'bridge') : undefined;
  return {
    ioRead, ioWrite, exec, netExec, masks, git, toolCache, commandEnv,
    status: () => [ioRead.status(), ioWrite.status(), exec.status(), ...(netExec !== undefined ? [netExec.status()] : [])],
    async drain() {
      masks.close();
      await Promise.all([ioRead.drain(), ioWrite.drain(), exec.drain(), netExec?.drain()]);
      await toolCache?.removeEmptied();
    },
  };
}

/** The exec container's share of the repository: masks, git, read-write mode, its environment. */
function execMounts(input: PoolsInput, masks: ExecMasks, git: GitAccess, cache: ToolCache | undefined, env: Record<string, string>): Partial<SpecInput> {
  const m = masks.mounts();
  const writable = input.config.commands.exec.repository === 'read-write';
  return {
    ...m,
    maskDirs: git.enabled ? m.maskDirs.filter((d) => d !== '.git') : m.maskDirs,
    fileMounts: git.enabled && git.configFile !== undefined ? [{ source: git.configFile, rel: '.git/config' }] : [],
    repoWritable: writable,
    readOnlyPaths: writable ? [...readOnlyRemounts(input.root), ...protectedRemounts(input.root, input.config.security.protected_paths)] : [],
    dirMounts: cache !== undefined ? [{ source: cache.dir, target: CACHE_TARGET }] : [],
    env: envList(env),
  };
}

const envList = (env: Record<string, string>): string[] => Object.entries(env).map(([k, v]) => `${k}=${v}`);

/**
 * The environment of a command in an exec container: tool caches on tmpfs, plus
 * commands.exec.env (which adds variables; the built-in ones keep their values, as before).
 */
export function execEnv(config: LlmrConfig): Record<string, string> {
  const base = Object.fromEntries(EXEC_ENV.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return { ...config.commands.exec.env, ...base };
}
