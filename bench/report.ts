/** Markdown table and SVG bar chart of a cold-vs-warm run. */
import type { OpStats, Throughput } from './cold-warm.js';

export interface ColdWarmReport {
  date: string;
  quick: boolean;
  machine: string;
  ops: Array<{ op: string; cold: OpStats; warm: OpStats; ratio: number }>;
  throughput: Throughput[];
}

export function markdown(r: ColdWarmReport): string {
  const lines = [
    `Cold (one container per operation) vs warm (pooled), ${r.quick ? 'quick run, ' : ''}${r.machine}, ${r.date}.`,
    'Latency is the JSON-RPC round trip to the daemon, in milliseconds.',
    '',
    '| operation | cold p50 | cold p95 | warm p50 | warm p95 | cold/warm (p50) |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.ops.map((o) => `| ${o.op.replace(/</g, '&lt;')} | ${o.cold.p50} | ${o.cold.p95} | ${o.warm.p50} | ${o.warm.p95} | ${o.ratio}× |`),
    '',
    'Throughput, warm, each client issuing its operations one after another (exec containers are cleaned and reused, commands.exec.reuse_containers):',
    '',
    '| mix | concurrent clients | operations | seconds | ops/s | errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.throughput.map((t) => `| ${t.mix} | ${t.clients} | ${t.ops} | ${t.seconds} | ${t.opsPerSecond} | ${t.errors} |`),
    '',
  ];
  return lines.join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars of p50 latency on a log scale, cold and warm per operation. */
export function svg(r: ColdWarmReport): string {
  const rowH = 44;
  const left = 190;
  const width = 840;
  const plot = width - left - 130;
  const height = 50 + r.ops.length * rowH;
  const max = Math.max(...r.ops.map((o) => o.cold.p50), 1);
  const x = (ms: number): number => (Math.log10(Math.max(ms, 0.1)) + 1) / (Math.log10(max) + 1) * plot;
  const rows = r.ops.map((o, i) => {
    const y = 40 + i * rowH;
    return [
      `<text x="${left - 8}" y="${y + 17}" text-anchor="end">${esc(o.op)}</text>`,
      `<rect x="${left}" y="${y}" width="${x(o.cold.p50).toFixed(1)}" height="14" fill="#c0504d"/>`,
      `<text x="${left + x(o.cold.p50) + 4}" y="${y + 12}">${o.cold.p50} ms cold</text>`,
      `<rect x="${left}" y="${y + 17}" width="${x(o.warm.p50).toFixed(1)}" height="14" fill="#4f81bd"/>`,
      `<text x="${left + x(o.warm.p50) + 4}" y="${y + 29}">${o.warm.p50} ms warm (${o.ratio}×)</text>`,
    ].join('\n');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">llmr: p50 latency per operation, cold vs warm (log scale)</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
