/** `daemon/doctor`: what the daemon can see of Docker, images, the repository and Ollama. */
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DoctorCheck, DoctorParams, DoctorResult } from '../protocol/daemon.js';
import { asLlmrError } from '../protocol/errors.js';
import { EXEC_IMAGE, IMAGE_VERSION_LABEL as IMAGE_LABEL, IMAGE_VERSION, IO_IMAGE } from '../images/version.js';
import { dataDir } from '../protocol/dirs.js';
import type { DockerClient } from './containers/docker.js';
import { findHelperBinary } from './containers/helper-binary.js';
import { HelperConnection } from './containers/helper-conn.js';
import { buildSpec } from './containers/spec.js';
import { findPrograms, whitelistPrograms } from './exec/image-commands.js';
import { silentLogger } from './log.js';
import { effectiveWhitelist } from './exec/profiles.js';
import { execEnv } from './workspaces/pools.js';
import type { WorkspaceRegistry } from './workspaces/registry.js';
import type { Workspace } from './workspaces/workspace.js';

async function dockerCheck(docker: DockerClient): Promise<DoctorCheck> {
  try {
    const v = await docker.ping();
    return { name: 'docker engine', ok: true, detail: `API ${v.apiVersion}, server ${v.serverVersion}` };
  } catch (err) {
    return { name: 'docker engine', ok: false, detail: asLlmrError(err).message, fix: 'start Docker: sudo systemctl start docker (or run dockerd)' };
  }
}

const PROBE_TIMEOUT_MS = 30_000;
const NOBODY = 65534;

/**
 * Start one throwaway hardened container of `image` the way the daemon starts its pools (the
 * mounted helper when there is one, else the image's own; an empty directory for the
 * repository, nobody's uid) and ping its helper: the version it answers, or why it cannot run.
 */
async function probeImage(docker: DockerClient, image: string, helperBinary: string | undefined): Promise<string> {
  const empty = await mkdtemp(path.join(os.tmpdir(), 'llmr-doctor-'));
  await chmod(empty, 0o755); // the helper, as nobody, opens it as its repository
  const spec = buildSpec({
    kind: 'io-read', root: empty, uid: NOBODY, gid: NOBODY, image, instance: 'llmr-doctor', lifetimeSeconds: 60,
    limits: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 16, tmpfsBytes: 1024 * 1024 },
    ...(helperBinary !== undefined ? { helperBinary } : {}),
  });
  let id: string | undefined;
  let conn: HelperConnection | undefined;
  try {
    const container = await docker.start(spec, PROBE_TIMEOUT_MS);
    id = container.id;
    conn = new HelperConnection(container, silentLogger());
    return (await conn.ping(AbortSignal.timeout(PROBE_TIMEOUT_MS))).version;
  } finally {
    conn?.close();
    if (id !== undefined) await docker.remove(id).catch(() => undefined); // it removes itself when its helper exits
    await rm(empty, { recursive: true, force: true });
  }
}

async function imageCheck(docker: DockerClient, image: string, helper: { path?: string; why?: string }): Promise<DoctorCheck> {
  const ours = image === IO_IMAGE || image === EXEC_IMAGE;
  const name = `image ${image}`;
  const fix = ours ? 'llmr images build' : `build or load ${image}, or change the image in your config; llmr images build places the helper that any Linux image can run`;
  try {
    const labels = await docker.imageLabels(image);
    if (labels === undefined) return { name, ok: false, detail: 'not present', fix };
    const version = labels[IMAGE_LABEL];
    if (ours && version !== IMAGE_VERSION) return { name, ok: false, detail: `built for helper version ${version ?? 'unknown'}, need ${IMAGE_VERSION}`, fix };
    const how = helper.path !== undefined ? `llmr's helper mounted from ${helper.path}` : `the image's own helper (${helper.why ?? 'no helper to mount'})`;
    const answered = await probeImage(docker, image, helper.path);
    return { name, ok: true, detail: `a container started and its helper answered (version ${answered}, ${how})` };
  } catch (err) {
    const e = asLlmrError(err);
    const hint = helper.path === undefined && !ours ? 'run llmr images build: it places a helper the daemon mounts into containers of any image' : e.details ?? fix;
    return { name, ok: false, detail: `a container of it cannot serve llmr: ${e.code}: ${e.message}`, fix: hint };
  }
}

/**
 * Each whitelisted program looked up in the exec image without running any of them
 * (exec/image-commands.ts): one line listing those present, a warning per missing one.
 */
