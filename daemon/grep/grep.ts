/**
 * `search/grep`: a regular-expression search over the repository's files. Patterns are RE2 syntax,
 * run by `re2js` (a linear-time automaton: no backtracking, so no pattern can hang the daemon).
 * The files come from the `.gitignore`-aware tree walk, which drops excluded and protected paths
 * before they are read; contents are read on the host by the safe reader (O_NOFOLLOW, regular
 * files inside the root only). Total bytes, files, time and output are all bounded.
 */
import picomatch from 'picomatch';
import { RE2JS } from 're2js';
import { LlmrError, asLlmrError } from '../../protocol/errors.js';
import type { GrepFile, GrepParams, GrepResult } from '../../protocol/grep.js';
import type { RequestContext } from '../context.js';
import type { AuditSink } from '../audit/record.js';
import { resolveFolder } from '../tree/folder.js';
import { safeReadText } from '../tree/safe-read.js';
import { walkTree, type WalkState } from '../tree/walk.js';
import { matchLines } from './match.js';

export interface GrepDeps {
  root: string;
  isHidden: (rel: string) => boolean;
  /** Largest file searched (commands.open.max_file_size); larger ones are skipped and counted. */
  maxFileSize: number;
  audit: AuditSink;
}

export const GREP_LIMITS = {
  defaultResults: 200, maxResults: 5000, maxContext: 20, maxPatternBytes: 4096, walkBudget: 200_000,
  maxBytes: 256 * 1024 * 1024, maxFiles: 50_000, maxMillis: 20_000, maxOutputBytes: 1024 * 1024,
} as const;

function globList(value: unknown, name: string): ((rel: string) => boolean) | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((g) => typeof g !== 'string' || g === '')) throw new LlmrError('INVALID_PARAMS', `${name} must be a list of non-empty globs`);
  if (list.length === 0) return undefined;
  const full = picomatch(list.filter((g) => g.includes('/')), { dot: true });
  const base = picomatch(list.filter((g) => !g.includes('/')), { dot: true });
  return (rel) => full(rel) || base(rel.slice(rel.lastIndexOf('/') + 1));
}

