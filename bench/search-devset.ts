/**
 * Search quality on the public semble development set (../shared/search-devset, or
 * LLMR_DEVSET): NDCG@10 per repository, per query category and the macro mean, computed with
 * semble's metric (the dev set's eval.py, reimplemented: first matching rank per target, `/`-suffix
 * path matching, line spans overlap, gain 1, ideal over relevant + secondary), in process
 * through the search service, next to the published figures. One configuration for all repositories.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/search-devset.js [DEVSET_UNPACKED_DIR]
 *
 * The corpora are unpacked with the dev set's unpack.sh into the given folder (default
 * $TMPDIR/llmr-devset) when missing. Verify a final figure with eval.py itself (see the README).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSearch } from '../daemon/search/service.js';
import { benchConfig, defaultExcluded, quietLog, repoRoot, writeResults } from './search-common.js';

type RawTarget = string | { path: string; start_line?: number; end_line?: number };
interface Annotation { query: string; relevant?: RawTarget[]; secondary?: RawTarget[]; category?: string }
interface Target { path: string; start?: number; end?: number }
interface Hit { path: string; startLine?: number; endLine?: number }
interface RepoRow { repo: string; queries: number; ndcg: number; byCategory: Record<string, number[]>; p50ms: number; indexMs: number }

const K = 10;

function devsetDir(): string {
  return process.env.LLMR_DEVSET ?? join(repoRoot(), '..', 'shared', 'search-devset');
}

/** semble's fallback category for a query without one. */
function inferCategory(q: string): string {
  if (!q.trim().includes(' ')) return 'symbol';
  return /^how /i.test(q) ? 'architecture' : 'semantic';
}

const toTarget = (t: RawTarget): Target => (typeof t === 'string' ? { path: t } : { path: t.path, start: t.start_line, end: t.end_line });

function pathMatches(f: string, t: string): boolean {
  return f === t || f.endsWith(`/${t}`) || t.endsWith(`/${f}`);
}

function targetMatches(h: Hit, t: Target): boolean {
  if (!pathMatches(h.path, t.path)) return false;
  if (t.start === undefined || t.end === undefined || h.startLine === undefined || h.endLine === undefined) return true;
  return !(h.endLine < t.start || h.startLine > t.end);
}

