/**
 * The host-side tree walk behind `io/list` and `search/grep`. Reads directory entries only (names
 * and lstat types, never file contents); symlinks are reported, never followed, so a symlink loop
 * cannot make it spin. Excluded and protected paths (the path guard's tests), `.git`, and whatever
 * `.gitignore` / `.llmrignore` files ignore are skipped before anything below them is looked at.
 * A budget on directory entries examined bounds the work on huge trees.
 */
import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { posix } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { readSmallText } from './safe-read.js';

/** Never shown: version-control internals. */
export const HIDDEN_DIRS = new Set(['.git', '.hg', '.svn']);
/** Shown, never descended into: dependency folders. */
export const UNEXPANDED_DIRS = new Set(['node_modules']);

export interface WalkEntry {
  rel: string;
  kind: 'file' | 'directory' | 'symlink';
  /** Depth below the start folder (1 = direct entry). */
  depth: number;
  /** Set on directories that were not descended into (pruned or at the depth limit). */
  unexpanded?: boolean;
}

export interface WalkOptions {
  root: string;
  /** Repository-relative start folder ('' for the root). */
  start: string;
  /** Excluded or protected: never yielded, never descended. */
  isHidden: (rel: string) => boolean;
  maxDepth: number;
  /** Directory entries examined before the walk stops (see `WalkState.exhausted`). */
  budget: number;
}

export interface WalkState { examined: number; exhausted: boolean }

interface Rules { base: string; ig: Ignore }

function ignoredBy(rules: Rules[], rel: string, isDir: boolean): boolean {
  for (const r of rules) {
    const sub = r.base === '' ? rel : rel.slice(r.base.length + 1);
    if (sub !== '' && r.ig.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

/** The ignore rules that apply inside `start`: the `.gitignore` of every folder from the root down. */
function rulesFor(root: string, start: string, isHidden: (rel: string) => boolean): Rules[] {
  const rules: Rules[] = [];
  const llmr = isHidden('.llmrignore') ? undefined : readSmallText(root, '.llmrignore');
  if (llmr !== undefined) rules.push({ base: '', ig: ignore().add(llmr) });
  const parts = start === '' ? [] : start.split('/');
  for (let i = 0; i <= parts.length; i++) {
    const base = parts.slice(0, i).join('/');
    const file = base === '' ? '.gitignore' : `${base}/.gitignore`;
    const text = isHidden(file) ? undefined : readSmallText(root, file);
    if (text !== undefined) rules.push({ base, ig: ignore().add(text) });
  }
  return rules;
}

function entriesOf(root: string, rel: string): Dirent[] {
  try {
    return readdirSync(rel === '' ? root : posix.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return []; // vanished or unreadable while walking: nothing to show there
  }
}

/** Depth-first, name-sorted walk below `opts.start` (directories before their contents). */
export function* walkTree(opts: WalkOptions, state: WalkState): Generator<WalkEntry> {
  function* visit(rel: string, depth: number, rules: Rules[]): Generator<WalkEntry> {
    for (const e of entriesOf(opts.root, rel)) {
      if (state.examined >= opts.budget) { state.exhausted = true; return; }
      state.examined++;
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      const isDir = e.isDirectory();
      if (opts.isHidden(child) || ignoredBy(rules, child, isDir) || (isDir && HIDDEN_DIRS.has(e.name))) continue;
      if (isDir) {
        const expand = depth < opts.maxDepth && !UNEXPANDED_DIRS.has(e.name);
        yield { rel: child, kind: 'directory', depth, ...(expand ? {} : { unexpanded: true }) };
        if (!expand) continue;
        const own = opts.isHidden(`${child}/.gitignore`) ? undefined : readSmallText(opts.root, `${child}/.gitignore`);
        yield* visit(child, depth + 1, own === undefined ? rules : [...rules, { base: child, ig: ignore().add(own) }]);
        if (state.exhausted) return;
      } else if (e.isSymbolicLink()) {
        yield { rel: child, kind: 'symlink', depth };
      } else if (e.isFile()) {
        yield { rel: child, kind: 'file', depth };
      }
    }
  }
  yield* visit(opts.start, 1, rulesFor(opts.root, opts.start, opts.isHidden));
}

/** Size of a file entry (lstat, no symlink following); undefined when it vanished. */
export function sizeOf(root: string, rel: string): number | undefined {
  try {
    return lstatSync(posix.join(root, rel)).size;
  } catch {
    return undefined; // removed while listing
  }
}
