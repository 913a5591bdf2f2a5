/**
 * `npm run bench [-- --quick]`: cold vs warm latency and concurrent throughput, measured in one
 * run. Writes bench/results/cold-warm.{json,md,svg} (cold-warm-quick.* with --quick). Benchmarks
 * never fail on timing.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV, MIXES, OPS, benchRepo, measure, throughput, writeJson } from './cold-warm.js';
import { containersOf, startDaemon } from './harness.js';
import { markdown, svg, type ColdWarmReport } from './report.js';

const quick = process.argv.includes('--quick');
const resultsDir = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../bench/results/' : './results/', import.meta.url));

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const d = await startDaemon({ LLMR_LOG_LEVEL: 'warn', ...BENCH_ENV });
  const cold = benchRepo(false);
  const warm = benchRepo(true);
  try {
    const conn = await d.connect();
    const n = { cold: quick ? 5 : 20, warm: quick ? 40 : 200 };
    const ops: ColdWarmReport['ops'] = [];
    for (const op of OPS) {
      process.stderr.write(`measuring ${op.name} …\n`);
      const c = await measure(conn, cold, op, 'cold', n.cold, 1);
      const w = await measure(conn, warm, op, 'warm', op.name.startsWith('<exec') ? Math.min(n.warm, quick ? 10 : 40) : n.warm, 3);
      ops.push({ op: op.name, cold: c, warm: w, ratio: Math.round((c.p50 / Math.max(w.p50, 0.01)) * 10) / 10 });
    }
    const tp = [];
    for (const mix of Object.keys(MIXES) as Array<keyof typeof MIXES>) {
      for (const clients of [1, 4, 16]) {
        process.stderr.write(`throughput of ${mix} with ${clients} clients …\n`);
        tp.push(await throughput(d, warm, clients, quick ? 20 : 100, mix));
      }
    }
    const report: ColdWarmReport = {
      date: new Date().toISOString(), quick, machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.release()}`, ops, throughput: tp,
    };
    // a quick run never replaces the full run's results that the README shows
    const name = quick ? 'cold-warm-quick' : 'cold-warm';
    writeJson(resultsDir, `${name}.json`, report);
    writeFileSync(path.join(resultsDir, `${name}.md`), markdown(report));
    writeFileSync(path.join(resultsDir, `${name}.svg`), svg(report));
    process.stdout.write(markdown(report));
  } finally {
    await d.stop();
    for (const repo of [cold, warm]) rmSync(repo, { recursive: true, force: true });
    const left = containersOf(d.instance);
    if (left.length > 0) process.stderr.write(`warning: ${left.length} containers left behind\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
