/**
 * The ranking layer over FTS5: chunks come back by bm25 (path/symbol/body weighted), then
 * definition boosts (symbol-like queries, and code identifiers typed inside prose queries),
 * per-file aggregation of the best three chunks, query-term coverage, file-name boost, path
 * evidence for prose queries (query words naming the file or its folder, by shared prefix), and
 * penalties for tests, fixtures, generated code, data/prose files and re-export files. One set of
 * constants for every repository and language. Vector hits, when there are any, are fused with
 * the lexical list by reciprocal rank fusion. Adjacent prose words are also searched joined
 * (`thread pool` ~ `threadpool`); private modules and version-folder copies rank after public and
 * current ones; a re-export stands in for a definition the repository does not have; structural
 * evidence (module entry files, parent modules) comes from structure.ts; a file that only forwards to
 * another (a header that only includes one) is listed right after it (forwards.ts).
 */
import type { SearchHit } from '../../protocol/search.js';
import { cutPreview } from '../../protocol/search-format.js';
import type { ChunkHit, Store } from './db.js';
import { placeForwarders } from './forwards.js';
import { DATA_PATH, favourParents, isModuleEntry, pathShares, sourcesBeforeHeaders, TEST_PATH, treeOf } from './structure.js';
import { matchExpression, pathTokens, roughStem, splitIdentifier, type ParsedQuery } from './tokens.js';

export interface FileCandidate {
  path: string;
  /** Raw ranking score (only comparable within one list). */
  raw: number;
  coverage: number;
  chunks: ChunkHit[];
}

const CANDIDATE_CHUNKS = 400;
const DEFINITION_BOOST = 3;
const RRF_K = 60;
/** Weights of a file's second and third best chunks in its score (the first counts fully). */
const A2 = 0.5;
const A3 = 0.3;
/** Multipliers: data and prose files, tests (unless asked for), re-export files (`__init__.py`, `package-info.java`). */
const DP = 0.5;
const TP = 0.35;
const RP = 0.5;
/** File-name token boost (multiplicative, per share of query terms in the name). */
const NB = 0.6;
/** Path evidence for prose queries: the best file's score times this, times the share of query words naming the file or its folder. */
const PB = 2;
/** Score factor of a module's entry file whose name or folder a prose query names. */
const ENTRY_BOOST = 1.3;
/** Boost of a chunk that defines a code identifier typed inside a prose query. */
const EMBEDDED_DEFINITION_BOOST = 2;
const REEXPORT_NAME = /(?:^|\/)(?:__init__\.py|package-info\.java)$/;
/** Private modules by convention (`_internal/`, `_fields.py`, Go's `internal/`): implementation detail behind a public module. */
const PRIVATE_PATH = /(?:^|\/)(?:_(?!_)[^/]*|internal\/)/;
const PRIVATE_FACTOR = 0.6;
const COMPAT_PATH = /(?:^|\/)(?:compat|_compat|legacy|deprecated)\//;
/** A version folder (`v1/`): when the same path exists without it, that copy is the older or alternative API. */
const VERSION_SEGMENT = /(?:^|\/)v\d+\//;
const VERSIONED_COPY = 0.5;
/** Changelogs, licences and their kin: found when asked for, never ahead of the code a question is about. */
const HISTORY_NAME = /(?:^|\/)(?:change_?log|changes|history|news|releases?|release[-_]notes|licen[cs]e|copying|notice|authors|contributors|code_of_conduct)(?:[-.][^/]*)?$/i;
/** Results scoring below this share of the best result's score are not returned (the relevance cutoff). */
export const RELEVANCE_CUTOFF = 0.1;
const GENERATED_PATH = /(?:^|\/)(?:dist|build|out|generated|gen|vendor|third_party|__generated__)\/|\.d\.ts$/i;

function isDefinitionFor(hit: ChunkHit, names: string[]): boolean {
  if (hit.symbols === '') return false;
  const syms = hit.symbols.toLowerCase().split(' ');
  return names.some((id) => syms.includes(id));
}

