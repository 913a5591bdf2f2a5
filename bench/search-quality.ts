/**
 * Search quality: NDCG@10 and Recall@5 of plain FTS5 BM25 (raw file bodies, default
 * tokenizer, no ranking layer) against llmr's ranking, on a pinned public package nobody
 * here wrote, with queries written down (bench/queries/<name>.json) before any tuning.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/search-quality.js [queries-name]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extensionSet, listFiles } from '../daemon/search/files.js';
import { readForIndex } from '../daemon/search/reader.js';
import { createSearch } from '../daemon/search/service.js';
import { createPlainBm25 } from './plain-bm25.js';
import { benchConfig, defaultExcluded, fetchPackage, quietLog, repoRoot, writeResults } from './search-common.js';

interface QueryCase { q: string; kind: 'symbol' | 'nl'; expected: Record<string, number> }
interface Scores { ndcg10: number; recall5: number; top: string[] }
interface Row { q: string; kind: string; bm25: Scores; llmr: Scores }
interface QueryFile { package: string; version: string; indexExtensions: string[]; queries: QueryCase[] }

/** NDCG@k with gains 2^rel - 1. */
export function ndcgAt(k: number, ranked: string[], expected: Record<string, number>): number {
  const dcg = ranked.slice(0, k).reduce((s, p, i) => s + ((2 ** (expected[p] ?? 0)) - 1) / Math.log2(i + 2), 0);
  const ideal = Object.values(expected).sort((a, b) => b - a).slice(0, k)
    .reduce((s, rel, i) => s + ((2 ** rel) - 1) / Math.log2(i + 2), 0);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** Share of the expected files found in the top k. */
export function recallAt(k: number, ranked: string[], expected: Record<string, number>): number {
  const want = Object.keys(expected);
  return want.filter((p) => ranked.slice(0, k).includes(p)).length / want.length;
}

function plainMatch(q: string): string {
  const words = [...new Set(q.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== ''))];
  return words.map((w) => `"${w}"`).join(' OR ');
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f3 = (x: number): string => x.toFixed(3);

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'webpack';
  const spec = JSON.parse(readFileSync(join(repoRoot(), 'bench', 'queries', `${name}.json`), 'utf8')) as QueryFile;
  const root = fetchPackage(spec.package, spec.version);
  const cacheDir = mkdtempSync(join(tmpdir(), 'llmr-bench-quality-'));
  const search = await createSearch({ root, cacheDir, config: benchConfig(spec.indexExtensions), isExcluded: defaultExcluded, log: quietLog, watch: false });
  await search.ready();
  const status = search.status();

  const plain = createPlainBm25();
  const listing = await listFiles(root, { isExcluded: defaultExcluded, extensions: extensionSet(spec.indexExtensions) });
  const dirs = new Map<string, boolean>();
  for (const rel of listing.files) {
    const r = readForIndex(root, rel, 1_048_576, dirs);
    if (r.kind === 'text') plain.add(rel, r.text);
  }

  const rows: Row[] = [];
  for (const c of spec.queries) {
    const ours = (await search.query(c.q, { limit: 10 })).results.map((h) => h.path);
    const base = plain.search(plainMatch(c.q), 10);
    rows.push({ q: c.q, kind: c.kind,
      bm25: { ndcg10: ndcgAt(10, base, c.expected), recall5: recallAt(5, base, c.expected), top: base.slice(0, 3) },
      llmr: { ndcg10: ndcgAt(10, ours, c.expected), recall5: recallAt(5, ours, c.expected), top: ours.slice(0, 3) } });
  }
  await search.close();
  plain.close();
  rmSync(cacheDir, { recursive: true, force: true });

  const summary = (kind?: string) => {
    const rs = rows.filter((r) => kind === undefined || r.kind === kind);
    return { queries: rs.length,
      bm25: { ndcg10: mean(rs.map((r) => r.bm25.ndcg10)), recall5: mean(rs.map((r) => r.bm25.recall5)) },
      llmr: { ndcg10: mean(rs.map((r) => r.llmr.ndcg10)), recall5: mean(rs.map((r) => r.llmr.recall5)) } };
  };
  const all = summary();
  const bySet = { all, symbol: summary('symbol'), nl: summary('nl') };
  const md = [
    `# Search quality — ${spec.package}@${spec.version}`, '',
    `${status.files} files indexed, ${status.chunks} chunks, ${spec.queries.length} queries (written before tuning).`, '',
    '| set | queries | BM25 NDCG@10 | llmr NDCG@10 | BM25 Recall@5 | llmr Recall@5 |', '|---|---|---|---|---|---|',
    ...Object.entries(bySet).map(([k, s]) => `| ${k} | ${s.queries} | ${f3(s.bm25.ndcg10)} | ${f3(s.llmr.ndcg10)} | ${f3(s.bm25.recall5)} | ${f3(s.llmr.recall5)} |`),
    '', '| query | BM25 NDCG@10 | llmr NDCG@10 | llmr top 1 |', '|---|---|---|---|',
    ...rows.map((r) => `| ${r.q} | ${f3(r.bm25.ndcg10)} | ${f3(r.llmr.ndcg10)} | ${r.llmr.top[0] ?? ''} |`), '',
  ].join('\n');
  const files = writeResults('search-quality', { package: `${spec.package}@${spec.version}`, files: status.files, chunks: status.chunks, summary: bySet, queries: rows }, md);
  process.stdout.write(`${md}\nwrote ${files.join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`search-quality failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
