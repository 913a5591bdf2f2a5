/**
 * Forwarding files: a header that only includes other headers of the repository (`core.h` reduced
 * to `#include "base.h"` once the API moved), a module that only re-exports another
 * (`module.exports = require('./EntryPlugin')`, `export * from './x'`). Such a file is the same API
 * under the name callers still use, yet it holds none of the words a query matches, so on its own
 * it is never found. It is listed right after the file it forwards to instead.
 */
import type { Store } from './db.js';
import type { FileCandidate } from './ranker.js';
import { TEST_PATH, type Tree } from './structure.js';

/** A forwarding file is a few lines by nature; longer files are not read at all. */
const MAX_FORWARD_LINES = 40;
/**
 * An alias forwards to one file, an API split in two to a couple; a header that includes more
 * (`asio.hpp`, a unity build) is an index of the library, and following every file it names
 * would put it second for every query.
 */
const MAX_TARGETS = 3;
/** Just under the target's score: the forwarder comes next, ahead of everything the target led. */
const STAND_IN = 1 - 1e-6;

const C_FAMILY = /\.(?:h|hh|hpp|hxx|h\+\+|inl|c|cc|cpp|cxx)$/i;
const JS_FAMILY = /\.(?:[cm]?[jt]sx?)$/i;
/** Directives that carry no API of their own: guards, conditionals, pragmas, diagnostics, a `#define` without a value. */
const C_NEUTRAL = /^#\s*(?:if|ifdef|ifndef|elif|else|endif|pragma|error|warning|define\s+\w+$)\b/;
const C_INCLUDE = /^#\s*include\s*[<"]([^">]+)[">]$/;
const JS_NEUTRAL = /^['"]use strict['"];?$/;
const JS_FORWARD = /^(?:module\.exports\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)|export\s+(?:\*|\*\s+as\s+[\w$]+|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]);?$/;

/** Code lines of a file: comments and blank lines dropped, each line trimmed. */
function codeLines(text: string): string[] {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').split('\n').map((l) => l.replace(/\/\/.*$/, '').trim()).filter((l) => l !== '');
}

/** What a file forwards to, as written (`base.h`, `./EntryPlugin`), or [] when it has any code of its own. */
export function forwardSpecs(path: string, text: string): string[] {
  const c = C_FAMILY.test(path);
  if (!c && !JS_FAMILY.test(path)) return [];
  const specs: string[] = [];
  for (const line of codeLines(text)) {
    const m = c ? C_INCLUDE.exec(line) : JS_FORWARD.exec(line);
    if (m) specs.push(m[1] ?? m[2]);
    else if (!(c ? C_NEUTRAL : JS_NEUTRAL).test(line)) return [];
  }
  return specs;
}

function joinPath(dir: string, spec: string): string {
  const out: string[] = dir === '' ? [] : dir.split('/');
  for (const seg of spec.split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return out.join('/');
}

const JS_SUFFIXES = ['', '.js', '.ts', '.mjs', '.cjs', '.jsx', '.tsx', '/index.js', '/index.ts'];

/** The repository file a spec names: beside the including file, else (C includes) the one file whose path ends with it. */
export function resolveSpec(from: string, spec: string, paths: Set<string>): string | undefined {
  const dir = from.slice(0, Math.max(0, from.lastIndexOf('/')));
  if (!C_FAMILY.test(from)) {
    if (!spec.startsWith('.')) return undefined; // a package, not a file of this repository
    const base = joinPath(dir, spec);
    const stems = [base, base.replace(/\.[cm]?js$/, '')];
    for (const s of stems) for (const suffix of JS_SUFFIXES) if (paths.has(s + suffix)) return s + suffix;
    return undefined;
  }
  const near = joinPath(dir, spec);
  if (paths.has(near)) return near;
  const ends = [...paths].filter((p) => p === spec || p.endsWith(`/${spec}`));
  return ends.length === 1 ? ends[0] : undefined;
}

const cache = new WeakMap<Store, { generation: number; forwards: Map<string, string[]> }>();

/** Every forwarding file of the store and the repository files it forwards to (cached until the file list changes). */
export function forwardsOf(store: Store, tree: Tree): Map<string, string[]> {
  const hit = cache.get(store);
  if (hit?.generation === tree.generation) return hit.forwards;
  const forwards = new Map<string, string[]>();
  for (const [path, text] of store.smallFiles(MAX_FORWARD_LINES)) {
    const targets = forwardSpecs(path, text).map((s) => resolveSpec(path, s, tree.paths)).filter((t): t is string => t !== undefined && t !== path);
    if (targets.length > 0 && targets.length <= MAX_TARGETS && !TEST_PATH.test(path)) forwards.set(path, targets);
  }
  cache.set(store, { generation: tree.generation, forwards });
  return forwards;
}

/** Lists each forwarding file right after the best-ranked file it forwards to (added when no query word found it); best first. */
export function placeForwarders(files: FileCandidate[], store: Store, tree: Tree): FileCandidate[] {
  const forwards = forwardsOf(store, tree);
  if (forwards.size === 0) return files;
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const [path, targets] of forwards) {
    const best = targets.map((t) => byPath.get(t)).reduce<FileCandidate | undefined>((a, b) => (b !== undefined && (a === undefined || b.raw > a.raw) ? b : a), undefined);
    if (best === undefined) continue;
    const raw = best.raw * STAND_IN;
    const own = byPath.get(path);
    if (own !== undefined) own.raw = Math.max(own.raw, raw);
    else {
      const chunks = store.fileChunks(path);
      if (chunks.length > 0) files.push({ path, raw, coverage: best.coverage, chunks });
    }
  }
  return files.sort((a, b) => b.raw - a.raw || a.path.localeCompare(b.path));
}
