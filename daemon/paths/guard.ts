import { lstatSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import { compilePatterns, type PatternSet } from './exclusions.js';
import { createAliasCheck } from './hardlinks.js';
import { again, fileIdentity, writeAnchor, type WriteAnchor } from './identity.js';
import { assertSafeName, showUnsafe } from './names.js';
import { relativeInside } from './inside.js';
import { errnoCode, resolvePhysical, type Resolution } from './resolve.js';

export { DEFAULT_EXCLUDED, toPosixRel } from './exclusions.js';

export interface GuardOptions {
  /** Already realpath'd absolute repository root. */
  root: string;
  /** Glob patterns on the repo-relative POSIX path (see `exclusions.ts` for the semantics). */
  excluded: string[];
  /** Globs that are never writable (for example `.git/**`, `llm-runtime.config.yaml`). */
  protectedPaths: string[];
  /** Limit on the UTF-8 byte length of a requested path; default 4096. */
  maxPathBytes?: number;
  /**
   * Extensions (like `.go`) a write may create or change, checked on the requested name AND the
   * resolved target (`notes.md -> run.sh` is a write to `.sh`); empty or absent = any.
   */
  allowedExtensions?: string[];
}

export interface ResolvedPath {
  /** Repo-relative POSIX path after resolving symlinks inside the root; never ''. */
  rel: string;
  /** Absolute host path (resolved). */
  abs: string;
  exists: boolean;
  kind?: 'file' | 'directory' | 'other';
  size?: number;
  /** "DEV:INO" of the existing file checked: the helper reads (and a write backs up) only that file. */
  id?: string;
  /** For writes: the directory the file goes in, as checked (identity.ts). */
  anchor?: WriteAnchor;
}

export interface PathGuard {
  /** Check a path for reading; throws LlmrError (PATH_*, FILE_NOT_FOUND, IS_DIRECTORY, PERMISSION_DENIED). */
  forRead(input: string): Promise<ResolvedPath>;
  /** Check a path for writing (the target and its parents may not exist yet). */
  forWrite(input: string): Promise<ResolvedPath>;
  /** True when a repo-relative path is excluded (for search/exec masking; no filesystem access). */
  isExcluded(rel: string): boolean;
  /**
   * True when the last name of `rel` alone is excluded by a name-only pattern (`*.key`, `.env*`):
   * `rel` stays excluded whatever the folders above it are renamed to (read-write exec relies on it).
   */
  isExcludedByName(rel: string): boolean;
  /** True when a repo-relative path is protected from writes (no filesystem access). */
  isProtected(rel: string): boolean;
  /**
   * The excluded repo-relative path that the file at absolute `abs` is a hard link of, or undefined
   * (for search and exec masks: a file whose (dev, inode) is an excluded file's is excluded too).
   * One `lstat`; a walk only for a file with several links (see hardlinks.ts). Throws PATH_EXCLUDED
   * when it cannot tell (repository too large to walk): treat the file as excluded then.
   */
  excludedLinkOf(abs: string): Promise<string | undefined>;
}

type Mode = 'read' | 'write';

const DEFAULT_MAX_PATH_BYTES = 4096;

/** A path for messages: control characters escaped, long paths shortened in the middle. */
function show(p: string): string {
  if (p === '') return '""';
  // C0 controls as \xNN; every other invisible or reordering character as <U+XXXX> (names.ts)
  const escaped = showUnsafe(p.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return escaped.length > 160 ? `${escaped.slice(0, 100)}…${escaped.slice(-40)}` : escaped;
}

/** `abs` relative to `root` when it lies inside (or is) the root; undefined when it escapes. */
const relInside = relativeInside;

function rootError(input: string, mode: Mode): LlmrError {
  return mode === 'read'
    ? new LlmrError('IS_DIRECTORY', `path ${show(input)} is the repository root, a directory, not a file`)
    : new LlmrError('PATH_INVALID', `path ${show(input)} names the repository root, not a file`);
}

interface Lexical {
  rel: string;
  abs: string;
  /** The input ends with `/` (or `/.`): it names a directory, as it would for the OS. */
  dirOnly: boolean;
}

/** String checks and lexical normalisation; no filesystem access. */
function lexical(input: string, root: string, maxBytes: number, mode: Mode): Lexical {
  if (typeof input !== 'string') throw new LlmrError('PATH_INVALID', 'path is not a string');
  if (input.includes('\0')) throw new LlmrError('PATH_INVALID', `path ${show(input)} contains a nul byte`);
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > maxBytes) throw new LlmrError('PATH_INVALID', `path ${show(input)} is ${bytes} bytes, limit ${maxBytes}`);
  const absolute = posix.isAbsolute(input);
  // Trailing slashes are dropped by normalisation (as the original's filepath.Clean did).
  const abs = posix.resolve(root, input);
  const rel = relInside(root, abs);
  if (rel === undefined) {
    const why = absolute ? 'is outside' : 'escapes';
    throw new LlmrError('PATH_OUTSIDE_REPO', `path ${show(input)} ${why} the repository root ${root}`);
  }
  if (rel === '') throw rootError(input, mode);
  if (mode === 'write') assertSafeName(input);
  return { rel, abs, dirOnly: /\/\.?$/.test(input) };
}

function fsError(err: unknown, input: string): unknown {
  const p = show(input);
  switch (errnoCode(err)) {
    case 'ELOOP':
      return new LlmrError('PATH_INVALID', `path ${p} has too many levels of symlinks`, undefined, { cause: err });
    case 'ENOTDIR':
      return new LlmrError('PATH_INVALID', `path ${p} uses a file as a directory`, undefined, { cause: err });
    case 'ENAMETOOLONG':
      return new LlmrError('PATH_INVALID', `path ${p} is too long for the file system`, undefined, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new LlmrError('PERMISSION_DENIED', `permission denied resolving path ${p}`, undefined, { cause: err });
    case 'ENOENT': // removed between realpath and lstat
      return new LlmrError('FILE_NOT_FOUND', `file ${p} does not exist`, undefined, { cause: err });
    default:
      return err;
  }
}

function kindOf(st: Stats): { kind: ResolvedPath['kind']; name: string } {
  if (st.isFile()) return { kind: 'file', name: 'file' };
  if (st.isDirectory()) return { kind: 'directory', name: 'directory' };
  if (st.isFIFO()) return { kind: 'other', name: 'fifo' };
  if (st.isSocket()) return { kind: 'other', name: 'socket' };
  if (st.isCharacterDevice()) return { kind: 'other', name: 'character device' };
  if (st.isBlockDevice()) return { kind: 'other', name: 'block device' };
  return { kind: 'other', name: 'special file' };
}

/** Final verdict on an existing, physically resolved target. */
function checkExisting(input: string, lex: Lexical, rel: string, abs: string, st: Stats, mode: Mode): ResolvedPath {
  const { kind, name } = kindOf(st);
  if (kind === 'directory') throw new LlmrError('IS_DIRECTORY', `path ${show(input)} is a directory, not a file`);
  if (lex.dirOnly) {
    throw new LlmrError('NOT_A_DIRECTORY', `path ${show(input)} ends with / but ${show(rel)} is a ${name}, not a directory`,
      'drop the trailing / to name the file');
  }
  if (kind === 'other') throw new LlmrError('PATH_INVALID', `path ${show(input)} is a ${name}, not a regular file`);
  if (mode === 'write' && st.nlink > 1) {
    throw new LlmrError(
      'PATH_INVALID',
      `path ${show(input)} has ${st.nlink} hard links; writing it would change the other links too`,
    );
  }
  return { rel, abs, exists: true, kind, size: st.size };
}

/** Verdict on a path that does not exist: fine for writes unless a dangling symlink is involved. */
function checkMissing(root: string, input: string, lex: Lexical, rel: string, res: Resolution, mode: Mode): ResolvedPath {
  const link = res.dangling === undefined ? undefined : (relInside(root, res.dangling) ?? res.dangling);
  if (mode === 'write' && lex.dirOnly) {
    throw new LlmrError('PATH_INVALID', `path ${show(input)} ends with /, so it names a directory; a file cannot be written there`,
      'drop the trailing / to name the file');
  }
  if (mode === 'read') {
    const why = link === undefined ? '' : ` (dangling symlink ${show(link)})`;
    throw new LlmrError('FILE_NOT_FOUND', `file ${show(input)} does not exist${why}`);
  }
  if (link !== undefined) {
    throw new LlmrError(
      'PATH_INVALID',
      `path ${show(input)} goes through the dangling symlink ${show(link)}; writes through dangling symlinks are refused`,
    );
  }
  return { rel, abs: res.real, exists: false };
}

/** `lstat` of `abs`, or undefined when it is gone or unreadable. */
function lstatOrNone(abs: string): Stats | undefined {
  try {
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** How many paths' pattern verdicts a guard remembers (they depend on the path string alone). */
const MEMO_ENTRIES = 2048;

/** `set.match`, remembered per path: the patterns never change for a guard (a config change makes a new one). */
function memoized(set: PatternSet): (rel: string) => string | undefined {
  const memo = new Map<string, string | undefined>();
  return (rel) => {
    if (memo.has(rel)) return memo.get(rel);
    const verdict = set.match(rel);
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(rel, verdict);
    return verdict;
  };
}

/** Exclusion (and, for writes, protection and extension) of one repo-relative path. */
function makePolicy(excludedBy: (rel: string) => string | undefined, protectedBy: (rel: string) => string | undefined, extensions: string[]) {
  return (input: string, rel: string, mode: Mode, resolved: boolean): void => {
    const ex = excludedBy(rel);
    const subject = (): string => (resolved ? `path ${show(input)} resolves to ${show(rel)}, which` : `path ${show(input)}`);
    if (ex !== undefined) throw new LlmrError('PATH_EXCLUDED', `${subject()} is excluded by pattern ${ex}`);
    if (mode === 'read') return;
    const pr = protectedBy(rel);
    if (pr !== undefined) throw new LlmrError('PATH_PROTECTED', `${subject()} is protected by pattern ${pr} and cannot be written`);
    const ext = posix.extname(rel).toLowerCase();
    if (extensions.length > 0 && !extensions.includes(ext)) {
      throw new LlmrError('EXTENSION_DENIED', ext === '' ? `${subject()} has no extension` : `${subject()} has extension ${ext}, which is not allowed`,
        `allowed: ${extensions.join(' ')} (commands.write.allowed_extensions)`);
    }
  };
}

/**
 * Create the host-side path guard of one workspace (DESIGN §7). Every check is lexical first
 * (NUL, length, `..`, absolute paths, exclusions), then costs one `realpath` and one `lstat` for an
 * existing path (one more `realpath` per missing component otherwise); no directory walks.
 * Throws `CONFIG_INVALID` for a relative root, a bad limit or a malformed glob.
 *
 * Decisions: a dangling symlink is refused for writes with `PATH_OUTSIDE_REPO` when it points
 * outside the root (whether or not the outside target exists, so the answer is no oracle for host
 * paths) and `PATH_INVALID` otherwise; for reads it is `FILE_NOT_FOUND` inside and
 * `PATH_OUTSIDE_REPO` outside. Paths are checked as the caller wrote them AND as resolved, so a
 * symlink `notes.txt -> .env` is excluded; `rel` names the resolved target. Pass `rel` (not the
 * input) to the container: the container stays the boundary against races after this check.
 * Exclusions also cover editor/backup copies of excluded names (`server.key~`) and, for reads, hard
 * links of excluded files (hardlinks.ts). Writes refuse control/bidi/invisible characters in the
 * path (PATH_UNSAFE_NAME, names.ts), and the write extension list applies to the resolved target.
 * A trailing `/` on a path that names a file is NOT_A_DIRECTORY, as for the OS.
 */
export function createPathGuard(opts: GuardOptions): PathGuard {
  if (typeof opts.root !== 'string' || !posix.isAbsolute(opts.root)) {
    throw new LlmrError('CONFIG_INVALID', `repository root ${show(String(opts.root))} is not an absolute path`);
  }
  const root = posix.resolve(opts.root);
  const maxBytes = opts.maxPathBytes ?? DEFAULT_MAX_PATH_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new LlmrError('CONFIG_INVALID', `maximum path length ${String(maxBytes)} is not a positive integer`);
  }
  const excluded = compilePatterns(opts.excluded, 'excluded', { backups: true });
  const protectedSet = compilePatterns(opts.protectedPaths, 'protected');
  const excludedBy = memoized(excluded);
  const protectedBy = memoized(protectedSet);
  const policy = makePolicy(excludedBy, protectedBy, (opts.allowedExtensions ?? []).map((e) => e.toLowerCase()));
  const aliases = createAliasCheck(root, (rel) => excluded.match(rel) !== undefined);

  const check = async (input: string, mode: Mode): Promise<ResolvedPath> => {
    const lex = lexical(input, root, maxBytes, mode);
    policy(input, lex.rel, mode, false);
    const res = await resolvePhysical(lex.abs).catch((err: unknown) => Promise.reject(fsError(err, input)));
    const rel = relInside(root, res.real);
    if (rel === undefined) {
      throw new LlmrError(
        'PATH_OUTSIDE_REPO',
        `path ${show(input)} resolves through a symlink to a location outside the repository root ${root}`,
      );
    }
    if (rel === '') throw rootError(input, mode);
    if (rel !== lex.rel) policy(input, rel, mode, true);
    const anchor = (): { anchor?: WriteAnchor } => (mode === 'write' ? { anchor: writeAnchor(root, rel, show(input)) } : {});
    if (!res.exists) return { ...checkMissing(root, input, lex, rel, res, mode), ...anchor() };
    let st: Stats;
    try {
      st = lstatSync(res.real); // synchronous: see resolve.ts
    } catch (err) {
      throw fsError(err, input);
    }
    const verdict = checkExisting(input, lex, rel, res.real, st, mode);
    const alias = await aliases.excludedLink(res.real, st, show(input)).catch((err: unknown) => Promise.reject(fsError(err, input)));
    if (alias !== undefined) {
      throw new LlmrError('PATH_EXCLUDED', `path ${show(input)} is a hard link to the excluded file ${show(alias)}`,
        'a file with several names is excluded when any of its names is');
    }
    return { ...verdict, id: fileIdentity(res.real, st, show(input)), ...anchor() };
  };

  return {
    forRead: (input) => again(() => check(input, 'read')),
    forWrite: (input) => again(() => check(input, 'write')),
    isExcluded: (rel) => excludedBy(rel) !== undefined,
    isExcludedByName: (rel) => excluded.matchName(rel.slice(rel.lastIndexOf('/') + 1)) !== undefined,
    isProtected: (rel) => protectedBy(rel) !== undefined,
    async excludedLinkOf(abs) {
      const st = lstatOrNone(abs);
      return st?.isFile() === true ? aliases.excludedLink(abs, st, show(abs)) : undefined;
    },
  };
}
