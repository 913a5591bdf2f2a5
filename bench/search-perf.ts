/**
 * Search performance on a pinned ~5 000-source-file package (date-fns@2.30.0: one folder per
 * function with .js, .ts and .js.flow files): full index time, query p50/p95, edit-to-searchable
 * latency with the real watcher, RSS and database size with that index loaded.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/search-perf.js
 */
import { appendFileSync, cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSearch } from '../daemon/search/service.js';
import { benchConfig, defaultExcluded, fetchPackage, quietLog, writeResults } from './search-common.js';

const PACKAGE = { name: 'date-fns', version: '2.30.0' };
const EXTENSIONS = ['.js', '.ts', '.flow', '.json', '.md'];
const QUERIES = [
  'addDays', 'parseISO', 'format', 'isValid', 'startOfWeek', 'differenceInCalendarDays', 'eachDayOfInterval',
  'getISOWeek', 'formatDistanceToNow', 'intervalToDuration', 'toDate', 'setHours', 'closestTo', 'roundToNearestMinutes',
  'week starts on locale option', 'format distance in words', 'parse a date string with a pattern', 'time zone offset in milliseconds',
  'add business days skipping weekends', 'check if a year is a leap year', 'quarter of the year', 'compare two dates ascending',
  'ordinal number suffix', 'range error invalid time value', 'localize month names', 'last day of month', 'is same week',
  'get unix timestamp seconds', 'sub months', 'max of dates array',
];
const EDITS = 10;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const ms = (x: number): string => `${x.toFixed(1)} ms`;
/** CPU time (user + system) of this process since `from`, in ms: steadier than wall time on a shared machine. */
const cpuMs = (from: NodeJS.CpuUsage): number => { const d = process.cpuUsage(from); return (d.user + d.system) / 1000; };

type Search = Awaited<ReturnType<typeof createSearch>>;

/** Each query once to warm up, then five timed rounds; CPU per query alongside. */
async function timeQueries(search: Search): Promise<{ times: number[]; queryCpuMs: number }> {
  for (const q of QUERIES) await search.query(q);
  const times: number[] = [];
  const cq = process.cpuUsage();
  for (let round = 0; round < 5; round++) {
    for (const q of QUERIES) {
      const s = performance.now();
      await search.query(q);
      times.push(performance.now() - s);
    }
  }
  return { times, queryCpuMs: cpuMs(cq) / times.length };
}

/** Append a fresh token to EDITS files, one at a time, and time until a search finds each (the real watcher). */
async function timeEdits(search: Search, root: string): Promise<number[]> {
  const edits: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const token = `benchmarker${String.fromCharCode(97 + i)}${'xq'.repeat(i + 1)}`;
    const rel = `add${['Days', 'Hours', 'Weeks', 'Months', 'Years', 'Minutes', 'Seconds', 'Quarters', 'ISOWeekYears', 'Milliseconds'][i]}/index.js`;
    const s = performance.now();
    appendFileSync(join(root, rel), `\n// ${token}\n`);
    for (;;) {
      const r = await search.query(token, { limit: 3 });
      if (r.results.some((h) => h.path === rel)) break;
      if (performance.now() - s > 10_000) throw new Error(`edit of ${rel} not searchable after 10 s`);
      await new Promise((res) => setTimeout(res, 5));
    }
    edits.push(performance.now() - s);
    await new Promise((res) => setTimeout(res, 300));
  }
  return edits;
}

async function main(): Promise<void> {
  const pkg = fetchPackage(PACKAGE.name, PACKAGE.version);
  const root = mkdtempSync(join(tmpdir(), 'llmr-bench-perf-root-'));
  cpSync(pkg, root, { recursive: true });
  const cacheDir = mkdtempSync(join(tmpdir(), 'llmr-bench-perf-cache-'));
  const rss0 = process.memoryUsage().rss;

  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const search = await createSearch({ root, cacheDir, config: benchConfig(EXTENSIONS), isExcluded: defaultExcluded, log: quietLog });
  const indexMs = performance.now() - t0;
  await search.ready();
  const watchReadyMs = performance.now() - t0;
  const indexCpuMs = cpuMs(c0);
  const status = search.status();

  const { times, queryCpuMs } = await timeQueries(search);
  const edits = await timeEdits(search, root);

  const rt = performance.now();
  await search.reindex();
  const reindexMs = performance.now() - rt;
  const mem = process.memoryUsage();
  const dbBytes = statSync(join(cacheDir, 'index.sqlite')).size + (statSync(join(cacheDir, 'index.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0);
  await search.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });

  const result = {
    package: `${PACKAGE.name}@${PACKAGE.version}`, extensions: EXTENSIONS, files: status.files, skipped: status.skipped, chunks: status.chunks,
    chunking: benchConfig(EXTENSIONS).chunking, fullIndexMs: indexMs, indexCpuMs, queryCpuMs, watcherReadyMs: watchReadyMs, forcedReindexMs: reindexMs,
    query: { runs: times.length, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), maxMs: Math.max(...times) },
    editToSearchable: { runs: edits.length, p50Ms: percentile(edits, 50), maxMs: Math.max(...edits) },
    rssMb: mem.rss / 2 ** 20, rssBeforeMb: rss0 / 2 ** 20, heapUsedMb: mem.heapUsed / 2 ** 20, dbMb: dbBytes / 2 ** 20,
    node: process.version,
  };
  const md = [
    `# Search performance — ${result.package}`, '',
    `${result.files} files indexed (${String(result.skipped)} skipped), ${result.chunks} chunks; extensions ${EXTENSIONS.join(' ')}; chunking ${result.chunking ?? 'lines'}.`, '',
    '| measure | value | target |', '|---|---|---|',
    `| full index (start-up reconcile, empty cache) | ${ms(indexMs)} (CPU ${ms(indexCpuMs)}) | ≤ 10 s |`,
    `| watcher ready after start | ${ms(watchReadyMs)} | |`,
    `| forced reindex of the same tree | ${ms(reindexMs)} | |`,
    `| query p50 / p95 / max (${times.length} queries) | ${ms(result.query.p50Ms)} / ${ms(result.query.p95Ms)} / ${ms(result.query.maxMs)} (CPU ${ms(queryCpuMs)} per query) | p50 ≤ 20 ms |`,
    `| edit → searchable p50 / max (${EDITS} edits, real watcher) | ${ms(result.editToSearchable.p50Ms)} / ${ms(result.editToSearchable.maxMs)} | ≤ 1 s |`,
    `| RSS with the index loaded (before: ${result.rssBeforeMb.toFixed(0)} MB) | ${result.rssMb.toFixed(0)} MB | ≤ 250 MB |`,
    `| database size | ${result.dbMb.toFixed(1)} MB | |`, '',
  ].join('\n');
  const files = writeResults('search-perf', result, md);
  process.stdout.write(`${md}\nwrote ${files.join(', ')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`search-perf failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
