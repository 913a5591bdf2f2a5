/**
 * Which files the index covers: `git ls-files -co --exclude-standard` at the top of a git work tree,
 * otherwise a walk that honours `.gitignore` and `.llmrignore` files. `.llmrignore` applies
 * in both cases. Symlinks are never followed (git lists them as files; the reader skips them).
 * git runs with the options of protocol/git.ts, so no program the repository configures runs;
 * ignore files are read through daemon/paths/repo-read.ts.
 * Excluded and protected paths (the path guard's `isExcluded`) are dropped here, before any read.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { safeGitArgs, safeGitEnv } from '../../protocol/git.js';
import { readRepoText } from '../paths/repo-read.js';

/** Folders never indexed nor watched, whatever the ignore files say. */
export const ALWAYS_PRUNED = new Set(['.git', '.hg', '.svn', 'node_modules', '.llmr-build']);

export interface FileFilter {
  isExcluded: (rel: string) => boolean;
  /** Lower-case extensions without the dot; empty = every extension. */
  extensions: Set<string>;
}

export interface Listing {
  files: string[];
  source: 'git' | 'walk';
  /** Ignored folders (relative, no trailing slash), for the watcher to prune. */
  ignoredDirs: Set<string>;
}

/** Normalises configured extensions (`.ts`, `ts`, `TS`) to `ts`. */
export function extensionSet(list: readonly string[]): Set<string> {
  return new Set(list.map((e) => e.replace(/^\./, '').toLowerCase()).filter((e) => e !== ''));
}

/** Whether a relative path passes the extension filter (a bare name like `Makefile` matches itself). */
export function hasIndexedExtension(rel: string, exts: Set<string>): boolean {
  if (exts.size === 0) return true;
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? exts.has(base.slice(dot + 1).toLowerCase()) : exts.has(base.toLowerCase());
}

function inPrunedDir(rel: string): boolean {
  return rel.split('/').some((seg, i, all) => i < all.length - 1 && ALWAYS_PRUNED.has(seg));
}

/** Runs git with an argv (no shell) and resolves its NUL-separated output, or undefined on failure. */
function gitList(root: string, args: string[], signal?: AbortSignal): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    const child = spawn('git', safeGitArgs(args), { cwd: root, env: safeGitEnv(process.env), stdio: ['ignore', 'pipe', 'ignore'], signal });
    const parts: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => parts.push(b));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      if (code !== 0) return resolve(undefined);
      resolve(Buffer.concat(parts).toString('utf8').split('\0').filter((p) => p !== ''));
    });
  });
}

/**
 * An ignore file's text through the safe reader: a symlink, FIFO, device or file over 1 MiB
 * is not honoured (absent, in effect).
 */
function readIgnoreFile(root: string, rel: string, name: string): string | undefined {
  return readRepoText(root, rel === '' ? name : `${rel}/${name}`);
}

/** The root's `.llmrignore` rules, if any. */
export function llmrIgnore(root: string): Ignore | undefined {
  const text = readIgnoreFile(root, '', '.llmrignore');
  return text === undefined ? undefined : ignore().add(text);
}

interface Rules { base: string; ig: Ignore }

function ignoredBy(rules: Rules[], rel: string, isDir: boolean): boolean {
  for (const r of rules) {
    const sub = r.base === '' ? rel : rel.slice(r.base.length + 1);
    if (r.ig.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

/** Recursive walk without following symlinks; nested `.gitignore` files apply below their folder. */
function walk(root: string, filter: FileFilter, llmr: Ignore | undefined): Listing {
  const files: string[] = [];
  const ignoredDirs = new Set<string>();
  const visit = (rel: string, rules: Rules[]): void => {
    const dir = rel === '' ? root : join(root, rel);
    const own = readIgnoreFile(root, rel, '.gitignore');
    const here = own === undefined ? rules : [...rules, { base: rel, ig: ignore().add(own) }];
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // folder vanished or unreadable while walking: it has no files to index
    }
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (ALWAYS_PRUNED.has(e.name) || filter.isExcluded(child) || ignoredBy(here, child, true)
          || llmr?.ignores(`${child}/`)) ignoredDirs.add(child);
        else visit(child, here);
      } else if (e.isFile()) {
        if (!filter.isExcluded(child) && !ignoredBy(here, child, false) && !llmr?.ignores(child)
          && hasIndexedExtension(child, filter.extensions)) files.push(child);
      }
    }
  };
  visit('', []);
  return { files: files.sort(), source: 'walk', ignoredDirs };
}

/** Lists the files to index under a realpath'd root. */
export async function listFiles(root: string, filter: FileFilter, signal?: AbortSignal): Promise<Listing> {
  const llmr = llmrIgnore(root);
  // git decides only for the top of a work tree: a root inside another repository (perhaps in
  // one of its ignored folders) is walked with its own ignore files.
  if (!existsSync(join(root, '.git'))) return walk(root, filter, llmr);
  const listed = await gitList(root, ['ls-files', '-co', '--exclude-standard', '-z'], signal);
  if (listed === undefined) return walk(root, filter, llmr);
  const ignoredRaw = (await gitList(root, ['ls-files', '-oi', '--exclude-standard', '--directory', '-z'], signal)) ?? [];
  const ignoredDirs = new Set(ignoredRaw.filter((p) => p.endsWith('/')).map((p) => p.slice(0, -1)));
  const files = [...new Set(listed)].filter((rel) => !inPrunedDir(rel) && !filter.isExcluded(rel)
    && !(llmr?.ignores(rel) ?? false) && hasIndexedExtension(rel, filter.extensions));
  return { files: files.sort(), source: 'git', ignoredDirs };
}
