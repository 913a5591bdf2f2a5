import { ConfigExplainRequest, type ConfigExplainResult, type ConfigValue } from '../../protocol/config.js';
import { EXIT } from '../../protocol/errors.js';
import type { Invocation } from '../args.js';
import { withClient, type CliIo } from '../cli-io.js';
import { existingRoot } from '../root.js';

type ConfigArgs = Extract<Invocation, { command: 'config' }>;

/** `llmr config [path]`: the daemon's effective config for a root with each value's source, or just the files it reads. */
export async function runConfig(args: ConfigArgs, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const r = await withClient(io, args.noSpawn, (client) => client.call(ConfigExplainRequest, { root }));
  if (args.json) io.stdout.write(JSON.stringify(args.action === 'path' ? pathsOf(r) : r) + '\n');
  else io.stdout.write(args.action === 'path' ? formatPaths(r) : formatExplain(r));
  return EXIT.OK;
}

function pathsOf(r: ConfigExplainResult): Record<string, unknown> {
  return { userFile: r.userFile, userFileExists: r.userFileExists, repositoryFile: r.repositoryFile, repositoryFileExists: r.repositoryFileExists };
}

const present = (exists: boolean | undefined): string => (exists === true ? '' : ' (not present)');

/** The two files, one per line: `user: PATH` and `repository: PATH`, each marked when absent. */
export function formatPaths(r: ConfigExplainResult): string {
  const lines = [`user:        ${r.userFile}${present(r.userFileExists)}`];
  if (r.repositoryFile !== undefined) lines.push(`repository:  ${r.repositoryFile}${present(r.repositoryFileExists)}`);
  return lines.join('\n') + '\n';
}

/** A size in bytes as the config writes it: `1m`, `100k`, else bytes. */
export function showSize(bytes: number): string {
  for (const [unit, n] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  return String(bytes);
}

/** A duration in milliseconds as the config writes it: `5m`, `30s`, `250ms`. */
export function showDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function show(v: ConfigValue): string {
  if (v.type === 'size' && typeof v.value === 'number') return showSize(v.value);
  if (v.type === 'duration' && typeof v.value === 'number') return showDuration(v.value);
  if (v.type === 'seconds' && typeof v.value === 'number') return `${v.value}s`;
  return JSON.stringify(v.value) ?? String(v.value);
}

function sourceOf(v: ConfigValue): string {
  return v.where === undefined ? v.source : `${v.source} (${v.where})`;
}

/** Files and environment first, then `key = value   source` for every key, aligned. */
export function formatExplain(r: ConfigExplainResult): string {
  const env = r.environment.length === 0 ? '(none)' : `${r.environment.join(', ')} (read when the daemon started; after a change: llmr daemon stop)`;
  const head = formatPaths(r) + `environment: ${env}\n\n`;
  const rows = r.values.map((v) => [v.key, show(v), sourceOf(v)] as const);
  const kw = Math.max(...rows.map(([k]) => k.length));
  const vw = Math.min(40, Math.max(...rows.map(([, v]) => v.length)));
  const body = rows.map(([k, v, s]) => `${k.padEnd(kw)}  ${v.padEnd(vw)}  ${s}`).join('\n');
  return `${head}${body}\n\nthe user file applies to the next request; LLMR_* variables need a daemon restart (llmr daemon stop)\n`;
}