/** Re-export statements (`pub use a::{X}`, `export { X } from`, `export * as X`), where a name defined elsewhere is made public. */
const REEXPORT = /\bpub(?:\([^)]*\))?\s+use\s+[^;]*;|\bexport\s+(?:type\s+)?(?:\{[^}]*\}|\*\s+as\s+[\w$]+)\s*from\b/g;

/** Whether a chunk re-exports one of the names (for a symbol defined outside the repository). */
function reexports(text: string, names: string[]): boolean {
  if (!/\b(?:pub|export)\b/.test(text)) return false;
  for (const m of text.matchAll(REEXPORT)) {
    const words = new Set((m[0].match(/[\w$]+/g) ?? []).map((w) => w.toLowerCase()));
    if (names.some((n) => words.has(n))) return true;
  }
  return false;
}

function coverageOf(path: string, chunks: ChunkHit[], terms: string[], weights: number[]): number {
  if (terms.length <= 1) return 1;
  const hay = (path + '\n' + chunks.map((c) => c.text).join('\n')).toLowerCase();
  let present = 0;
  let total = 0;
  terms.forEach((t, i) => {
    total += weights[i];
    if (hay.includes(roughStem(t))) present += weights[i];
  });
  return total > 0 ? present / total : 1;
}

/** A term in more than this share of the chunks does not tell chunks apart (bm25's idf is near zero there)... */
const COMMON_SHARE = 0.5;
/** ...so covering it counts this much of a specific term. */
const COMMON_WEIGHT = 0.5;

/**
 * How much each query term counts in coverage: a term in more than half the repository's chunks
 * (`lang` in commons-lang, a word of every licence header) is one bm25 already treats as telling
 * chunks apart barely at all, so covering it counts half as much as covering a specific word.
 */
export function termWeights(store: Pick<Store, 'counts' | 'matchCount'>, terms: string[]): number[] {
  if (terms.length <= 1) return terms.map(() => 1);
  const common = Math.floor(store.counts().chunks * COMMON_SHARE);
  return terms.map((t) => (store.matchCount(matchExpression([t]), common + 1) > common ? COMMON_WEIGHT : 1));
}

function nameBoost(path: string, q: ParsedQuery): number {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const stem = base.replace(/\..*$/, '').toLowerCase();
  if (q.identifiers.some((id) => id.replace(/[_-]/g, '') === stem.replace(/[_-]/g, ''))) return q.symbolLike ? 3 : 2;
  const names = new Set(pathTokens(base).split(' '));
  const hits = q.terms.filter((t) => names.has(t)).length;
  return 1 + (NB * hits) / Math.max(1, q.terms.length);
}

function pathPenalty(path: string, q: ParsedQuery): number {
  let p = 1;
  if (!q.wantsTests && TEST_PATH.test(path)) p *= TP;
  if (GENERATED_PATH.test(path)) p *= 0.6;
  if (DATA_PATH.test(path)) p *= DP;
  if (REEXPORT_NAME.test(path)) p *= RP;
  if (COMPAT_PATH.test(path)) p *= 0.35;
  if (PRIVATE_PATH.test(path)) p *= PRIVATE_FACTOR;
  if (!q.wantsHistory && HISTORY_NAME.test(path)) p *= 0.3;
  return p;
}

/**
 * Which query words a file's name holds (as a key) and how many words of the name come before the
 * first of them: the qualifiers of a variant (`Javascript` in `JavascriptHotModuleReplacement`).
 */
function nameQualifiers(path: string, stems: string[]): { covered: string; qualifiers: number } {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
  const covered = new Set<number>();
  let qualifiers = 0;
  for (const part of splitIdentifier(base.replace(/[.-]/g, '_'))) {
    const i = stems.indexOf(roughStem(part));
    if (i >= 0) covered.add(i);
    else if (covered.size === 0 && part.length > 2) qualifiers++; // `To` of `ToStringBuilder` qualifies nothing
  }
  return { covered: [...covered].sort((a, b) => a - b).join(','), qualifiers };
}

