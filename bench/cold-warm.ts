/**
 * Cold (one container per operation) against warm (pooled) latency, measured side by side in one
 * run against one real daemon: two repositories, one with `container_pool.enabled: false`.
 * Latency is the JSON-RPC round trip from a client on the daemon's socket (daemon-side: no CLI
 * process start is included).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest } from '../protocol/exec.js';
import { ReadRequest, WriteRequest } from '../protocol/io.js';
import { chownTree, makeRepo, type TestDaemon } from './harness.js';

export interface OpStats { op: string; mode: 'cold' | 'warm'; n: number; p50: number; p95: number; errors: number }
export interface Throughput { mix: string; clients: number; ops: number; seconds: number; opsPerSecond: number; errors: number }

const CONFIG = (pool: boolean): string => [
  'container_pool:', `  enabled: ${pool}`,
  'commands:', '  exec:', '    whitelist: ["true", "python3 -c"]', '',
].join('\n');

/** Pool sizes and the whitelist are the daemon's (user's) settings; a repository can only narrow them. */
export const BENCH_ENV = { LLMR_POOL_SIZE: '16', LLMR_CONTAINER_POOL__MIN_IDLE: '4', LLMR_COMMANDS__EXEC__WHITELIST: 'true,python3 -c' };

export function benchRepo(pool: boolean): string {
  const repo = makeRepo({
    'small.txt': 'a'.repeat(4095) + '\n',
    'large.txt': ('b'.repeat(1023) + '\n').repeat(1024),
    'llm-runtime.config.yaml': CONFIG(pool),
  });
  chownTree(repo);
  return repo;
}

type Op = { name: string; run: (c: MessageConnection, root: string, i: number) => Promise<unknown> };

export const OPS: Op[] = [
  { name: '<open> 4 KiB', run: (c, root) => c.sendRequest(ReadRequest, { root, path: 'small.txt' }) },
  { name: '<open> 1 MiB', run: (c, root) => c.sendRequest(ReadRequest, { root, path: 'large.txt' }) },
  { name: '<write> 4 KiB', run: (c, root, i) => c.sendRequest(WriteRequest, { root, path: `out/w${i % 8}.txt`, content: 'w'.repeat(4096) }) },
  { name: '<exec true>', run: (c, root) => c.sendRequest(ExecRequest, { root, command: 'true' }) },
  { name: '<exec python3 -c pass>', run: (c, root) => c.sendRequest(ExecRequest, { root, command: 'python3 -c pass' }) },
];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Time `n` sequential runs of `op` (after `warmup` untimed ones). */
export async function measure(conn: MessageConnection, root: string, op: Op, mode: 'cold' | 'warm', n: number, warmup: number): Promise<OpStats> {
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; i < warmup + n; i += 1) {
    const t0 = performance.now();
    try {
      await op.run(conn, root, i);
      if (i >= warmup) times.push(performance.now() - t0);
    } catch {
      errors += 1;
    }
    // Exec containers are single-use: give the pool a moment to refill, as between a model's turns.
    if (mode === 'warm' && op.name.startsWith('<exec')) await new Promise((r) => setTimeout(r, 150));
  }
  times.sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { op: op.name, mode, n: times.length, p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), errors };
}

export const MIXES = {
  'open/write/exec 3:1:1': [OPS[0], OPS[0], OPS[0], OPS[2], OPS[3]],
  'open/write 3:1': [OPS[0], OPS[0], OPS[0], OPS[2]],
} as const;

/** `clients` connections each issuing `perClient` warm operations of `mix` at once. */
export async function throughput(d: TestDaemon, root: string, clients: number, perClient: number, mixName: keyof typeof MIXES): Promise<Throughput> {
  const conns = await Promise.all(Array.from({ length: clients }, () => d.connect()));
  const mix = MIXES[mixName];
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(conns.map(async (c, ci) => {
    for (let i = 0; i < perClient; i += 1) {
      await mix[(i + ci) % mix.length].run(c, root, ci * perClient + i).catch(() => { errors += 1; });
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  for (const c of conns) c.dispose();
  const ops = clients * perClient;
  return { mix: mixName, clients, ops, seconds: Math.round(seconds * 100) / 100, opsPerSecond: Math.round(ops / seconds), errors };
}

export function writeJson(dir: string, name: string, data: unknown): void {
  writeFileSync(path.join(dir, name), `${JSON.stringify(data, null, 2)}\n`);
}
