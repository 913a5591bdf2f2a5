/**
 * The Docker adapter: the only module that imports dockerode. Every call has a deadline, and
 * Docker's errors become LlmrErrors here (socket errors → DOCKER_UNAVAILABLE, missing image →
 * IMAGE_MISSING, everything else → CONTAINER_FAILED). A container's helper talks to the daemon
 * over its own Unix socket (helper-socket.ts), never through Docker: nothing is attached.
 */
import Docker from 'dockerode';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { LlmrError } from '../../protocol/errors.js';
import { HELPER_SOCKET_DIR, listenForHelper, prepareSocketParent, type HelperListener } from './helper-socket.js';

export interface ContainerSpec {
  name?: string;
  image: string;
  cmd: string[];
  /** Overrides the image's entrypoint (llmr's mounted helper), when set. */
  entrypoint?: string[];
  user: string;
  env: string[];
  labels: Record<string, string>;
  workingDir: string;
  /** Bind mounts as structured fields (never the `a:b:ro` string form, which breaks on `:` in paths). */
  mounts: Array<{ source: string; target: string; readOnly: boolean }>;
  tmpfs: Record<string, string>;
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  readonlyRootfs: boolean;
  /** `bridge`: Docker's default network (networked exec commands only); otherwise none. */
  network?: 'bridge';
}

/** A started container and the one connection its helper made to the daemon. */
export interface StartedContainer {
  id: string;
  /** The helper's socket: requests go out, answers come back. */
  socket: Socket;
  /** Resolves when the connection ended (the helper exited, the container stopped, or the daemon let go). */
  closed: Promise<void>;
}

export interface DockerClient {
  ping(timeoutMs?: number): Promise<{ apiVersion: string; serverVersion: string }>;
  imageLabels(image: string): Promise<Record<string, string> | undefined>;
  start(spec: ContainerSpec, timeoutMs: number): Promise<StartedContainer>;
  remove(id: string, timeoutMs?: number): Promise<void>;
  listByLabel(label: string, value: string): Promise<string[]>;
}

const SOCKET_ERRORS = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE']);

/** Translate a dockerode error into an LlmrError. */
export function translateDockerError(err: unknown, what: string, image?: string): LlmrError {
  if (err instanceof LlmrError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string; json?: { message?: string } };
  if (e.code !== undefined && SOCKET_ERRORS.has(e.code)) {
    const hint = e.code === 'EACCES'
      ? 'your user may not use /var/run/docker.sock: join the docker group (sudo usermod -aG docker "$USER", log in again), then restart the daemon: llmr daemon stop'
      : 'start it (sudo systemctl start docker, or dockerd) and check that your user may use /var/run/docker.sock';
    return new LlmrError('DOCKER_UNAVAILABLE', `docker engine not reachable (${e.code}) while trying to ${what}`, hint, { cause: err });
  }
  const message = e.json?.message ?? e.message ?? String(err);
  if (image !== undefined && e.statusCode === 404 && /image|No such image/i.test(message)) {
    return imageMissing(image, err);
  }
  return new LlmrError('CONTAINER_FAILED', `docker could not ${what}: ${message.trim()}`, undefined, { cause: err });
}