/**
 * Among files whose names hold the same query words, a name that puts more words the query lacks
 * in front of them names a variant (`JavascriptHotModuleReplacement` beside `HotModuleReplacement`,
 * `FastDateParser` beside `DateParser`): code names put the qualifier first, so it ranks after the
 * plainer name by this factor. Words after them (`HotModuleReplacementPlugin`, `NumberUtils`,
 * `thread-common`) name a related part, not a variant, and do not count.
 */
const NAME_VARIANT = 0.8;

function nameVariants(base: Array<{ path: string; score: number }>, q: ParsedQuery): void {
  if (q.terms.length < 2) return;
  const stems = q.terms.map(roughStem);
  const info = base.map((b) => nameQualifiers(b.path, stems));
  const least = new Map<string, number>();
  for (const n of info) if (n.covered !== '') least.set(n.covered, Math.min(least.get(n.covered) ?? Infinity, n.qualifiers));
  base.forEach((b, i) => { if (info[i].covered !== '' && info[i].qualifiers > least.get(info[i].covered)!) b.score *= NAME_VARIANT; });
}

/** Lexical ranking of files for a parsed query, best first. */
export function rankLexical(store: Store, q: ParsedQuery): FileCandidate[] {
  if (q.terms.length === 0) return [];
  const hits = store.search(matchExpression([...q.terms, ...q.joined]), CANDIDATE_CHUNKS);
  const byFile = new Map<string, ChunkHit[]>();
  const defined = q.symbolLike && hits.some((h) => isDefinitionFor(h, q.identifiers));
  for (const h of hits) {
    if (q.symbolLike && !defined && reexports(h.text, q.identifiers)) h.score *= DEFINITION_BOOST;
    if (q.symbolLike && isDefinitionFor(h, q.identifiers)) h.score *= DEFINITION_BOOST;
    else if (q.embedded.length > 0 && isDefinitionFor(h, q.embedded)) h.score *= EMBEDDED_DEFINITION_BOOST;
    const list = byFile.get(h.path);
    if (list) list.push(h);
    else byFile.set(h.path, [h]);
  }
  const weights = termWeights(store, q.terms);
  const base: Array<{ path: string; chunks: ChunkHit[]; coverage: number; score: number }> = [];
  for (const [path, chunks] of byFile) {
    chunks.sort((a, b) => b.score - a.score);
    const agg = chunks[0].score + A2 * (chunks[1]?.score ?? 0) + A3 * (chunks[2]?.score ?? 0);
    const coverage = coverageOf(path, chunks, q.terms, weights);
    base.push({ path, chunks, coverage, score: agg * (0.2 + 0.8 * coverage * coverage) * nameBoost(path, q) });
  }
  nameVariants(base, q);
  const tree = treeOf(store);
  const { dirs, paths } = tree;
  const versioned = (p: string): number => (VERSION_SEGMENT.test(p) && paths.has(p.replace(VERSION_SEGMENT, (m) => (m.startsWith('/') ? '/' : ''))) ? VERSIONED_COPY : 1);
  const shares = q.symbolLike ? new Map<string, number>() : pathShares(base.map((b) => b.path), q);
  for (const b of base) if (isModuleEntry(b.path, dirs) && (shares.get(b.path) ?? 0) > 0) b.score *= ENTRY_BOOST;
  const top = Math.max(0, ...base.map((b) => b.score));
  const files = base.map((b): FileCandidate => {
    const share = shares.get(b.path) ?? 0;
    const extra = share >= 0.1 ? top * PB * share : 0;
    return { path: b.path, raw: (b.score + extra) * pathPenalty(b.path, q) * versioned(b.path), coverage: b.coverage, chunks: b.chunks };
  });
  files.sort((a, b) => b.raw - a.raw || a.path.localeCompare(b.path));
  favourParents(files, tree);
  if (!q.symbolLike) sourcesBeforeHeaders(files);
  return placeForwarders(files.sort((a, b) => b.raw - a.raw || a.path.localeCompare(b.path)), store, tree);
}

