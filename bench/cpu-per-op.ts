/**
 * CPU time per warm operation, split by process (the daemon, dockerd, containerd shims, this
 * client), read from /proc: the daemon and client figures move far less than latency when other
 * work shares the machine; dockerd and the shims serve every container on the host, so theirs
 * include whatever else runs meanwhile.
 *
 * `<exec true>` runs with the daemon's default (reused, cleaned containers); its daemon figure
 * includes the clean after each command, which runs off the answer's path.
 *
 *   npm run build && node dist/bench/cpu-per-op.js [N]
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { BENCH_ENV, OPS, benchRepo } from './cold-warm.js';
import { startDaemon } from './harness.js';

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** [user, system] CPU milliseconds of `pid` so far (0 when it is gone). */
function cpuOf(pid: number | string): [number, number] {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return [Number(f[11]) * TICK_MS, Number(f[12]) * TICK_MS];
  } catch {
    return [0, 0]; // exited meanwhile: nothing more to count
  }
}

function pidsNamed(prefix: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim().startsWith(prefix);
    } catch {
      return false; // exited while listing
    }
  });
}

const total = (pids: string[]): number => pids.reduce((n: number, p) => n + cpuOf(p)[0] + cpuOf(p)[1], 0);

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  const d = await startDaemon({ LLMR_LOG_LEVEL: 'warn', ...BENCH_ENV });
  const repo = benchRepo(true);
  try {
    const conn = await d.connect();
    const daemonPid = d.child.pid as number;
    for (const op of OPS.filter((o) => !o.name.startsWith('<exec') || o.name === '<exec true>')) {
      for (let i = 0; i < 10; i += 1) await op.run(conn, repo, i);
      const others = { dockerd: pidsNamed('dockerd'), shims: pidsNamed('containerd-shim') };
      const before = { daemon: cpuOf(daemonPid), dockerd: total(others.dockerd), shims: total(others.shims), client: process.cpuUsage() };
      const times: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const t0 = performance.now();
        await op.run(conn, repo, i);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const after = cpuOf(daemonPid);
      const c = process.cpuUsage(before.client);
      const per = (ms: number): string => (ms / n).toFixed(2);
      process.stdout.write(`${op.name}: p50 ${times[n >> 1].toFixed(2)} ms; CPU ms/op: daemon ${per(after[0] - before.daemon[0])} user + ${per(after[1] - before.daemon[1])} sys, `
        + `dockerd ${per(total(others.dockerd) - before.dockerd)}, shims ${per(total(others.shims) - before.shims)}, client ${per((c.user + c.system) / 1000)}\n`);
    }
  } finally {
    await d.stop();
    rmSync(repo, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
