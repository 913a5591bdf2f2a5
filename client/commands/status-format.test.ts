import { describe, expect, it } from 'vitest';
import type { PoolStatus } from '../../protocol/workspace.js';
import { checkNode, formatChecks } from './doctor.js';
import { formatDaemonStatus, formatDuration, formatWorkspaceStatus } from './status-format.js';

const pool = (kind: PoolStatus['kind'], over: Partial<PoolStatus> = {}): PoolStatus => ({
  kind, enabled: true, size: 2, idle: 1, borrowed: 1, waiting: 0, max: 4, min: 1, hits: 120, misses: 3,
  created: 5, destroyed: 3, acquireP50Ms: 0.42, acquireP95Ms: 1.5, ...over,
});

describe('client/commands/status-format', () => {
  it('formats durations with the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(303_000)).toBe('5m 3s');
    expect(formatDuration(90_061_000)).toBe('1d 1h');
  });

  it('shows the daemon with Docker reachable or not', () => {
    const d = { pid: 7, daemonVersion: '0.1.0', protocolVersion: 1, uptimeMs: 65_000, socket: '/s', workspaces: ['/r'], connections: 2 };
    expect(formatDaemonStatus({ ...d, docker: { reachable: true, apiVersion: '1.41', serverVersion: '20.10' } })).toBe(
      'daemon:      pid 7, version 0.1.0, protocol 1, up 1m 5s\nsocket:      /s\ndocker:      reachable (API 1.41, server 20.10)\nconnections: 2\nworkspaces:  /r\n',
    );
    expect(formatDaemonStatus({ ...d, workspaces: [], docker: { reachable: false, error: 'ENOENT' } })).toContain('docker:      unreachable: ENOENT\nconnections: 2\nworkspaces:  (none)\n');
  });

  it('shows the tree-sitter chunker and warns about a grammar that failed to load', () => {
    const text = formatWorkspaceStatus({
      root: '/r', owner: { uid: 1000, gid: 1000 }, configFiles: [], auditLog: '/a', stateDir: '/st', cacheDir: '/c', pools: [],
      index: { state: 'ready', files: 3, chunks: 9, vectors: 0, vectorCoverage: 0, ollama: { inUse: false, model: 'm', url: 'http://x' }, watcher: 'off',
        syntax: { parser: 'tree-sitter', grammars: ['typescript'], failed: [{ grammar: 'python', error: 'grammar python failed to load from /x.wasm: bad magic' }], lineFallbacks: 2 } },
    });
    expect(text).toContain('chunking:    tree-sitter (typescript); 2 files chunked by lines after a parse failure\n');
    expect(text).toContain('warning:     grammar python failed to load from /x.wasm: bad magic; python files are chunked by lines\n');
  });

  it('shows pools as an aligned table with acquire percentiles, and the index with vector coverage', () => {
    const text = formatWorkspaceStatus({
      root: '/r', owner: { uid: 1000, gid: 1000 }, configFiles: [], auditLog: '/a', stateDir: '/st', cacheDir: '/c',
      pools: [pool('io-read'), pool('exec', { enabled: false, lastError: 'image llmr-exec missing' })],
      index: { state: 'ready', files: 10, chunks: 40, vectors: 10, vectorCoverage: 0.25, ollama: { inUse: false, reason: 'unreachable', model: 'nomic-embed-text', url: 'http://x' }, watcher: 'watching' },
    });
    const lines = text.split('\n');
    const header = lines.indexOf('pools:') + 1;
    expect(lines[header]).toBe('  kind        size  idle  borrowed  waiting  min/max  hits  misses  acquire p50    p95');
    expect(lines[header + 1]).toBe('  io-read        2     1         1        0      1/4   120       3        0.4ms  1.5ms');
    expect(lines[header + 2]).toMatch(/^ {2}exec \(off\) /);
    expect(text).toContain('  exec last error: image llmr-exec missing\n');
    expect(text).toContain('index:       ready, 10 files, 40 chunks\nvectors:     10/40 chunks (25%)\nollama:      not in use (unreachable); lexical search only\n');
    expect(text).toContain('config:      (defaults)\n');
    expect(text).not.toContain('warming');
  });

  it('says why fresh pools show no hits and slow acquires (containers being replaced)', () => {
    const text = formatWorkspaceStatus({
      root: '/r', owner: { uid: 1000, gid: 1000 }, configFiles: [], auditLog: '/a', stateDir: '/st', cacheDir: '/c',
      pools: [pool('io-read'), pool('exec', { hits: 0, misses: 2, idle: 0, borrowed: 0, acquireP50Ms: 74 })],
    });
    expect(text).toMatch(/\n {2}warming: exec — containers are being started .*config file changed/s);
  });
});

describe('client/commands/doctor', () => {
  it('prints ok and FAIL lines with the fix under failures', () => {
    expect(formatChecks([
      { name: 'node', ok: true, detail: 'v20.19.0' },
      { name: 'image llmr-io', ok: false, detail: 'missing', fix: 'llmr images build' },
    ])).toBe('ok   node: v20.19.0\nFAIL image llmr-io: missing\n     fix: llmr images build\n');
  });

  it('prints a warning as warn with its fix', () => {
    expect(formatChecks([{ name: 'command rg', ok: true, warning: true, detail: 'rg is missing', fix: 'use another image' }]))
      .toBe('warn command rg: rg is missing\n     fix: use another image\n');
  });

  it('requires Node 20.19 or newer', () => {
    expect(checkNode('20.19.0').ok).toBe(true);
    expect(checkNode('22.1.0').ok).toBe(true);
    expect(checkNode('20.18.3')).toEqual({ name: 'node', ok: false, detail: 'v20.18.3', fix: 'install Node 20.19 or newer' });
  });
});
