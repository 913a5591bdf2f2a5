/**
 * `node dist/bench/warm-exec.js`: warm exec with single-use containers (before) against reused,
 * cleaned containers (after, commands.exec.reuse_containers: true), in one run: `<exec true>` p50
 * paced (150 ms apart, as between a model's turns) and 20 back to back, and the 16-client
 * open/write/exec 3:1:1 throughput. Writes bench/results/warm-exec.json. Never fails on timing.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { BENCH_ENV, OPS, benchRepo, measure, throughput, writeJson } from './cold-warm.js';
import { containersOf, startDaemon } from './harness.js';

const resultsDir = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../bench/results/' : './results/', import.meta.url));
const EXEC_TRUE = OPS.find((o) => o.name === '<exec true>');

/** p50 of `n` `<exec true>` sent one after another with no pause. */
async function backToBack(conn: MessageConnection, root: string, n: number): Promise<{ p50: number; errors: number }> {
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    await EXEC_TRUE?.run(conn, root, i).then(() => times.push(performance.now() - t0), () => { errors += 1; });
  }
  times.sort((a, b) => a - b);
  return { p50: Math.round((times[Math.floor((times.length - 1) / 2)] ?? 0) * 100) / 100, errors };
}

async function one(reuse: boolean): Promise<Record<string, unknown>> {
  const d = await startDaemon({ LLMR_LOG_LEVEL: 'warn', ...BENCH_ENV, LLMR_COMMANDS__EXEC__REUSE_CONTAINERS: String(reuse) });
  const repo = benchRepo(true);
  try {
    const conn = await d.connect();
    if (EXEC_TRUE === undefined) throw new Error('no <exec true> op');
    const paced = await measure(conn, repo, EXEC_TRUE, 'warm', 30, 3);
    const b2b = await backToBack(conn, repo, 20);
    const tp = await throughput(d, repo, 16, 40, 'open/write/exec 3:1:1');
    return { reuse, pacedP50: paced.p50, pacedP95: paced.p95, pacedErrors: paced.errors, backToBackP50: b2b.p50, backToBackErrors: b2b.errors, throughput: tp };
  } finally {
    await d.stop();
    if (containersOf(d.instance).length > 0) process.stderr.write('containers left behind\n');
  }
}

async function main(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const before = await one(false);
  const after = await one(true);
  const report = { date: new Date().toISOString(), before, after };
  writeJson(resultsDir, 'warm-exec.json', report);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
