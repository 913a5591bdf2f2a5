import { posix } from 'node:path';
import picomatch from 'picomatch';
import { LlmrError } from '../../protocol/errors.js';

/**
 * Glob patterns over repository-relative POSIX paths, as used by the exclusion and protection lists.
 *
 * Semantics (gitignore-like, deliberately stricter than the original tool):
 * - A pattern without a `/` matches the name of ANY path component at any depth: `.git` blocks
 *   `.git`, `.git/config` and `sub/.git/config`; `*.key` blocks `a/b/c.key`; `.env*` blocks `.env.local`.
 * - A pattern with a `/` (or a leading `/` or `./`) is anchored at the root and blocks the matched path
 *   and everything below it: `a/b` blocks `a/b/c/file.txt` but not `x/a/b`.
 * - A trailing `/` is only a marker and is dropped (`node_modules/` behaves like `node_modules`).
 * - Matching is case-insensitive for every pattern: `.ENV` and `.Git/config` are refused. On a
 *   case-insensitive file system they name the same files, and refusing a case variant on a
 *   case-sensitive one costs nothing (the original's case sensitivity was a defect).
 * - `dot: true`: `*` matches names starting with a dot.
 * - A malformed glob (unbalanced `[`, `{`, `(`), an empty pattern or a negation (`!x`) is a
 *   `CONFIG_INVALID` error when the set is compiled, so a typo can never silently disable a check.
 */
export interface PatternSet {
  /** The first pattern (as configured) that matches `rel`, or undefined. `rel` is normalised first. */
  match(rel: string): string | undefined;
}

/** The built-in exclusion list (DESIGN §7): secrets and the git directory. */
export const DEFAULT_EXCLUDED: readonly string[] = Object.freeze([
  '.git',
  '.env*',
  '*.key',
  '*.pem',
  '.npmrc',
  '.netrc',
  'id_rsa*',
  'id_ed25519*',
]);

interface CompiledPattern {
  source: string;
  anchored: boolean;
  test: (candidate: string) => boolean;
}

const MATCH_OPTIONS = { dot: true, nocase: true, strictBrackets: true } as const;

function compileOne(source: string, listName: string): CompiledPattern {
  const invalid = (why: string, cause?: unknown): LlmrError =>
    new LlmrError('CONFIG_INVALID', `${listName} pattern ${JSON.stringify(source)} ${why}`, undefined, { cause });
  if (typeof source !== 'string') throw invalid('is not a string');
  if (source.trim() === '') throw invalid('is empty');
  if (source.includes('\0')) throw invalid('contains a nul byte');
  if (source.startsWith('!')) throw invalid('is a negation, which is not supported');
  let body = source;
  let anchored = false;
  if (body.startsWith('./')) [body, anchored] = [body.slice(2), true];
  else if (body.startsWith('/')) [body, anchored] = [body.replace(/^\/+/, ''), true];
  body = body.replace(/\/+$/, '');
  if (body === '' || body === '.') throw invalid('names the repository root');
  if (body.split('/').includes('..')) throw invalid('contains a .. segment');
  anchored ||= body.includes('/');
  try {
    return { source, anchored, test: picomatch(body, MATCH_OPTIONS) };
  } catch (err) {
    throw invalid(`is not a valid glob: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/** Normalise a repository-relative path lexically: POSIX, `..` folded, no `./`, no leading or trailing `/`. */
export function toPosixRel(rel: string): string {
  const normal = posix.normalize(rel.replace(/^\/+/, ''));
  return normal === '.' ? '' : normal.replace(/^\.\//, '').replace(/\/+$/, '');
}

function matchesPattern(p: CompiledPattern, segments: string[]): boolean {
  if (!p.anchored) return segments.some((s) => p.test(s));
  // Anchored: the path itself or any of its ancestors (so `a/b` covers everything below `a/b`).
  for (let i = 1; i <= segments.length; i++) {
    if (p.test(segments.slice(0, i).join('/'))) return true;
  }
  return false;
}

/**
 * Compile a list of glob patterns once; throws `CONFIG_INVALID` naming the first bad pattern.
 * `listName` names the list in error messages (for example `excluded` or `protected`).
 */
export function compilePatterns(patterns: readonly string[], listName: string): PatternSet {
  if (!Array.isArray(patterns)) {
    throw new LlmrError('CONFIG_INVALID', `${listName} patterns must be a list of strings`);
  }
  const compiled = patterns.map((p) => compileOne(p, listName));
  return {
    match(rel: string): string | undefined {
      const segments = toPosixRel(rel).split('/').filter((s) => s !== '');
      if (segments.length === 0) return undefined;
      return compiled.find((p) => matchesPattern(p, segments))?.source;
    },
  };
}
