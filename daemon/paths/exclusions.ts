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
export interface CompileOptions {
  /**
   * Also match editor and backup copies of a matching name (see {@link originalNames}):
   * `server.key~`, `.server.key.swp`, `cert.pem.bak`, `#.env#`. On for exclusions, off for protection.
   */
  backups?: boolean;
}

export interface PatternSet {
  /** The first pattern (as configured) that matches `rel`, or undefined. `rel` is normalised first. */
  match(rel: string): string | undefined;
  /**
   * The first name-only pattern (no `/`) that matches the single name `name` (or a name it may be
   * a copy of, with the backup rule), or undefined. Such a pattern matches that name under any
   * folders, so renaming the folders above a path never takes it out of the set.
   */
  matchName(name: string): string | undefined;
}

/**
 * The built-in exclusion list (DESIGN §7): the git directory, credentials and private keys. Editor
 * and backup copies of every matching name are excluded too (the `backups` rule), not listed here.
 */
export const DEFAULT_EXCLUDED: readonly string[] = Object.freeze([
  '.git',
  '.env*',
  '*.key',
  '*.pem',
  '*.p12',
  '*.pfx',
  '*.kdbx',
  '.npmrc',
  '.netrc',
  '.pypirc',
  '.git-credentials',
  'id_rsa*',
  'id_ed25519*',
  'id_ecdsa*',
  'id_dsa*',
  '.ssh',
  '.aws',
  '**/.docker/config.json',
]);

/** Suffixes editors, package managers and people add to a copy: `x.bak`, `x.save.1`, `x.orig`, `x.rpmnew`. */
const COPY_SUFFIX = /^(.+?)\.(bak|backup|old|orig|save|sav|tmp|temp|rej|copy|swp|swo|swx|sw[a-p]|dpkg-old|dpkg-new|dpkg-dist|rpmsave|rpmnew|rpmorig)(\.?\d+)?$/i;

/** A cheap test first: most names carry no decoration at all. */
const DECORATED = new RegExp(`~|^#|^\\.#|^\\.~lock|^~\\$|${COPY_SUFFIX.source.slice(COPY_SUFFIX.source.indexOf('\\.('))}`, 'i');

/** One decoration removed: the names `name` may be a copy of. */
function undecorate(name: string): string[] {
  const out: string[] = [];
  const add = (m: RegExpExecArray | null, group = 1): void => { if (m !== null && m[group] !== '') out.push(m[group]); };
  add(/^(.+?)(\.~\d+~|~+)$/.exec(name)); // x~  x~~  x.~1~ (emacs, vim, many others)
  add(/^#(.+)#$/.exec(name)); // #x# (emacs auto-save)
  add(/^\.#(.+)$/.exec(name)); // .#x (emacs lock)
  add(/^\.~lock\.(.+)#$/.exec(name)); // .~lock.x# (LibreOffice)
  add(/^~\$(.+)$/.exec(name)); // ~$x (office owner files)
  const copy = COPY_SUFFIX.exec(name);
  if (copy !== null) {
    out.push(copy[1]);
    if (copy[1].startsWith('.') && copy[1].length > 1) out.push(copy[1].slice(1)); // .x.swp (vim swap of x)
  }
  return out;
}

/**
 * The names of which `name` may be an editor or backup copy, found by removing up to three
 * decorations: `server.key~` → `server.key`; `.server.key.swp` → `server.key`; `.env.save~` →
 * `.env.save`, `.env`. Empty for an undecorated name. Derived from the name, so the rule holds for
 * every excluded pattern, built-in or configured.
 */
export function originalNames(name: string): string[] {
  if (!DECORATED.test(name)) return [];
  const found = new Set<string>();
  let layer = [name];
  for (let depth = 0; depth < 3 && layer.length > 0; depth++) {
    layer = layer.flatMap(undecorate).filter((n) => !found.has(n));
    for (const n of layer) found.add(n);
  }
  return [...found];
}

interface CompiledPattern {
  source: string;
  /** The glob without its anchoring marks. */
  body: string;
  /** For an anchored glob with a simple last segment: a test a path's last segment must pass first. */
  last?: (name: string) => boolean;
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
    const lastSegment = body.slice(body.lastIndexOf('/') + 1);
    const simpleLast = anchored && !/[{}()]|\*\*/.test(body.slice(Math.max(0, body.lastIndexOf('/') - 1)));
    return { source, body, anchored, test: picomatch(body, MATCH_OPTIONS), ...(simpleLast ? { last: picomatch(lastSegment, MATCH_OPTIONS) } : {}) };
  } catch (err) {
    throw invalid(`is not a valid glob: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/** Normalise a repository-relative path lexically: POSIX, `..` folded, no `./`, no leading or trailing `/`. */
export function toPosixRel(rel: string): string {
  const normal = posix.normalize(rel.replace(/^\/+/, ''));
  return normal === '.' ? '' : normal.replace(/^\.\//, '').replace(/\/+$/, '');
}

/**
 * Anchored: the path itself or any of its ancestors (so `a/b` covers everything below `a/b`).
 * `names[i]` holds segment i's own name, then (with the backup rule) the names it may be a copy of.
 */
function matchesPattern(p: CompiledPattern, segments: string[], names: string[][]): boolean {
  if (!p.anchored) return names.some((alts) => alts.some((n) => p.test(n)));
  for (let i = 1; i <= segments.length; i++) {
    const alts = names[i - 1];
    if (p.last !== undefined && !alts.some((n) => p.last?.(n))) continue;
    if (p.test(segments.slice(0, i).join('/'))) return true;
    if (alts.length > 1 && alts.slice(1).some((n) => p.test([...segments.slice(0, i - 1), n].join('/')))) return true;
  }
  return false;
}

/**
 * Compile a list of glob patterns once; throws `CONFIG_INVALID` naming the first bad pattern.
 * `listName` names the list in error messages (for example `excluded` or `protected`).
 */
export function compilePatterns(patterns: readonly string[], listName: string, opts: CompileOptions = {}): PatternSet {
  if (!Array.isArray(patterns)) {
    throw new LlmrError('CONFIG_INVALID', `${listName} patterns must be a list of strings`);
  }
  const compiled = patterns.map((p) => compileOne(p, listName));
  // One regex for every name-only pattern: most paths match none, and that costs one test per name.
  const loose = compiled.filter((p) => !p.anchored);
  const anyLoose = loose.length === 0 ? undefined
    : new RegExp(loose.map((p) => `(?:${picomatch.makeRe(p.body, MATCH_OPTIONS).source})`).join('|'), 'i');
  const anchored = compiled.filter((p) => p.anchored);
  const names = opts.backups === true ? (s: string): string[] => [s, ...originalNames(s)] : (s: string): string[] => [s];
  return {
    match(rel: string): string | undefined {
      const segments = toPosixRel(rel).split('/').filter((s) => s !== '');
      if (segments.length === 0) return undefined;
      const segmentNames = segments.map(names);
      const looseHit = anyLoose !== undefined && segmentNames.some((alts) => alts.some((n) => anyLoose.test(n)));
      if (!looseHit && !anchored.some((p) => matchesPattern(p, segments, segmentNames))) return undefined;
      return compiled.find((p) => matchesPattern(p, segments, segmentNames))?.source;
    },
    matchName(name: string): string | undefined {
      const alts = names(name);
      return loose.find((p) => alts.some((n) => p.test(n)))?.source;
    },
  };
}
