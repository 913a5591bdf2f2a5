/**
 * The import rules of STYLE.md: client → protocol ← daemon, `protocol/` free of Node I/O, and
 * each third-party library imported by exactly one module.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => m[1]);
}

const all = ['protocol', 'daemon', 'client', 'images'].flatMap(sources);
const target = (file: string, spec: string): string => path.normalize(path.join(path.dirname(file), spec));

describe('layering', () => {
  it('keeps client and daemon apart', () => {
    const bad = all.flatMap((f) => imports(f).filter((s) => s.startsWith('.')).map((s) => [f, target(f, s)] as const))
      .filter(([f, t]) => (f.startsWith('client') && t.startsWith('daemon')) || (f.startsWith('daemon') && t.startsWith('client')));
    expect(bad).toEqual([]);
  });

  it('keeps protocol/ pure: no node:* modules, no daemon or client code, only vscode-jsonrpc and zod', () => {
    const bad = sources('protocol').flatMap((f) => imports(f).filter((s) =>
      s.startsWith('node:') || (s.startsWith('.') && !target(f, s).startsWith('protocol')) || (!s.startsWith('.') && !['vscode-jsonrpc', 'zod'].includes(s)))
      .map((s) => `${f} imports ${s}`));
    expect(bad).toEqual([]);
  });

  it('lets exactly one module import each wrapped library', () => {
    const owners: Record<string, string> = {
      dockerode: 'daemon/containers/docker.ts',
      'better-sqlite3': 'daemon/search/db.ts',
      chokidar: 'daemon/search/watch.ts',
      ollama: 'daemon/search/ollama.ts',
    };
    for (const [lib, owner] of Object.entries(owners)) {
      const users = all.filter((f) => imports(f).includes(lib));
      expect(users, lib).toEqual([owner]);
    }
  });
});
