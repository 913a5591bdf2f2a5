/**
 * Builds llmr's images: from Debian packages on this host (`debian`, no registry needed: gcc,
 * busybox-static, debootstrap, `docker import`) or from the Dockerfiles (`dockerfile`).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { relativeInside } from '../daemon/paths/inside.js';
import { dataDir } from '../protocol/dirs.js';
import { LlmrError } from '../protocol/errors.js';
import { BUSYBOX_PATH, compileHelper, defaultMirror, exists, findAsset, findProgram, makeExecRootfs, makeIoRootfs } from './rootfs.js';
import { runPipeline, runTool, type ToolOptions } from './run-tool.js';
import { HELPER_BINARY_REL, HELPER_PATH, IMAGE_NAMES, IMAGE_VERSION, IMAGE_VERSION_LABEL, WORKSPACE_DIR, type ImageKind } from './version.js';

export interface BuildImagesOptions {
  images: ImageKind[];
  /** `auto`: `debian` when the tools it needs are installed, else `dockerfile`. */
  source: 'auto' | 'debian' | 'dockerfile';
  /** Debian mirror for debootstrap; default: the host's first `URIs:`, else deb.debian.org. */
  mirror?: string;
  onProgress: (line: string) => void;
  signal?: AbortSignal;
  /** Tag per image instead of `llmr-io:latest` / `llmr-exec:latest` (e.g. `llmr-exec:dev` to try a change). */
  tags?: Partial<Record<ImageKind, string>>;
}

/** Image settings applied by `docker import`: fixed strings, never built from user input. */
const IMPORT_CHANGES = [
  `CMD ["${HELPER_PATH}", "${WORKSPACE_DIR}"]`,
  `WORKDIR ${WORKSPACE_DIR}`,
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `LABEL ${IMAGE_VERSION_LABEL}=${IMAGE_VERSION}`,
];

const INSPECT_TIMEOUT_MS = 15_000;
/** A docker image reference without a digest: `name[:tag]`, never starting with `-`. */
const IMAGE_TAG = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$/;

/** The tag an image of `kind` gets: `opts.tags[kind]`, else llmr's own name. */
export function imageTag(kind: ImageKind, tags: BuildImagesOptions['tags'] = {}): string {
  const tag = tags[kind] ?? IMAGE_NAMES[kind];
  if (!IMAGE_TAG.test(tag)) {
    throw new LlmrError('INVALID_PARAMS', `image tag ${JSON.stringify(tag)} is not a docker image name`, 'use a name like llmr-exec:dev (lowercase name, optional :tag)');
  }
  return tag;
}

/**
 * Place the compiled helper in llmr's data directory (`$XDG_DATA_HOME/llmr/helper/llmr-helper`),
 * from where the daemon mounts it into containers of any image (daemon/containers/helper-binary.ts).
 * Written beside and renamed over, so a running daemon never mounts a half-written binary.
 */
export async function installHelper(helper: string, onProgress: (line: string) => void, dir = dataDir(process.env, os.homedir())): Promise<string> {
  const target = path.join(dir, HELPER_BINARY_REL);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const tmp = `${target}.${process.pid}.tmp`;
  await fs.copyFile(helper, tmp);
  await fs.chmod(tmp, 0o755);
  await fs.rename(tmp, target);
  onProgress(`installed the helper at ${target}`);
  return target;
}

/** Builds the requested images and tags them `llmr-io:latest` / `llmr-exec:latest` (or `opts.tags`). */
export async function buildImages(opts: BuildImagesOptions): Promise<void> {
  const kinds = [...new Set(opts.images)];
  const name = (kind: ImageKind): string => imageTag(kind, opts.tags);
  const tool: ToolOptions = { onLine: opts.onProgress, signal: opts.signal };
  await checkDocker(tool);
  const source = opts.source === 'auto' ? await chooseSource(kinds) : opts.source;
  opts.onProgress(`building ${kinds.map(name).join(', ')} from ${source === 'debian' ? 'Debian packages' : 'Dockerfiles'}`);
  if (source === 'dockerfile') {
    for (const kind of kinds) await buildFromDockerfile(kind, name(kind), tool);
    return;
  }
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'llmr-images-'));
  try {
    const helper = await compileHelper(work, tool);
    await installHelper(helper, opts.onProgress);
    for (const kind of kinds) {
      throwIfAborted(opts.signal);
      const rootfs = path.join(work, `${kind}-rootfs`);
      if (kind === 'io') await makeIoRootfs(rootfs, helper, tool);
      else await makeExecRootfs(rootfs, helper, opts.mirror ?? (await defaultMirror()), tool);
      throwIfAborted(opts.signal);
      await importRootfs(rootfs, name(kind), tool);
    }
  } finally {
    await removeWorkDir(work, opts.onProgress);
  }
}