/** semble's NDCG@k for one query. */
export function sembleNdcg(hits: Hit[], targets: Target[], k = K): number {
  if (targets.length === 0) return 0;
  const ranked = hits.slice(0, k);
  const ranks = new Set<number>();
  for (const t of targets) {
    const i = ranked.findIndex((h) => targetMatches(h, t));
    if (i >= 0) ranks.add(i + 1);
  }
  let dcg = 0;
  for (const r of ranks) dcg += 1 / Math.log2(r + 1);
  let ideal = 0;
  for (let i = 1; i <= Math.min(k, targets.length); i++) ideal += 1 / Math.log2(i + 1);
  return dcg / ideal;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function ensureUnpacked(dev: string, dest: string, repos: string[]): void {
  const missing = repos.filter((r) => !existsSync(join(dest, r)));
  if (missing.length === 0) return;
  const r = spawnSync(join(dev, 'unpack.sh'), [dest, ...missing], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`unpack.sh ${dest} failed`);
}

async function scoreRepo(dest: string, repo: string, benchRoot: string, tasks: Annotation[]): Promise<RepoRow> {
  const root = join(dest, repo, benchRoot);
  const cacheDir = mkdtempSync(join(tmpdir(), 'llmr-bench-devset-'));
  const t0 = performance.now();
  const search = await createSearch({ root, cacheDir, config: benchConfig([]), isExcluded: defaultExcluded, log: quietLog, watch: false });
  await search.ready();
  const indexMs = performance.now() - t0;
  const byCategory: Record<string, number[]> = {};
  const all: number[] = [];
  const times: number[] = [];
  for (const t of tasks) {
    const q0 = performance.now();
    const r = await search.query(t.query, { limit: K });
    times.push(performance.now() - q0);
    // as `llmr search --json` reports them to the dev set's eval.py: paths only (no start_line/end_line keys)
    const hits = r.results.map((h) => ({ path: `${benchRoot}/${h.path}` }));
    const n = sembleNdcg(hits, [...(t.relevant ?? []), ...(t.secondary ?? [])].map(toTarget));
    all.push(n);
    if (process.env.LLMR_DEVSET_DEBUG) process.stdout.write(`${n.toFixed(2)} [${t.category ?? ''}] ${t.query}\n   got: ${r.results.slice(0, 5).map((h) => h.path).join(' ')}\n   want: ${(t.relevant ?? []).map((x) => toTarget(x).path.slice(benchRoot.length + 1)).join(' ')}\n`);
    (byCategory[t.category ?? inferCategory(t.query)] ??= []).push(n);
  }
  await search.close();
  rmSync(cacheDir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { repo, queries: tasks.length, ndcg: mean(all), byCategory, p50ms: times[Math.floor(times.length / 2)] ?? 0, indexMs };
}

function published(dev: string): Record<string, Record<string, number>> {
  const p = JSON.parse(readFileSync(join(dev, 'published.json'), 'utf8')) as { per_repo_ndcg10: Record<string, Record<string, number>> };
  const pick = (prefix: string): Record<string, number> => {
    const key = Object.keys(p.per_repo_ndcg10).find((k) => k.startsWith(prefix)) ?? '';
    return p.per_repo_ndcg10[key] ?? {};
  };
  return { 'BM25 raw': pick('bm25_raw@a772a37'), 'semble BM25+ranking': pick('bm25_ranked@a772a37'), 'semble hybrid': pick('semble_hybrid@a772a37'), 'CodeRankEmbed hybrid': pick('coderankembed_hybrid') };
}

async function main(): Promise<void> {
  const dev = devsetDir();
  const dest = process.argv[2] ?? join(tmpdir(), 'llmr-devset');
  const specs = JSON.parse(readFileSync(join(dev, 'repos.json'), 'utf8')) as Array<{ name: string; benchmark_root: string }>;
  const only = process.env.LLMR_DEVSET_REPOS?.split(',');
  const chosen = specs.filter((s) => only === undefined || only.includes(s.name)).sort((a, b) => a.name.localeCompare(b.name));
  ensureUnpacked(dev, dest, chosen.map((s) => s.name));
  const rows: RepoRow[] = [];
  for (const s of chosen) {
    const tasks = JSON.parse(readFileSync(join(dev, 'annotations', `${s.name}.json`), 'utf8')) as Annotation[];
    rows.push(await scoreRepo(dest, s.name, s.benchmark_root, tasks));
  }
  const pub = published(dev);
  const cols = Object.keys(pub);
  const lines = [`| repo | llmr | ${cols.join(' | ')} | llmr p50 ms | index ms |`, `|---|---:|${cols.map(() => '---:').join('|')}|---:|---:|`];
  for (const r of rows) lines.push(`| ${r.repo} | **${r.ndcg.toFixed(3)}** | ${cols.map((c) => pub[c][r.repo]?.toFixed(3) ?? '–').join(' | ')} | ${r.p50ms.toFixed(1)} | ${r.indexMs.toFixed(0)} |`);
  const macro = mean(rows.map((r) => r.ndcg));
  lines.push(`| **macro** | **${macro.toFixed(3)}** | ${cols.map((c) => mean(rows.map((r) => pub[c][r.repo] ?? 0)).toFixed(3)).join(' | ')} | | |`);
  const cats = [...new Set(rows.flatMap((r) => Object.keys(r.byCategory)))].sort();
  const pooled = Object.fromEntries(cats.map((c) => [c, mean(rows.flatMap((r) => r.byCategory[c] ?? []))]));
  lines.push('', `by category (pooled): ${cats.map((c) => `${c} ${pooled[c].toFixed(3)}`).join(', ')}`);
  const md = lines.join('\n');
  process.stdout.write(md + '\n');
  if (only === undefined) writeResults('search-devset', { macro, byCategory: pooled, repos: rows.map(({ byCategory: _b, ...r }) => r), published: pub }, md);
}

await main();
