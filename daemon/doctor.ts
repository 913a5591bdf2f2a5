/** `daemon/doctor`: what the daemon can see of Docker, images, the repository and Ollama. */
import { stat } from 'node:fs/promises';
import type { DoctorCheck, DoctorParams, DoctorResult } from '../protocol/daemon.js';
import { asLlmrError } from '../protocol/errors.js';
import { EXEC_IMAGE, IMAGE_VERSION_LABEL as IMAGE_LABEL, IMAGE_VERSION, IO_IMAGE } from '../images/version.js';
import type { DockerClient } from './containers/docker.js';
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

async function imageCheck(docker: DockerClient, image: string): Promise<DoctorCheck> {
  const ours = image === IO_IMAGE || image === EXEC_IMAGE;
  const fix = ours ? 'llmr images build' : `build or load ${image} (FROM llmr-exec:latest or llmr-io:latest, so that it has the helper), or change the image in your config`;
  try {
    const labels = await docker.imageLabels(image);
    if (labels === undefined) return { name: `image ${image}`, ok: false, detail: 'not present', fix };
    const version = labels[IMAGE_LABEL];
    if (version !== IMAGE_VERSION) return { name: `image ${image}`, ok: false, detail: `helper version ${version ?? 'unknown'}, need ${IMAGE_VERSION}`, fix };
    return { name: `image ${image}`, ok: true, detail: `helper version ${version}` };
  } catch (err) {
    return { name: `image ${image}`, ok: false, detail: asLlmrError(err).message };
  }
}

/**
 * Each whitelisted program looked up in the exec image without running any of them
 * (exec/image-commands.ts): one line listing those present, a warning per missing one.
 */
export async function commandChecks(docker: DockerClient, ws: Workspace): Promise<DoctorCheck[]> {
  const cfg = ws.config.commands.exec;
  const image = cfg.container_image;
  const name = `commands in ${image}`;
  if (!cfg.enabled) return [{ name, ok: true, detail: 'not checked: exec is disabled by commands.exec.enabled' }];
  // a program named by a path (./run.sh) lives in the repository, not in the image
  const programs = whitelistPrograms(effectiveWhitelist(cfg.profile, cfg.whitelist)).filter((p) => !p.includes('/'));
  try {
    const found = await findPrograms(docker, image, programs, execEnv(ws.config), silentLogger());
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

export async function runDoctor(docker: DockerClient, registry: WorkspaceRegistry, params: DoctorParams): Promise<DoctorResult> {
  const root = typeof params.root === 'string' ? params.root : undefined;
  const checks = [await dockerCheck(docker)];
  let execImageOk = false;
  if (checks[0].ok) {
    const images = await configuredImages(registry, root);
    for (const image of images) checks.push(await imageCheck(docker, image));
    execImageOk = checks.at(-1)?.ok === true;
  }
  if (root !== undefined) checks.push(...(await workspaceChecks(registry, root)));
  const ws = root !== undefined && execImageOk ? await registry.get(root).catch(() => undefined) : undefined;
  if (ws !== undefined) checks.push(...(await commandChecks(docker, ws)));
  return { checks };
}
