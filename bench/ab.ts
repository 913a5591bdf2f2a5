/**
 * This build against another build of llmr, paired: both daemons run at once, each request goes to
 * one and then the other (the order alternating), so both see the same load of a shared machine at
 * the same moments. Each side is reached the way its own harness connects (its `connect()`): what
 * that build's users get. Prints p50 latency, daemon CPU and client CPU per operation, per side.
 *
 *   npm run build && node dist/bench/ab.js /path/to/other/worktree [N] [OP_NAME…]
 *
 * The other worktree must be built (`npm run build` there). Daemon CPU comes from /proc (10 ms
 * ticks, summed over all N operations); client CPU is this process's getrusage around each request.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { BENCH_ENV, OPS, benchRepo } from './cold-warm.js';
import { startDaemon, type TestDaemon } from './harness.js';

const TICK_MS = 10;

function daemonCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

interface Side { name: string; d: TestDaemon; conn: MessageConnection; repo: string; times: number[]; clientUs: number; cpu0: number }

async function side(name: string, start: typeof startDaemon): Promise<Side> {
  const d = await start({ LLMR_LOG_LEVEL: 'warn', ...BENCH_ENV });
  return { name, d, conn: await d.connect(), repo: benchRepo(true), times: [], clientUs: 0, cpu0: 0 };
}

async function once(s: Side, run: (c: MessageConnection, root: string, i: number) => Promise<unknown>, i: number): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run(s.conn, s.repo, i);
  s.times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  s.clientUs += c.user + c.system;
}

async function main(): Promise<void> {
  const other = path.resolve(process.argv[2] ?? '');
  const n = Number(process.argv[3] ?? 200);
  const only = process.argv.slice(4);
  const theirs = (await import(pathToFileURL(path.join(other, 'dist/bench/harness.js')).href)) as { startDaemon: typeof startDaemon };
  const sides = [await side(`other (${path.basename(other)})`, theirs.startDaemon), await side('this build', startDaemon)];
  try {
    for (const op of OPS.filter((o) => (only.length > 0 ? only.includes(o.name) : !o.name.startsWith('<exec')))) {
      for (const s of sides) {
        for (let i = 0; i < 10; i += 1) await op.run(s.conn, s.repo, i);
        Object.assign(s, { times: [], clientUs: 0, cpu0: daemonCpu(s.d.child.pid as number) });
      }
      for (let i = 0; i < n; i += 1) {
        for (const s of i % 2 === 0 ? sides : [...sides].reverse()) await once(s, op.run, i);
      }
      for (const s of sides) {
        const sorted = [...s.times].sort((a, b) => a - b);
        const cpu = (daemonCpu(s.d.child.pid as number) - s.cpu0) / n;
        process.stdout.write(`${op.name} | ${s.name} | p50 ${sorted[n >> 1].toFixed(2)} ms | p90 ${sorted[Math.floor(n * 0.9)].toFixed(2)} ms | daemon CPU ${cpu.toFixed(2)} ms/op | client CPU ${(s.clientUs / n / 1000).toFixed(2)} ms/op\n`);
      }
    }
  } finally {
    for (const s of sides) {
      await s.d.stop();
      rmSync(s.repo, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
