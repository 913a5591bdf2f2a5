/**
 * This build against another build of llmr, paired: both daemons run at once and their requests
 * alternate op by op (the order flipped every round), so both see the same load of a shared
 * machine at the same moments. Each side is reached the way its own harness connects and with its
 * own protocol objects (what that build's users get). Prints p50/p90 latency, daemon CPU (user +
 * system from /proc, 10 ms ticks summed over all N operations) and client CPU (this process's
 * getrusage around each request) per operation, per side. Never fails on timing.
 *
 *   git worktree add /tmp/before REV && cp -a node_modules /tmp/before/ && (cd /tmp/before && npm run build)
 *   npm run build && node dist/bench/ab.js /tmp/before [N] [PAUSE_MS] ['<open> 1 MiB,<write> 4 KiB,<exec true>']
 *
 * The other build may need images of its own version (its IMAGE_VERSION): LLMR_AB_OTHER_IO_IMAGE
 * and LLMR_AB_OTHER_EXEC_IMAGE name them (e.g. built with `llmr images build --only io --tag llmr-io:old`).
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { BENCH_ENV, OPS, benchRepo } from './cold-warm.js';
import { startDaemon, type TestDaemon } from './harness.js';

const TICK_MS = 10;
type Ops = typeof OPS;

function daemonCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

interface Side { name: string; d: TestDaemon; conn: MessageConnection; repo: string; ops: Ops; times: number[]; clientUs: number; cpu0: number }

async function side(name: string, start: typeof startDaemon, ops: Ops, images: Record<string, string | undefined> = {}): Promise<Side> {
  const saved = { io: process.env.LLMR_TEST_IO_IMAGE, exec: process.env.LLMR_TEST_EXEC_IMAGE };
  // the harness reads the test images from this process's environment when it starts a daemon
  if (images.io !== undefined) process.env.LLMR_TEST_IO_IMAGE = images.io;
  if (images.exec !== undefined) process.env.LLMR_TEST_EXEC_IMAGE = images.exec;
  try {
    const d = await start({ LLMR_LOG_LEVEL: 'warn', ...BENCH_ENV });
    return { name, d, conn: await d.connect(), repo: benchRepo(true), ops, times: [], clientUs: 0, cpu0: 0 };
  } finally {
    for (const [key, value] of [['LLMR_TEST_IO_IMAGE', saved.io], ['LLMR_TEST_EXEC_IMAGE', saved.exec]] as const) {
      if (value === undefined) delete process.env[key]; else process.env[key] = value;
    }
  }
}

async function once(s: Side, opName: string, i: number): Promise<void> {
  const op = s.ops.find((o) => o.name === opName);
  if (op === undefined) throw new Error(`no operation ${opName} in ${s.name}`);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await op.run(s.conn, s.repo, i);
  s.times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  s.clientUs += c.user + c.system;
}

async function compare(sides: Side[], opName: string, n: number, pauseMs: number): Promise<void> {
  for (const s of sides) {
    for (let i = 0; i < 10; i += 1) await once(s, opName, i);
    Object.assign(s, { times: [], clientUs: 0, cpu0: daemonCpu(s.d.child.pid as number) });
  }
  for (let i = 0; i < n; i += 1) {
    for (const s of i % 2 === 0 ? sides : [...sides].reverse()) {
      await once(s, opName, i);
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
  for (const s of sides) {
    const sorted = [...s.times].sort((a, b) => a - b);
    const cpu = (daemonCpu(s.d.child.pid as number) - s.cpu0) / n;
    process.stdout.write(`${opName}${pauseMs > 0 ? ` (${pauseMs} ms apart)` : ''} | ${s.name} | p50 ${sorted[n >> 1].toFixed(2)} ms | p90 ${sorted[Math.floor(n * 0.9)].toFixed(2)} ms | daemon CPU ${cpu.toFixed(2)} ms/op | client CPU ${(s.clientUs / n / 1000).toFixed(2)} ms/op\n`);
  }
}

async function main(): Promise<void> {
  const [dir, nArg, pauseArg, opsArg] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: ab.js OTHER_CHECKOUT [N] [PAUSE_MS] [OPS, comma-separated]');
  const other = (file: string): string => pathToFileURL(path.join(path.resolve(dir), 'dist', 'bench', file)).href;
  const theirs = (await import(other('harness.js'))) as { startDaemon: typeof startDaemon };
  const theirOps = ((await import(other('cold-warm.js'))) as { OPS: Ops }).OPS;
  const images = { io: process.env.LLMR_AB_OTHER_IO_IMAGE, exec: process.env.LLMR_AB_OTHER_EXEC_IMAGE };
  const sides = [await side(`other (${path.basename(dir)})`, theirs.startDaemon, theirOps, images), await side('this build', startDaemon, OPS)];
  try {
    const ops = opsArg?.split(',') ?? OPS.filter((o) => !o.name.startsWith('<exec python')).map((o) => o.name);
    for (const op of ops) await compare(sides, op, Number(nArg ?? 200), Number(pauseArg ?? 0));
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
