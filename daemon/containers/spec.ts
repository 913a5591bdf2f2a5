/**
 * The hardened container specification for each pool kind (DESIGN §8). Everything that varies
 * comes in as data; nothing here is built from a path, content or argv except mount targets,
 * which Docker takes as structured fields, never as a shell string.
 */
import { createHash } from 'node:crypto';
import { HELPER_MOUNT_PATH, HELPER_PATH, WORKSPACE_DIR } from '../../images/version.js';
import type { ContainerSpec } from './docker.js';
import { HELPER_SOCKET_PATH } from './helper-socket.js';

export type PoolKind = 'io-read' | 'io-write' | 'exec';

const WORKSPACE = WORKSPACE_DIR;

export interface Limits {
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  tmpfsBytes: number;
}

export interface SpecInput {
  kind: PoolKind;
  root: string;
  uid: number;
  gid: number;
  image: string;
  /** Identifies this daemon instance (its socket); the reaper removes containers of a dead instance. */
  instance: string;
  limits: Limits;
  /** Upper bound on a container's life, so none outlives a crashed daemon for long. */
  lifetimeSeconds: number;
  /** Repo-relative paths re-mounted read-only inside a writable repo mount (io-write). */
  readOnlyPaths?: string[];
  /** Repo-relative files and directories hidden from exec (excluded paths). */
  maskFiles?: string[];
  maskDirs?: string[];
  /** Identifies the mask set an exec container was created with. */
  maskVersion?: string;
  /** Empty directory on the host used to mask directories. */
  emptyDir?: string;
  /** Empty read-only regular file on the host used to mask files (tools still see a plain file). */
  emptyFile?: string;
  /** Identities "dev:ino" of emptyFile and emptyDir; with them the helper checks every mask before each command. */
  maskIds?: { file: string; dir: string };
  env?: string[];
  /**
   * llmr's own helper binary on the host. When set it is mounted read-only at HELPER_MOUNT_PATH and
   * is the entrypoint (any image serves, nothing of llmr needs to be in it), and the helper caps its
   * own life (`--lifetime`, alarm(2)); else the image's baked helper runs under `timeout`.
   */
  helperBinary?: string;
  /** Exec: the container serves several commands; the helper may `clean` between them (kill(-1), empty /tmp). */
  reusable?: boolean;
  /** Exec only: the repository mounted writable (commands.exec.repository: read-write). */
  repoWritable?: boolean;
  /** Host files mounted read-only over repo-relative paths, after every other mount (the sanitized `.git/config`). */
  fileMounts?: Array<{ source: string; rel: string }>;
  /** Exec only: Docker's default bridge network (commands.exec.network_commands). */
  network?: 'bridge';
  /** Host directories mounted read-write at absolute container paths (exec tool caches). */
  dirMounts?: Array<{ source: string; target: string }>;
}

/** Short stable id of a repository root, used in labels and state paths. */
export function workspaceId(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 16);
}

export const LABELS = {
  instance: 'llmr.daemon',
  workspace: 'llmr.workspace',
  kind: 'llmr.kind',
  expires: 'llmr.expires',
  masks: 'llmr.masks',
} as const;

type Mount = ContainerSpec['mounts'][number];

function bind(source: string, target: string, readOnly: boolean): Mount {
  return { source, target, readOnly };
}

function mounts(input: SpecInput): Mount[] {
  const rw = input.kind === 'io-write' || (input.kind === 'exec' && input.repoWritable === true);
  const list = [bind(input.root, WORKSPACE, !rw)];
  if (input.helperBinary !== undefined) list.push(bind(input.helperBinary, HELPER_MOUNT_PATH, true));
  for (const rel of input.readOnlyPaths ?? []) list.push(bind(`${input.root}/${rel}`, `${WORKSPACE}/${rel}`, true));
  const maskFile = input.emptyFile ?? '/dev/null';
  for (const rel of input.maskFiles ?? []) list.push(bind(maskFile, `${WORKSPACE}/${rel}`, true));
  if (input.emptyDir !== undefined) {
    for (const rel of input.maskDirs ?? []) list.push(bind(input.emptyDir, `${WORKSPACE}/${rel}`, true));
  }
  for (const m of input.fileMounts ?? []) list.push(bind(m.source, `${WORKSPACE}/${m.rel}`, true));
  for (const m of input.dirMounts ?? []) list.push(bind(m.source, m.target, false));
  return list;
}

/** The masks an exec helper checks before each command (images/helper/llmr-helper.c). */
function maskArgs(input: SpecInput): string[] {
  if (input.kind !== 'exec' || input.maskIds === undefined || input.emptyFile === undefined || input.emptyDir === undefined) return [];
  return [
    '--masks', input.maskIds.file, input.maskIds.dir,
    ...(input.maskFiles ?? []).map((rel) => `f:${rel}`), ...(input.maskDirs ?? []).map((rel) => `d:${rel}`),
  ];
}

/** The create options for one container of `input.kind`. */
export function buildSpec(input: SpecInput): ContainerSpec {
  const exec = input.kind === 'exec';
  const tmpfsOpts = `rw,nosuid,nodev,${exec ? 'exec,' : 'noexec,'}size=${input.limits.tmpfsBytes},mode=1777`;
  const expires = Math.floor(Date.now() / 1000) + input.lifetimeSeconds;
  const life = String(input.lifetimeSeconds);
  // the helper connects to the daemon's socket for this container (docker.ts mounts it), caps its
  // own life (alarm) whatever happens to the daemon, and runs as the child of Docker's init
  // (PID 1), which `clean` relies on; fixed strings only
  const args = [WORKSPACE, '--socket', HELPER_SOCKET_PATH, '--lifetime', life, ...(input.reusable === true && exec ? ['--reusable'] : []), ...maskArgs(input)];
  const launch = input.helperBinary !== undefined
    ? { entrypoint: [HELPER_MOUNT_PATH], cmd: args }
    : { entrypoint: [HELPER_PATH], cmd: args };
  return {
    image: input.image,
    ...launch,
    user: `${input.uid}:${input.gid}`,
    env: input.env ?? ['HOME=/tmp', 'PATH=/usr/local/bin:/usr/bin:/bin'],
    labels: {
      [LABELS.instance]: input.instance,
      [LABELS.workspace]: workspaceId(input.root),
      [LABELS.kind]: input.kind,
      [LABELS.expires]: String(expires),
      ...(input.maskVersion !== undefined ? { [LABELS.masks]: input.maskVersion } : {}),
    },
    workingDir: WORKSPACE,
    mounts: mounts(input),
    tmpfs: { '/tmp': tmpfsOpts },
    memoryBytes: input.limits.memoryBytes,
    nanoCpus: input.limits.nanoCpus,
    pidsLimit: input.limits.pidsLimit,
    readonlyRootfs: true,
    ...(input.kind === 'exec' && input.network === 'bridge' ? { network: 'bridge' as const } : {}),
  };
}
