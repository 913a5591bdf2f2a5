/**
 * The Docker adapter: the only module that imports dockerode. Every call has a deadline, and
 * Docker's errors become LlmrErrors here (socket errors → DOCKER_UNAVAILABLE, missing image →
 * IMAGE_MISSING, everything else → CONTAINER_FAILED).
 */
import Docker from 'dockerode';
import { PassThrough, type Duplex } from 'node:stream';
import { LlmrError } from '../../protocol/errors.js';
import { Demuxer } from './demux.js';

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

/** A started container whose helper talks over the attached stdin/stdout. */
export interface AttachedContainer {
  id: string;
  /** Helper's stdout, demultiplexed from Docker's attach stream. */
  stdout: PassThrough;
  /** Helper's stderr (diagnostics). */
  stderr: PassThrough;
  /** Write requests here. */
  stdin: Duplex;
  /** Resolves when the attach stream ends (the container stopped or the daemon lost it). */
  closed: Promise<void>;
}

export interface DockerClient {
  ping(timeoutMs?: number): Promise<{ apiVersion: string; serverVersion: string }>;
  imageLabels(image: string): Promise<Record<string, string> | undefined>;
  start(spec: ContainerSpec, timeoutMs: number): Promise<AttachedContainer>;
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

function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
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
    OpenStdin: true,
    // When the daemon's attach connection goes away (even kill -9), the helper reads EOF and exits.
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
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
      Mounts: spec.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
      IpcMode: 'private',
      // the helper's traffic (file contents, command output) must not be copied into Docker's logs
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/** Attach to a created container: its stdin, and stdout/stderr demultiplexed from one stream. */
async function attach(container: Docker.Container, timeoutMs: number) {
  const stream = (await withDeadline(
    container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }),
    timeoutMs, 'attach to a container')) as unknown as Duplex;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const demux = new Demuxer((which, data) => (which === 'stdout' ? stdout : stderr).write(data));
  stream.on('data', (chunk: Buffer) => {
    try {
      demux.push(chunk);
    } catch (err) {
      stream.destroy(err as Error); // out of step: the conversation is over ('error' below ends it)
    }
  });
  const closed = new Promise<void>((resolve) => {
    const done = (): void => { stdout.end(); stderr.end(); resolve(); };
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
  return { stream, stdout, stderr, closed };
}

/** Create a Docker client from the environment (DOCKER_HOST or the default socket). */
export function createDockerClient(): DockerClient {
  const docker = new Docker();

  async function start(spec: ContainerSpec, timeoutMs: number): Promise<AttachedContainer> {
    let container: Docker.Container;
    try {
      container = await withDeadline(docker.createContainer(createOptions(spec)), timeoutMs, 'create a container');
    } catch (err) {
      throw translateDockerError(err, 'create a container', spec.image);
    }
    try {
      const { stream, stdout, stderr, closed } = await attach(container, timeoutMs);
      await withDeadline(container.start(), timeoutMs, 'start a container');
      return { id: container.id, stdout, stderr, stdin: stream, closed };
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined); // best effort; AutoRemove and the reaper cover the rest
      throw translateDockerError(err, 'start a container', spec.image);
    }
  }

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