/** Reciprocal rank fusion of the lexical files and the vector hits (already best first). */
export function fuse(lexical: FileCandidate[], vector: FileCandidate[]): FileCandidate[] {
  const out = new Map<string, FileCandidate>();
  const add = (list: FileCandidate[]): void => list.forEach((f, i) => {
    const prev = out.get(f.path);
    const part = 1 / (RRF_K + i + 1);
    if (prev) prev.raw += part;
    else out.set(f.path, { ...f, raw: part });
  });
  add(lexical);
  add(vector);
  return [...out.values()].sort((a, b) => b.raw - a.raw || a.path.localeCompare(b.path));
}

/** The lines of a chunk without their terminators (`\n` or `\r\n`). */
function chunkLines(chunk: ChunkHit): string[] {
  const lines = chunk.text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function bestLine(lines: string[], q: ParsedQuery): number {
  const stems = q.terms.map(roughStem);
  let best = 0;
  let bestScore = 0;
  lines.forEach((line, i) => {
    const l = line.toLowerCase();
    let s = 0;
    for (const t of stems) if (l.includes(t)) s++;
    if (q.identifiers.some((id) => l.includes(id)) && /\b(function|class|def|fn|func|const|let|var|type|interface)\b|=\s*(async\s*)?\(|\)\s*\{\s*$/.test(line)) s += 2;
    if (s > bestScore) { bestScore = s; best = i; }
  });
  return best;
}

export interface ShownRange { startLine: number; endLine: number; snippet: string }

/**
 * The lines a hit shows and their text: from the chunk's start when the best line still fits in
 * the preview, else from the best line; to the chunk's end; blank lines at either end dropped.
 * `snippet` is exactly the text of `startLine..endLine`, cut only at its end.
 */
export function shownRange(chunk: ChunkHit, q: ParsedQuery, maxPreviewLength: number): ShownRange {
  const lines = chunkLines(chunk);
  const best = bestLine(lines, q);
  let from = 0;
  while (from < best && lines[from].trim() === '') from++;
  // at the cap the cut could fall on the newline before the best line and hide it
  if (lines.slice(from, best + 1).join('\n').length >= maxPreviewLength) from = best;
  let to = lines.length - 1;
  while (to > from && lines[to].trim() === '') to--;
  const text = lines.slice(from, to + 1).join('\n');
  return { startLine: chunk.startLine + from, endLine: chunk.startLine + to, snippet: cutPreview(text, maxPreviewLength) };
}

/** A chunk's range without the blank lines at its ends. */
function trimmedRange(chunk: ChunkHit): { startLine: number; endLine: number } {
  const lines = chunkLines(chunk);
  let from = 0;
  let to = lines.length - 1;
  while (from < to && lines[from].trim() === '') from++;
  while (to > from && lines[to].trim() === '') to--;
  return { startLine: chunk.startLine + from, endLine: chunk.startLine + to };
}

/** Search hits for the top files: the best chunk's shown lines and snippet, further ranges. */
export function toHits(files: FileCandidate[], q: ParsedQuery, opts: { limit: number; maxPreviewLength: number; scale: number }): SearchHit[] {
  const floor = (files[0]?.raw ?? 0) * RELEVANCE_CUTOFF;
  return files.slice(0, opts.limit).filter((f) => f.raw >= floor).map((f) => {
    const best = f.chunks[0];
    const hit: SearchHit = {
      path: f.path,
      score: Math.round((f.raw / opts.scale) * 10_000) / 10_000,
      ...shownRange(best, q, opts.maxPreviewLength),
      size: best.size,
      lineCount: best.lines,
    };
    const more = f.chunks.slice(1, 4).map(trimmedRange);
    if (more.length > 0) hit.ranges = more;
    return hit;
  });
}

/** The scale that maps the top raw score of a list to a score in (0, 1]. */
export function scaleFor(files: FileCandidate[], mode: 'lexical' | 'hybrid'): number {
  if (mode === 'hybrid') return 2 / (RRF_K + 1);
  const top = files[0];
  return top === undefined ? 1 : top.raw / (0.5 + 0.5 * top.coverage);
}
