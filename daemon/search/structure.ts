/**
 * Evidence from the shape of the repository rather than from the text: query words naming a file
 * or its folder, module entry files (`mod.rs`, `x.ex` beside `x/`), and parent modules that more
 * specific matching files are named after (`HttpCache.kt` and `HttpCacheStorage.kt`).
 */
import type { Store } from './db.js';
import type { FileCandidate } from './ranker.js';
import { roughStem, splitIdentifier, type ParsedQuery } from './tokens.js';

export const TEST_PATH = /(?:^|\/)(?:tests?|__tests__|specs?|fixtures?|__fixtures__|__mocks__|mocks?|testdata|e2e|benchmarks?|examples?)\/|(?:^|\/)test_[^/]*\.py$|[._-](?:test|spec)\.[^/]+$|_test\.go$/i;
/** Data and prose rather than code: still found, but after code that matches as well. */
export const DATA_PATH = /\.(?:json|ya?ml|toml|xml|csv|lock|txt|md|rst)$/i;

/** Indexes of the query words (longer than two letters, not stop words) that name the file or its folder, by shared prefix. */
function pathWordHits(path: string, q: ParsedQuery): number[] {
  if (q.words.length === 0) return [];
  const segs = path.split('/');
  const stem = segs[segs.length - 1].replace(/\..*$/, '');
  const parts = new Set([...splitIdentifier(stem), ...(segs.length > 1 ? splitIdentifier(segs[segs.length - 2]) : [])]);
  const out: number[] = [];
  q.words.forEach((word, i) => {
    const w = roughStem(word); // "routes" and "routing" share "rout"
    for (const whole of parts) {
      const part = roughStem(whole);
      const [short, long] = w.length <= part.length ? [w, part] : [part, w];
      if (short.length >= 3 && long.startsWith(short)) { out.push(i); break; }
    }
  });
  return out;
}

/** Share of the query words naming each file's path, leaving out words that name most candidates' paths (the project's name). */
export function pathShares(paths: string[], q: ParsedQuery): Map<string, number> {
  const hits = new Map(paths.map((p) => [p, pathWordHits(p, q)]));
  const freq = new Array<number>(q.words.length).fill(0);
  for (const h of hits.values()) for (const i of h) freq[i]++;
  const common = (i: number): boolean => paths.length >= COMMON_MIN && freq[i] > COMMON_SHARE * paths.length;
  const out = new Map<string, number>();
  for (const [p, h] of hits) out.set(p, q.words.length === 0 ? 0 : h.filter((i) => !common(i)).length / q.words.length);
  return out;
}
const COMMON_MIN = 4;
const COMMON_SHARE = 0.5;

const ENTRY_NAME = /(?:^|\/)(?:mod\.rs|lib\.rs|index\.[cm]?[jt]sx?)$/;
/** The indexed files and folders of a store, with per-file child counts filled in on demand. */
export interface Tree { generation: number; dirs: Set<string>; paths: Set<string>; children: Map<string, number> }
const treeCache = new WeakMap<Store, Tree>();

/** Every indexed file and every folder that holds one (cached until the store's file list changes). */
export function treeOf(store: Store): Tree {
  const generation = store.generation();
  const cached = treeCache.get(store);
  if (cached?.generation === generation) return cached;
  const dirs = new Set<string>();
  const paths = new Set<string>();
  for (const f of store.allFiles()) {
    if (f.skip !== null) continue;
    paths.add(f.path);
    for (let i = f.path.indexOf('/'); i >= 0; i = f.path.indexOf('/', i + 1)) dirs.add(f.path.slice(0, i));
  }
  const tree = { generation, dirs, paths, children: new Map<string, number>() };
  treeCache.set(store, tree);
  return tree;
}

/** A module's entry file: `mod.rs`, `lib.rs`, `index.ts`, or `x.ext` beside a folder `x/` (`endpoint.ex` and `endpoint/`). */
export function isModuleEntry(path: string, dirs: Set<string>): boolean {
  if (ENTRY_NAME.test(path)) return true;
  const stem = path.replace(/\.[^/.]*$/, '');
  return stem !== path && dirs.has(stem);
}

/** How many of the top files are looked at for parent modules, and the share each named child adds (at most three). */
const PARENT_TOP = 10;
const PARENT_BOOST = 0.2;

const isChild = (a: string, b: string): boolean => a !== b && !DATA_PATH.test(b) && !TEST_PATH.test(b) && isParentOf(a, b);

/** How many code files in the repository are named after a file (cached with the tree). */
function childCount(tree: Tree, path: string): number {
  let n = tree.children.get(path);
  if (n === undefined) {
    n = 0;
    for (const p of tree.paths) if (isChild(path, p)) n++;
    tree.children.set(path, n);
  }
  return n;
}

/** `HttpCache.kt` is the parent of `HttpCacheStorage.kt`, `endpoint.ex` of `endpoint/supervisor.ex`. */
function isParentOf(a: string, b: string): boolean {
  const stemA = a.replace(/\.[^/.]*$/, '');
  if (b.startsWith(stemA + '/')) return true;
  const dirA = a.slice(0, a.lastIndexOf('/') + 1);
  if (ENTRY_NAME.test(a) && dirA !== '' && b.startsWith(dirA) && !b.slice(dirA.length).includes('/')) return true; // routing/mod.rs and routing/x.rs
  const nameA = stemA.slice(stemA.lastIndexOf('/') + 1);
  const nameB = b.slice(b.lastIndexOf('/') + 1).replace(/\..*$/, '');
  if (nameA.length < 4 || nameB.length <= nameA.length || !nameB.toLowerCase().startsWith(nameA.toLowerCase())) return false;
  return /[\p{Lu}_\-.\d]/u.test(nameB[nameA.length]); // the longer name goes on with a new part: HttpCache|Storage, model|_card
}

/** Among the top files, the general module that more specific matching files are named after gains a share of the score. */
export function favourParents(files: FileCandidate[], tree: Tree): void {
  const top = files.slice(0, PARENT_TOP);
  for (const a of top) {
    const children = top.filter((b) => b !== a && isChild(a.path, b.path)).length;
    if (children === 0) continue;
    // a module with many children in the repository (HttpClient.kt) meets some among any top ten
    const share = children / Math.max(children, childCount(tree, a.path));
    a.raw *= 1 + PARENT_BOOST * Math.min(children, 3) * share;
  }
}


const HEADER = /\.(?:h|hh|hpp|hxx)$/i;
const SOURCE_EXTS = ['.c', '.cc', '.cpp', '.cxx', '.m', '.mm'];

/**
 * A C/C++ header and its source beside it (`idna.h`, `idna.c`): the header declares, the source
 * holds the behaviour a prose question asks about, so when both match the source takes the
 * header's place and the header comes right after it.
 */
export function sourcesBeforeHeaders(files: FileCandidate[]): void {
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const h of files) {
    if (!HEADER.test(h.path)) continue;
    const stem = h.path.replace(/\.[^./]*$/, '');
    const src = SOURCE_EXTS.map((e) => byPath.get(stem + e)).find((f) => f !== undefined);
    if (src === undefined || src.raw >= h.raw) continue;
    src.raw = h.raw;
    h.raw *= 1 - 1e-6;
  }
}