export async function commandChecks(docker: DockerClient, ws: Workspace, helperBinary?: string): Promise<DoctorCheck[]> {
  const cfg = ws.config.commands.exec;
  const image = cfg.container_image;
  const name = `commands in ${image}`;
  if (!cfg.enabled) return [{ name, ok: true, detail: 'not checked: exec is disabled by commands.exec.enabled' }];
  // a program named by a path (./run.sh) lives in the repository, not in the image
  const programs = whitelistPrograms(effectiveWhitelist(cfg.profile, cfg.whitelist)).filter((p) => !p.includes('/'));
  try {
    const found = await findPrograms(docker, image, programs, execEnv(ws.config), silentLogger(), helperBinary);
    const have = programs.filter((p) => found.get(p) !== undefined);
    const checks: DoctorCheck[] = [{ name, ok: true, detail: `${have.length} of ${programs.length} whitelisted commands present: ${have.join(', ')}` }];
    for (const p of programs.filter((q) => found.get(q) === undefined)) {
      checks.push({
        name: `command ${p}`, ok: true, warning: true, detail: `${p} is whitelisted but missing from ${image}; <exec ${p} …> answers command not found`,
        fix: `use an image that has ${p} (commands.exec.container_image), or leave it out of commands.exec.whitelist / commands.exec.profile`,
      });
    }
    return checks;
  } catch (err) {
    const e = asLlmrError(err);
    return [{ name, ok: false, detail: `cannot look into ${image}: ${e.code}: ${e.message}`, ...(e.details ? { fix: e.details } : {}) }];
  }
}

async function workspaceChecks(registry: WorkspaceRegistry, root: string): Promise<DoctorCheck[]> {
  try {
    const ws = await registry.get(root);
    const owner = await stat(ws.root);
    const checks: DoctorCheck[] = [
      { name: 'repository', ok: true, detail: `${ws.root}, config from ${ws.configFiles.length ? ws.configFiles.join(', ') : 'defaults'}` },
      { name: 'uid mapping', ok: true, detail: `containers run as ${owner.uid}:${owner.gid}, the repository owner` },
    ];
    const url = ws.config.commands.search.ollama_url;
    const ollama = await fetch(new URL('/api/tags', url), { signal: AbortSignal.timeout(1500) }).then((r) => r.ok, () => false);
    checks.push({ name: 'ollama', ok: true, detail: ollama ? `reachable at ${url}; search fuses vectors` : `not reachable at ${url}; search is lexical only (optional)` });
    return checks;
  } catch (err) {
    const e = asLlmrError(err);
    return [{ name: 'repository', ok: false, detail: `${e.code}: ${e.message}`, ...(e.details ? { fix: e.details } : {}) }];
  }
}

/** The images a workspace is configured to use (the defaults without a root or when its config is broken). */
async function configuredImages(registry: WorkspaceRegistry, root: string | undefined): Promise<string[]> {
  if (root === undefined) return [IO_IMAGE, EXEC_IMAGE];
  const ws = await registry.get(root).catch(() => undefined);
  return ws === undefined ? [IO_IMAGE, EXEC_IMAGE] : [ws.config.commands.io.container_image, ws.config.commands.exec.container_image];
}

/**
 * Docker, each configured image run the way the daemon will run it (with the helper the daemon
 * mounts: `$XDG_DATA_HOME/llmr/helper/llmr-helper` of the daemon's environment, as workspaces find
 * it), the repository, and the whitelisted commands in the exec image.
 */
export async function runDoctor(docker: DockerClient, registry: WorkspaceRegistry, params: DoctorParams,
  helper = findHelperBinary(dataDir(process.env, os.homedir()))): Promise<DoctorResult> {
  const root = typeof params.root === 'string' ? params.root : undefined;
  const checks = [await dockerCheck(docker)];
  let execImageOk = false;
  if (checks[0].ok) {
    const images = [...new Set(await configuredImages(registry, root))];
    const results = await Promise.all(images.map((image) => imageCheck(docker, image, helper)));
    checks.push(...results);
    execImageOk = results.at(-1)?.ok === true;
  }
  if (root !== undefined) checks.push(...(await workspaceChecks(registry, root)));
  const ws = root !== undefined && execImageOk ? await registry.get(root).catch(() => undefined) : undefined;
  if (ws !== undefined) checks.push(...(await commandChecks(docker, ws, helper.path)));
  return { checks };
}
