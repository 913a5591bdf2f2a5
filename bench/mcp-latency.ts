/**
 * `npm run bench:mcp`: latency of MCP tool calls (`llmr mcp` over stdio, driven by the SDK's own
 * Client) next to the raw JSON-RPC requests they turn into, for read, edit and grep on the same
 * files, in one run against one daemon. Interleaved (raw, MCP, raw, MCP…) so load hits both alike.
 * Writes bench/results/mcp-latency.{json,md}. Never fails on timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { EditRequest } from '../protocol/edit.js';
import { GrepRequest } from '../protocol/grep.js';
import { ReadRequest } from '../protocol/io.js';
import { containersOf, makeRepo, startDaemon } from './harness.js';

const CLI = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../client/main.js' : '../dist/client/main.js', import.meta.url));
const resultsDir = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../bench/results/' : './results/', import.meta.url));
const N = process.argv.includes('--quick') ? 30 : 200;

interface Op { name: string; raw: (conn: MessageConnection, root: string, i: number) => Promise<unknown>; mcp: (c: Client, i: number) => Promise<unknown> }

const flip = (i: number): [string, string] => (i % 2 === 0 ? ['value = 0', 'value = 1'] : ['value = 1', 'value = 0']);

const OPS: Op[] = [
  { name: 'read', raw: (conn, root) => conn.sendRequest(ReadRequest, { root, path: 'src/big.py' }), mcp: (c) => c.callTool({ name: 'read_file', arguments: { path: 'src/big.py' } }) },
  {
    name: 'edit',
    raw: (conn, root, i) => { const [o, n] = flip(i); return conn.sendRequest(EditRequest, { root, path: 'src/raw.py', edits: [{ oldString: o, newString: n }] }); },
    mcp: (c, i) => { const [o, n] = flip(i); return c.callTool({ name: 'edit_file', arguments: { path: 'src/mcp.py', edits: [{ old_string: o, new_string: n }] } }); },
  },
  { name: 'grep', raw: (conn, root) => conn.sendRequest(GrepRequest, { root, pattern: 'def f1[0-9]+\\(' }), mcp: (c) => c.callTool({ name: 'grep', arguments: { pattern: 'def f1[0-9]+\\(' } }) },
];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  const r = await fn();
  if ((r as { isError?: boolean }).isError === true) throw new Error(`tool error: ${JSON.stringify(r).slice(0, 300)}`);
  return performance.now() - t;
}

async function main(): Promise<void> {
  const body = Array.from({ length: 400 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n');
  const repo = makeRepo({ 'src/big.py': body, 'src/raw.py': 'value = 0\n', 'src/mcp.py': 'value = 0\n', ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`pkg/m${i}.py`, body.slice(0, 2000)])) });
  const d = await startDaemon({ LLMR_LOG_LEVEL: 'warn' });
  const conn = await d.connect();
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--root', repo], env: d.env, stderr: 'inherit' });
  const client = new Client({ name: 'llmr-bench', version: '1.0.0' });
  await client.connect(transport);
  const rows = [];
  try {
    for (const op of OPS) {
      for (let i = 0; i < 10; i++) { await op.raw(conn, repo, i); await op.mcp(client, i); } // warm-up (even count keeps files as they were)
      const raw: number[] = [];
      const mcp: number[] = [];
      for (let i = 0; i < N; i++) {
        raw.push(await timed(() => op.raw(conn, repo, i)));
        mcp.push(await timed(() => op.mcp(client, i)));
      }
      const paired = mcp.map((m, i) => m - raw[i]!);
      const row = {
        op: op.name, n: N, rawP50: pct(raw, 50), mcpP50: pct(mcp, 50), addedP50: Math.round((pct(mcp, 50) - pct(raw, 50)) * 100) / 100,
        pairedP50: pct(paired, 50), rawP95: pct(raw, 95), mcpP95: pct(mcp, 95),
      };
      process.stderr.write(`${JSON.stringify(row)}\n`);
      rows.push(row);
    }
  } finally {
    await client.close();
    conn.dispose();
    await d.stop();
  }
  const leftover = containersOf(d.instance);
  if (leftover.length > 0) process.stderr.write(`warning: ${leftover.length} containers left\n`);
  const report = { date: new Date().toISOString(), machine: `${os.cpus().length} cores, ${os.release()}`, rows };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'mcp-latency.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = ['| op | n | JSON-RPC p50 (ms) | MCP p50 (ms) | MCP adds at p50 (ms) | median of paired differences (ms) | JSON-RPC p95 | MCP p95 |', '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.op} | ${r.n} | ${r.rawP50} | ${r.mcpP50} | ${r.addedP50} | ${r.pairedP50} | ${r.rawP95} | ${r.mcpP95} |`)];
  writeFileSync(path.join(resultsDir, 'mcp-latency.md'), `# MCP vs raw JSON-RPC latency (${report.date}, ${report.machine})\n\n${md.join('\n')}\n`);
  process.stdout.write(`${md.join('\n')}\n`);
}

await main();
