/**
 * The import rules, from one description (test/layers.json): every relative import goes to the
 * same part or to a part its part may import; each third-party library is imported only by its
 * owners; protocol/ imports no node: builtins; private modules stay private; the README's
 * architecture section is rendered from the same file. Test files are free.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Layers {
  parts: Record<string, { imports: string[]; node?: boolean; planned?: boolean }>;
  libraries: Record<string, string[]>;
  private: Record<string, string[]>;
  request: { hops: Array<[string, string, string]> };
}

const layers = JSON.parse(readFileSync('test/layers.json', 'utf8')) as Layers;
const architecture = (await import('../scripts/architecture.mjs')) as { renderArchitecture(l: Layers): string; START: string; END: string };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.posix.join(dir, e.name);
    // dot folders (bench/.cache holds downloaded packages) and node_modules are not llmr's source
    if (e.isDirectory()) return e.name.startsWith('.') || e.name === 'node_modules' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => m[1]);
}

/** `key` is `file` itself or a folder above it. */
const covers = (key: string, file: string): boolean => file === key || file.startsWith(`${key}/`);

/** The longest part key that covers `file`. */
function partOf(file: string): string | undefined {
  return Object.keys(layers.parts).filter((k) => covers(k, file)).sort((a, b) => b.length - a.length)[0];
}

/** The library an import names (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`). */
function library(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const all = ['protocol', 'daemon', 'client', 'images', 'bench'].flatMap(sources);
const target = (file: string, spec: string): string => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');

describe('layering (test/layers.json)', () => {
  it('puts every source file in a part, and every part and hop exists', () => {
    expect(all.filter((f) => partOf(f) === undefined)).toEqual([]);
    const keys = Object.entries(layers.parts).filter(([, p]) => p.planned !== true).map(([k]) => k);
    for (const key of [...keys, ...layers.request.hops.map(([f]) => f)]) expect(existsSync(key), key).toBe(true);
  });

  it('allows only the listed arrows between parts', () => {
    const bad = all.flatMap((f) => imports(f).filter((s) => s.startsWith('.')).flatMap((s) => {
      const from = partOf(f) as string;
      const to = partOf(target(f, s));
      if (to === from) return [];
      return to !== undefined && layers.parts[from].imports.includes(to) ? [] : [`${f} (${from}) imports ${s} (${to ?? 'no part'})`];
    }));
    expect(bad).toEqual([]);
  });

  it('lets only the owners of each third-party library import it', () => {
    const bad = all.flatMap((f) => imports(f).filter((s) => !s.startsWith('.') && !s.startsWith('node:')).flatMap((s) => {
      const owners = layers.libraries[library(s)];
      if (owners === undefined) return [`${f} imports ${s}, which test/layers.json does not list`];
      return owners.some((o) => covers(o, f)) ? [] : [`${f} imports ${s}; owners: ${owners.join(', ')}`];
    }));
    expect(bad).toEqual([]);
  });

  it('keeps node: builtins out of the parts that must stay pure', () => {
    const pure = Object.entries(layers.parts).filter(([, p]) => p.node === false).map(([k]) => k);
    const bad = all.filter((f) => pure.includes(partOf(f) as string)).flatMap((f) => imports(f).filter((s) => s.startsWith('node:')).map((s) => `${f} imports ${s}`));
    expect(bad).toEqual([]);
  });

  it('keeps private modules (the helper wire format) inside their parts', () => {
    const bad = Object.entries(layers.private).flatMap(([mod, users]) => all.flatMap((f) => imports(f)
      .filter((s) => s.startsWith('.') && target(f, s) === mod && !users.some((u) => covers(u, f)))
      .map((s) => `${f} imports ${s}`)));
    expect(bad).toEqual([]);
  });

  it('shows the same description in the README (node scripts/architecture.mjs --write regenerates it)', () => {
    const readme = readFileSync('README.md', 'utf8');
    const from = readme.indexOf(architecture.START);
    const to = readme.indexOf(architecture.END);
    expect(from).toBeGreaterThan(0);
    expect(readme.slice(from, to + architecture.END.length)).toBe(architecture.renderArchitecture(layers));
  });
});
