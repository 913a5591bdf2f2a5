/**
 * The one answer to "is this path inside that root?", asked after both paths are resolved
 * (realpath'd) by the caller: lexical from there on, with `..`-named children (`..foo`) inside
 * and the prefix sibling (`/repo-evil` for `/repo`) outside. Never a string-prefix check.
 */
import { posix } from 'node:path';

/** `p` relative to `root` ('' for the root itself), or undefined when `p` lies outside. */
export function relativeInside(root: string, p: string): string | undefined {
  const rel = posix.relative(root, p);
  if (rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) return undefined;
  return rel;
}

/** True when `p` is `root` or lies below it. */
export function isInside(root: string, p: string): boolean {
  return relativeInside(root, p) !== undefined;
}