/** Whether an image exists, and the llmr image version it carries. */
export async function imageStatus(name: string, signal?: AbortSignal): Promise<{ present: boolean; version?: string }> {
  const deadline = AbortSignal.timeout(INSPECT_TIMEOUT_MS);
  const lines: string[] = [];
  try {
    const out = await runTool('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', name], {
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      captureStdout: true,
      failCode: 'DOCKER_UNAVAILABLE',
      onLine: (l) => lines.push(l),
    });
    const labels = JSON.parse(out.trim() || 'null') as Record<string, string> | null;
    const version = labels?.[IMAGE_VERSION_LABEL];
    return version === undefined ? { present: true } : { present: true, version };
  } catch (err) {
    if (lines.some((l) => /no such (image|object)/i.test(l))) return { present: false };
    if (err instanceof LlmrError && err.code === 'CANCELLED' && !signal?.aborted) {
      throw new LlmrError('DOCKER_UNAVAILABLE', `docker image inspect ${name} did not answer within ${INSPECT_TIMEOUT_MS} ms`);
    }
    throw err;
  }
}

/** `debian` when every tool the requested images need is here, else `dockerfile`. */
export async function chooseSource(kinds: ImageKind[]): Promise<'debian' | 'dockerfile'> {
  const needsBusybox = kinds.includes('io');
  const needsDebootstrap = kinds.includes('exec');
  if (needsBusybox && !(await exists(BUSYBOX_PATH))) return 'dockerfile';
  if (needsDebootstrap && !(await findProgram('debootstrap'))) return 'dockerfile';
  return 'debian';
}

async function checkDocker(tool: ToolOptions): Promise<void> {
  const out = await runTool('docker', ['version', '--format', '{{.Server.Version}}'], {
    ...tool,
    onLine: undefined,
    captureStdout: true,
    failCode: 'DOCKER_UNAVAILABLE',
  });
  tool.onLine?.(`docker engine ${out.trim()}`);
}

/** `tar -c` of the rootfs piped into `docker import` with the fixed image settings. */
async function importRootfs(rootfs: string, name: string, tool: ToolOptions): Promise<void> {
  tool.onLine?.(`importing ${name}`);
  const tar = ['--numeric-owner', '--owner=0', '--group=0', '--exclude=./proc/*', '--exclude=./sys/*', '--exclude=./dev/*', '-C', rootfs, '-c', '.'];
  const changes = IMPORT_CHANGES.flatMap((c) => ['--change', c]);
  await runPipeline(['tar', tar], ['docker', ['import', ...changes, '-', name]], tool);
  tool.onLine?.(`built ${name}`);
}

async function buildFromDockerfile(kind: ImageKind, tag: string, tool: ToolOptions): Promise<void> {
  const dockerfile = await findAsset(`${kind}.Dockerfile`);
  const context = path.dirname(dockerfile);
  const args = ['build', '-f', dockerfile, '--build-arg', `LLMR_IMAGE_VERSION=${IMAGE_VERSION}`, '-t', tag, context];
  await runTool('docker', args, tool);
  tool.onLine?.(`built ${tag}`);
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new LlmrError('CANCELLED', 'image build was cancelled');
}

/** Unmounts anything a failed debootstrap left mounted inside `work`, then removes it. */
async function removeWorkDir(work: string, onProgress: (line: string) => void): Promise<void> {
  const mounts = await mountsUnder(work);
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    await runTool('umount', ['-l', m], {}).catch((err: unknown) => onProgress(`cannot unmount ${m}: ${String(err)}`));
  }
  if ((await mountsUnder(work)).length > 0) {
    onProgress(`left ${work} in place: something is still mounted inside it`);
    return;
  }
  await fs.rm(work, { recursive: true, force: true });
}

async function mountsUnder(dir: string): Promise<string[]> {
  let text = '';
  try {
    text = await fs.readFile('/proc/self/mounts', 'utf8');
  } catch {
    return []; // no /proc: nothing we could unmount anyway
  }
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return text
    .split('\n')
    .map((line) => unescape(line.split(' ')[1] ?? ''))
    .filter((mp) => {
      const rel = relativeInside(dir, mp);
      return mp !== '' && rel !== undefined && rel !== '';
    });
}
