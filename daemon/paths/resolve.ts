import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { posix } from 'node:path';

/**
 * Physical resolution of an absolute, lexically normalised path that may not exist (yet).
 *
 * One `realpath` when the path exists. Otherwise the deepest existing ancestor is realpath'd
 * (one call per missing component, never a directory walk) and the missing tail is appended. A
 * component that exists but cannot be resolved is a dangling symlink: its target is followed the
 * same way, so the caller learns where the path would land even when the target does not exist.
 * That keeps "dangling symlink to outside" and "symlink to an existing file outside" on the same
 * answer (no existence oracle for host paths).
 *
 * The calls are synchronous (libc realpath, lstat, readlink): each is a few microseconds of
 * metadata lookup, where the fs/promises forms cost the main thread ~0.1 ms apiece per request.
 * Every call still happens at request time; nothing is cached.
 */
export interface Resolution {
  /** Absolute physical path: resolved ancestor + missing tail. Contains no symlinks that exist. */
  real: string;
  /** True when `real` exists. */
  exists: boolean;
  /** Absolute path of the first dangling symlink met (outermost in a chain), if any. */
  dangling?: string;
}

/** Linux's own limit on symlinks followed in one lookup. */
const MAX_HOPS = 40;

/** A filesystem error code we translate (`ELOOP`, `ENOTDIR`, …), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function loopError(abs: string): Error {
  return Object.assign(new Error(`too many levels of symbolic links: ${abs}`), { code: 'ELOOP' });
}

function realpathOrMissing(abs: string): string | undefined {
  try {
    return realpathSync.native(abs);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Resolve `abs` physically; fs errors other than ENOENT (ELOOP, ENOTDIR, EACCES, …) propagate. */
export async function resolvePhysical(abs: string, hops = 0): Promise<Resolution> {
  if (hops > MAX_HOPS) throw loopError(abs);
  const whole = realpathOrMissing(abs);
  if (whole !== undefined) return { real: whole, exists: true };

  const tail: string[] = [];
  let dir = abs;
  let realDir: string | undefined;
  while (realDir === undefined) {
    if (dir === '/') throw Object.assign(new Error('file system root is missing'), { code: 'ENOENT' });
    tail.unshift(posix.basename(dir));
    dir = posix.dirname(dir);
    realDir = realpathOrMissing(dir);
  }

  const next = posix.join(realDir, tail[0]);
  const st = lstatSync(next, { throwIfNoEntry: false });
  if (st === undefined) return { real: posix.join(realDir, ...tail), exists: false };
  if (!st.isSymbolicLink()) {
    // Created between our calls; resolve again rather than guess.
    return resolvePhysical(abs, hops + 1);
  }
  // `..` in the link text is folded lexically here; the verdict only decides which refusal a
  // dangling link gets (nothing is ever written through one), so that approximation is safe.
  const target = posix.resolve(realDir, readlinkSync(next));
  const followed = await resolvePhysical(posix.join(target, ...tail.slice(1)), hops + 1);
  return { ...followed, dangling: posix.join(dir, tail[0]) };
}