function intParam(value: unknown, name: string, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LlmrError('INVALID_PARAMS', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function compile(pattern: unknown, ignoreCase: unknown): RE2JS {
  if (typeof pattern !== 'string' || pattern === '') throw new LlmrError('INVALID_PARAMS', 'pattern must be a non-empty string');
  if (pattern.length > GREP_LIMITS.maxPatternBytes) throw new LlmrError('INVALID_PARAMS', `pattern is longer than ${GREP_LIMITS.maxPatternBytes} characters`);
  if (ignoreCase !== undefined && typeof ignoreCase !== 'boolean') throw new LlmrError('INVALID_PARAMS', 'ignore_case must be a boolean');
  try {
    // MULTILINE: `^`/`$` match at line ends, as in the whole-file prefilter so in the per-line pass
    return RE2JS.compile(pattern, RE2JS.MULTILINE | (ignoreCase === true ? RE2JS.CASE_INSENSITIVE : 0));
  } catch (err) {
    throw new LlmrError('PATTERN_INVALID', `pattern ${pattern.slice(0, 80)} is not a valid RE2 regular expression: ${(err as Error).message}`,
      'RE2 syntax: no backreferences or look-around');
  }
}

function bool(value: unknown, name: string): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw new LlmrError('INVALID_PARAMS', `${name} must be a boolean`);
  return value === true;
}

interface Plan {
  re: RE2JS; context: number; mode: GrepResult['mode']; max: number;
  include?: (rel: string) => boolean; exclude?: (rel: string) => boolean;
}

function plan(params: GrepParams): Plan {
  const re = compile(params.pattern, params.ignoreCase);
  const filesOnly = bool(params.filesOnly, 'files_only');
  const count = bool(params.count, 'count');
  return {
    re, mode: filesOnly ? 'files' : count ? 'count' : 'lines',
    context: intParam(params.context, 'context', 0, GREP_LIMITS.maxContext, 0),
    max: intParam(params.maxResults, 'max_results', 1, GREP_LIMITS.maxResults, GREP_LIMITS.defaultResults),
    include: globList(params.include, 'include'), exclude: globList(params.exclude, 'exclude'),
  };
}

/** The files to search: one file, or a walk of a folder with include/exclude applied. */
function* candidates(deps: GrepDeps, start: { rel: string; kind: 'file' | 'directory' }, p: Plan, state: WalkState): Generator<string> {
  if (start.kind === 'file') { yield start.rel; return; }
  for (const e of walkTree({ root: deps.root, start: start.rel, isHidden: deps.isHidden, maxDepth: 64, budget: GREP_LIMITS.walkBudget }, state)) {
    if (e.kind !== 'file') continue;
    if (p.include !== undefined && !p.include(e.rel)) continue;
    if (p.exclude?.(e.rel) === true) continue;
    yield e.rel;
  }
}

/** Search the repository for the model. */
export async function grepRepository(deps: GrepDeps, params: GrepParams, ctx: RequestContext): Promise<GrepResult> {
  const target = typeof params.pattern === 'string' ? params.pattern : '';
  try {
    const p = plan(params);
    if (params.path !== undefined && typeof params.path !== 'string') throw new LlmrError('INVALID_PARAMS', 'path must be a string');
    const start = await resolveFolder(deps.root, params.path, deps.isHidden);
    const state: WalkState = { examined: 0, exhausted: false };
    const files: GrepFile[] = [];
    const skipped = { binary: 0, large: 0, linked: 0 };
    let matches = 0;
    let searched = 0;
    let bytes = 0;
    let output = 0;
    let stop: string | undefined;
    const began = Date.now();
    for (const rel of candidates(deps, start, p, state)) {
      if (ctx.signal.aborted) throw new LlmrError('CANCELLED', 'grep cancelled');
      if (searched >= GREP_LIMITS.maxFiles || bytes >= GREP_LIMITS.maxBytes || Date.now() - began > GREP_LIMITS.maxMillis) { stop = 'the work budget ran out'; break; }
      const read = safeReadText(deps.root, rel, deps.maxFileSize);
      if (read.kind !== 'text') { if (read.reason === 'binary') skipped.binary++; else if (read.reason === 'too-large') skipped.large++; else if (read.reason === 'hard-link') skipped.linked++; continue; }
      searched++;
      bytes += read.size;
      if (!p.re.matcher(read.text).find()) continue;
      const room = p.mode === 'lines' ? p.max - matches : Number.MAX_SAFE_INTEGER;
      const found = matchLines(read.text, p.re, p.mode === 'lines' ? p.context : 0, room);
      if (found.count === 0) continue;
      files.push(p.mode === 'lines' ? { path: rel, count: found.count, lines: found.lines } : { path: rel, count: found.count });
      matches += p.mode === 'lines' ? found.shown : found.count;
      output += rel.length + found.lines.reduce((n, l) => n + l.text.length + 12, 0);
      if (output > GREP_LIMITS.maxOutputBytes) { stop = `the output limit of ${GREP_LIMITS.maxOutputBytes} bytes was reached`; break; }
      if ((p.mode === 'lines' && matches >= p.max) || (p.mode !== 'lines' && files.length >= p.max)) { stop = `the limit of ${p.max} results was reached (max_results)`; break; }
    }
    const notes: string[] = [];
    if (stop !== undefined) notes.push(`stopped: ${stop}; narrow the path or the pattern`);
    if (state.exhausted) notes.push(`walk stopped after ${GREP_LIMITS.walkBudget} entries`);
    if (skipped.binary + skipped.large > 0) notes.push(`skipped ${skipped.binary} binary and ${skipped.large} files over ${deps.maxFileSize} bytes`);
    if (skipped.linked > 0) notes.push(`skipped ${skipped.linked} files with several hard links (one of their names may be an excluded file)`);
    const truncated = stop !== undefined || state.exhausted;
    const result: GrepResult = { pattern: target, mode: p.mode, files, matches, filesSearched: searched, truncated, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
    deps.audit.record({ session: ctx.session, operation: 'grep', target, status: 'success', metadata: `files:${files.length},matches:${matches},searched:${searched},truncated:${truncated}` });
    return result;
  } catch (err) {
    const e = asLlmrError(err);
    deps.audit.record({ session: ctx.session, operation: 'grep', target, status: 'failed', metadata: `${e.code}: ${e.message}` });
    throw err;
  }
}
