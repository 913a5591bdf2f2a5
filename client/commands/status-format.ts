import type { DaemonStatusResult } from '../../protocol/daemon.js';
import type { IndexStatus, PoolStatus, WorkspaceStatusResult } from '../../protocol/workspace.js';

/** The daemon part of `llmr status` / `llmr daemon status`. */
export function formatDaemonStatus(d: DaemonStatusResult): string {
  const docker = d.docker.reachable
    ? `reachable (API ${d.docker.apiVersion ?? '?'}, server ${d.docker.serverVersion ?? '?'})`
    : `unreachable${d.docker.error !== undefined ? `: ${d.docker.error}` : ''}`;
  const lines = [
    `daemon:      pid ${d.pid}, version ${d.daemonVersion}, protocol ${d.protocolVersion}, up ${formatDuration(d.uptimeMs)}`,
    `socket:      ${d.socket}`,
    `docker:      ${docker}`,
    `connections: ${d.connections}`,
    `workspaces:  ${d.workspaces.length === 0 ? '(none)' : d.workspaces.join(', ')}`,
  ];
  return lines.join('\n') + '\n';
}

/** The workspace part of `llmr status`: owner, config, pools table, index, audit. */
export function formatWorkspaceStatus(w: WorkspaceStatusResult): string {
  const lines = [
    `workspace:   ${w.root}`,
    `owner:       uid ${w.owner.uid}, gid ${w.owner.gid}`,
    `config:      ${w.configFiles.length === 0 ? '(defaults)' : w.configFiles.join(', ')}`,
    `audit log:   ${w.auditLog}`,
    `state dir:   ${w.stateDir}`,
    `cache dir:   ${w.cacheDir}`,
    ...(w.toolCache !== undefined ? [`tool cache:  ${w.toolCache.dir} (${(w.toolCache.bytes / 1048576).toFixed(1)} MiB of ${(w.toolCache.maxBytes / 1048576).toFixed(0)} MiB; llmr cache clear empties it)`] : []),
    '',
    'pools:',
    ...formatPools(w.pools).map((l) => `  ${l}`),
    '',
    ...formatIndex(w.index),
  ];
  return lines.join('\n') + '\n';
}

const POOL_COLUMNS = ['kind', 'size', 'idle', 'borrowed', 'waiting', 'min/max', 'hits', 'misses', 'acquire p50', 'p95'] as const;

function formatPools(pools: PoolStatus[]): string[] {
  if (pools.length === 0) return ['(none yet)'];
  const rows = pools.map((p) => [
    p.enabled ? p.kind : `${p.kind} (off)`,
    String(p.size),
    String(p.idle),
    String(p.borrowed),
    String(p.waiting),
    `${p.min}/${p.max}`,
    String(p.hits),
    String(p.misses),
    `${p.acquireP50Ms.toFixed(1)}ms`,
    `${p.acquireP95Ms.toFixed(1)}ms`,
  ]);
  const table = [[...POOL_COLUMNS], ...rows];
  const widths = POOL_COLUMNS.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const lines = table.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd());
  for (const p of pools) if (p.lastError !== undefined) lines.push(`${p.kind} last error: ${p.lastError}`);
  const warming = pools.filter((p) => p.enabled && p.idle + p.borrowed < p.min);
  const fresh = pools.filter((p) => p.enabled && p.hits === 0 && p.misses > 0);
  if (warming.length > 0 || fresh.length > 0) {
    lines.push(`warming: ${[...new Set([...warming, ...fresh].map((p) => p.kind))].join(', ')} — containers are being started (the pools are new: the`,
      '  daemon just started or a config file changed, which replaces the workspace\'s containers); hits and acquire times settle once they are warm');
  }
  return lines;
}

function formatIndex(index: IndexStatus | undefined): string[] {
  if (index === undefined) return ['index:       (search disabled)'];
  const coverage = `${index.vectors}/${index.chunks} chunks (${Math.round(index.vectorCoverage * 100)}%)`;
  const ollama = index.ollama.inUse
    ? `in use (${index.ollama.model} at ${index.ollama.url})`
    : `not in use${index.ollama.reason !== undefined ? ` (${index.ollama.reason})` : ''}; lexical search only`;
  const lines = [
    `index:       ${index.state}, ${index.files} files, ${index.chunks} chunks`,
    `vectors:     ${coverage}`,
    `ollama:      ${ollama}`,
    `watcher:     ${index.watcher}`,
  ];
  if (index.syntax !== undefined) {
    const { grammars, failed, lineFallbacks } = index.syntax;
    lines.push(`chunking:    tree-sitter (${grammars.length > 0 ? grammars.join(', ') : 'no grammar loaded yet'}); ${lineFallbacks} files chunked by lines after a parse failure`);
    for (const f of failed) lines.push(`warning:     ${f.error}; ${f.grammar} files are chunked by lines`);
  }
  if (index.lastReconcile !== undefined) lines.push(`reconciled:  ${index.lastReconcile}`);
  if (index.error !== undefined) lines.push(`error:       ${index.error}`);
  return lines;
}

/** `3d 4h`, `5m 3s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (parts.length === 0 && size === 1)) parts.push(`${n}${name}`);
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
