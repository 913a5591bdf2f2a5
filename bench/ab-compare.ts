/**
 * Side by side on a shared machine: a daemon built from another checkout ("before") and this one
 * ("after") run at once, and their requests alternate op by op (the order flipped every round),
 * so both see the same load. Prints p50/p90 latency and the daemon's CPU per op (user + system,
 * from /proc) for each. Never fails on timing.
 *
 *   git worktree add /tmp/before main && cp -a node_modules /tmp/before/ && (cd /tmp/before && npm run build)
 *   npm run build && node dist/bench/ab-compare.js /tmp/before [N] [PAUSE_MS] ['<open> 4 KiB,<write> 4 KiB,<exec true>']
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { BENCH_ENV, OPS, benchRepo } from './cold-warm.js';
import { startDaemon, type TestDaemon } from './harness.js';

type Ops = typeof OPS;
interface Side { name: string; daemon: TestDaemon; conn: MessageConnection; repo: string; ops: Ops; times: number[] }

/** user + system CPU milliseconds of `pid` so far (USER_HZ = 100). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const quantile = (sorted: number[], q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0).toFixed(2);

async function side(name: string, start: typeof startDaemon, ops: Ops): Promise<Side> {
  const daemon = await start({ LLMR_LOG_LEVEL: 'warn', ...BENCH_ENV });
  return { name, daemon, conn: await daemon.connect(), repo: benchRepo(true), ops, times: [] };
}

async function compare(sides: Side[], opName: string, n: number, pauseMs: number): Promise<void> {
  const run = (s: Side, i: number): Promise<unknown> => {
    const op = s.ops.find((o) => o.name === opName);
    if (op === undefined) throw new Error(`no operation ${opName}`);
    return op.run(s.conn, s.repo, i);
  };
  for (const s of sides) { s.times = []; for (let i = 0; i < 10; i += 1) await run(s, i); }
  const before = sides.map((s) => cpuMs(s.daemon.child.pid as number));
  for (let i = 0; i < n; i += 1) {
    for (const s of i % 2 === 0 ? sides : [...sides].reverse()) {
      const t0 = performance.now();
      await run(s, i);
      s.times.push(performance.now() - t0);
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
  sides.forEach((s, k) => {
    const t = [...s.times].sort((a, b) => a - b);
    const cpu = (cpuMs(s.daemon.child.pid as number) - before[k]) / n;
    process.stdout.write(`${opName}${pauseMs > 0 ? ` (${pauseMs} ms apart)` : ''} ${s.name}: p50 ${quantile(t, 0.5)} ms, p90 ${quantile(t, 0.9)} ms; daemon CPU ${cpu.toFixed(2)} ms/op\n`);
  });
}

async function main(): Promise<void> {
  const [dir, nArg, pauseArg, opsArg] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: ab-compare.js BEFORE_CHECKOUT [N] [PAUSE_MS] [OPS]');
  const other = (file: string): string => pathToFileURL(path.join(path.resolve(dir), 'dist', 'bench', file)).href;
  const theirs = await import(other('harness.js')) as { startDaemon: typeof startDaemon };
  const theirOps = (await import(other('cold-warm.js')) as { OPS: Ops }).OPS; // their protocol objects for their connection
  const sides = [await side('before', theirs.startDaemon, theirOps), await side('after', startDaemon, OPS)];
  try {
    for (const op of (opsArg ?? '<open> 4 KiB,<write> 4 KiB,<exec true>').split(',')) await compare(sides, op, Number(nArg ?? 300), Number(pauseArg ?? 0));
  } finally {
    for (const s of sides) { await s.daemon.stop(); rmSync(s.repo, { recursive: true, force: true }); }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
