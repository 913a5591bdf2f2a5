/**
 * Which whitelisted commands an exec image has, for `llmr doctor`, without running any of them:
 * one throwaway hardened container (the exec hardening of DESIGN §8, an empty directory instead of
 * the repository, nobody's uid) runs only what every llmr container runs (llmr's static helper, the
 * mounted one when the daemon has it) with `/` as the helper's root, and the helper's read request stats each candidate
 * `<PATH dir>/<command>` (following symlinks inside the container). A path is data in a
 * length-prefixed field, never part of a shell string.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { LlmrError } from '../../protocol/errors.js';
import type { DockerClient } from '../containers/docker.js';
import { HelperConnection } from '../containers/helper-conn.js';
import { buildSpec } from '../containers/spec.js';
import { parseWhitelist } from './policy.js';

const START_TIMEOUT_MS = 30_000;
const PROBE_LIFETIME_S = 60;
const NOBODY = 65534;

/** The program names of whitelist entries, each once: `go test` and `go build` → `go`. */
export function whitelistPrograms(whitelist: readonly string[]): string[] {
  return [...new Set(parseWhitelist([...whitelist]).map((tokens) => tokens[0]))];
}

/** The absolute directories of the `PATH` of an exec environment, in order. */
export function pathDirs(env: Readonly<Record<string, string>>): string[] {
  return (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => path.posix.isAbsolute(d));
}

/** Where `program` would be found: a name with a slash is looked up as given; others in `dirs`. */
export function candidates(program: string, dirs: readonly string[]): string[] {
  if (program.includes('/')) return [path.posix.resolve('/workspace', program)];
  return dirs.map((d) => path.posix.join(d, program));
}

/** True when the helper's answer to a read of `file` with a 0-byte limit says a file is there. */
function present(err: unknown): boolean {
  if (!(err instanceof LlmrError)) throw err;
  // FILE_TOO_LARGE: a regular file with content; PERMISSION_DENIED: there but unreadable to nobody
  if (err.code === 'FILE_TOO_LARGE' || err.code === 'PERMISSION_DENIED') return true;
  if (err.code === 'FILE_NOT_FOUND' || err.code === 'IS_DIRECTORY' || err.code === 'PATH_INVALID') return false;
  throw err;
}

/**
 * For each program, the path it was found at in `image`, or undefined when it is missing.
 * Throws IMAGE_MISSING / CONTAINER_FAILED / DOCKER_UNAVAILABLE when the probe cannot run.
 */
export async function findPrograms(docker: DockerClient, image: string, programs: readonly string[], env: Readonly<Record<string, string>>, log: Logger, helperBinary?: string): Promise<Map<string, string | undefined>> {
  const empty = await mkdtemp(path.join(os.tmpdir(), 'llmr-doctor-'));
  const base = buildSpec({
    kind: 'exec', root: empty, uid: NOBODY, gid: NOBODY, image, instance: 'llmr-doctor', lifetimeSeconds: PROBE_LIFETIME_S,
    limits: { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 16, tmpfsBytes: 1024 * 1024 },
    ...(helperBinary !== undefined ? { helperBinary } : {}), // the helper the daemon mounts, as its pools run it
  });
  // the helper's root is `/` instead of /workspace, so it can stat the image's PATH directories
  const spec = { ...base, cmd: ['/', ...base.cmd.slice(1)] }; // cmd[0] is the helper's root (spec.ts)
  let container: Awaited<ReturnType<DockerClient['start']>> | undefined;
  let conn: HelperConnection | undefined;
  try {
    container = await docker.start(spec, START_TIMEOUT_MS);
    conn = new HelperConnection(container, log);
    const found = new Map<string, string | undefined>();
    const dirs = pathDirs(env);
    for (const program of programs) {
      let at: string | undefined;
      for (const file of candidates(program, dirs)) {
        const ok = await conn.probe(file.slice(1)).then(() => true, present);
        if (ok) {
          at = file;
          break;
        }
      }
      found.set(program, at);
    }
    return found;
  } finally {
    conn?.close();
    if (container !== undefined) await docker.remove(container.id).catch(() => undefined); // it removes itself when its helper exits
    await rm(empty, { recursive: true, force: true });
  }
}