/** The error for an absent or outdated llmr image, with the command that fixes it. */
export function imageMissing(image: string, cause?: unknown, why = 'is not present'): LlmrError {
  return new LlmrError('IMAGE_MISSING', `image ${image} ${why}`, 'build it with: llmr images build', { cause });
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LlmrError('CONTAINER_FAILED', `docker did not ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function createOptions(spec: ContainerSpec, socketDir: string): Docker.ContainerCreateOptions {
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.cmd,
    ...(spec.entrypoint !== undefined ? { Entrypoint: spec.entrypoint } : {}),
    User: spec.user,
    Env: spec.env,
    Labels: spec.labels,
    WorkingDir: spec.workingDir,
    Tty: false,
    // nothing attached: the helper's socket carries the conversation, and when the daemon goes
    // away (even kill -9) the helper reads end of file on it and exits
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    NetworkDisabled: spec.network !== 'bridge',
    HostConfig: {
      NetworkMode: spec.network === 'bridge' ? 'bridge' : 'none',
      ReadonlyRootfs: spec.readonlyRootfs,
      Tmpfs: spec.tmpfs,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: spec.pidsLimit,
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      NanoCpus: spec.nanoCpus,
      Init: true,
      AutoRemove: true,
      // the helper's socket directory (this container's alone), read-only, after the spec's mounts
      Mounts: [...spec.mounts, { source: socketDir, target: HELPER_SOCKET_DIR, readOnly: true }]
        .map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
      IpcMode: 'private',
      // the helper's traffic (file contents, command output) must not be copied into Docker's logs
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/** How long a start waits for the helper before asking Docker whether the container still runs. */
const EXIT_CHECK_AFTER_MS = 250;

/**
 * The helper's connection, or why there is none: the deadline passed, or the container stopped
 * first (asked of Docker only when the helper is slow to connect: one request fewer per start).
 */
async function helperConnection(container: Docker.Container, listener: HelperListener, timeoutMs: number): Promise<Socket> {
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const exited = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      container.wait({ condition: 'not-running', abortSignal: stop.signal }).then(
        (r: { StatusCode?: number }) => reject(new LlmrError('CONTAINER_FAILED', `container ${container.id.slice(0, 12)} exited with status ${r.StatusCode ?? '?'} before its helper connected`)),
        (err: { statusCode?: number }) => {
          if (err.statusCode === 404) reject(new LlmrError('CONTAINER_FAILED', `container ${container.id.slice(0, 12)} stopped before its helper connected`));
        });
    }, EXIT_CHECK_AFTER_MS);
  });
  exited.catch(() => undefined);
  try {
    return await withDeadline(Promise.race([listener.accepted, exited]), timeoutMs, 'let its helper connect');
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
}

function endOf(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    socket.once('end', resolve);
    socket.once('close', resolve);
    socket.once('error', () => resolve());
  });
}

/** `socketParent`: where the per-container helper socket directories live (helper-socket.ts). */
export interface DockerClientOptions {
  socketParent?: string;
}

/** Create, start and connect one container whose helper dials `socketParent()`'s fresh socket. */
async function startContainer(docker: Docker, socketParent: string, spec: ContainerSpec, timeoutMs: number): Promise<StartedContainer> {
  const listener = await listenForHelper(socketParent);
  try {
    let container: Docker.Container;
    try {
      container = await withDeadline(docker.createContainer(createOptions(spec, listener.dir)), timeoutMs, 'create a container');
    } catch (err) {
      throw translateDockerError(err, 'create a container', spec.image);
    }
    try {
      await withDeadline(container.start(), timeoutMs, 'start a container');
      const socket = await helperConnection(container, listener, timeoutMs);
      return { id: container.id, socket, closed: endOf(socket) };
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined); // best effort; AutoRemove and the reaper cover the rest
      throw translateDockerError(err, 'start a container', spec.image);
    }
  } finally {
    listener.close();
  }
}

/** Create a Docker client from the environment (DOCKER_HOST or the default socket). */
export function createDockerClient(opts: DockerClientOptions = {}): DockerClient {
  const docker = new Docker();
  let parent: string | undefined;
  const socketParent = (): string => (parent ??= prepareSocketParent(opts.socketParent ?? path.join(os.tmpdir(), `llmr-helper-${process.getuid?.() ?? 0}`)));
  const start = (spec: ContainerSpec, timeoutMs: number): Promise<StartedContainer> => startContainer(docker, socketParent(), spec, timeoutMs);

  return {
    async ping(timeoutMs = 3000) {
      try {
        const v = await withDeadline(docker.version(), timeoutMs, 'answer');
        return { apiVersion: v.ApiVersion, serverVersion: v.Version };
      } catch (err) {
        throw translateDockerError(err, 'answer a version request');
      }
    },
    async imageLabels(image) {
      try {
        const info = await withDeadline(docker.getImage(image).inspect(), 5000, 'inspect an image');
        return info.Config?.Labels ?? {};
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        throw translateDockerError(err, `inspect image ${image}`);
      }
    },
    start,
    async remove(id, timeoutMs = 10_000) {
      try {
        await withDeadline(docker.getContainer(id).remove({ force: true }), timeoutMs, 'remove a container');
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404 || status === 409) return; // already gone, or AutoRemove is removing it
        throw translateDockerError(err, `remove container ${id.slice(0, 12)}`);
      }
    },
    async listByLabel(label, value) {
      try {
        const list = await withDeadline(
          docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } }), 10_000, 'list containers');
        return list.map((c) => c.Id);
      } catch (err) {
        throw translateDockerError(err, 'list containers');
      }
    },
  };
}
