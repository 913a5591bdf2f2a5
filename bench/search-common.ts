/**
 * Shared pieces of the search benchmarks: fetching a pinned public npm package into
 * bench/.cache (gitignored) with `npm pack`, a quiet logger, the default exclusions and
 * writing results under bench/results/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { SearchConfig } from '../daemon/search/service.js';

/** The repository root (the folder holding package.json), from src or dist. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the benchmark');
    dir = up;
  }
  return dir;
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${String(r.status)}`);
}

/** Downloads NAME@VERSION with `npm pack` (once) and returns the unpacked package folder. */
export function fetchPackage(name: string, version: string): string {
  const cache = join(repoRoot(), 'bench', '.cache');
  const dest = join(cache, `${name.replace(/[@/]/g, '_')}-${version}`);
  const pkg = join(dest, 'package');
  if (existsSync(join(pkg, 'package.json'))) return pkg;
  mkdirSync(dest, { recursive: true });
  run('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', dest], dest);
  const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${name}@${version} produced no tarball`);
  run('tar', ['xzf', tgz], dest);
  return pkg;
}

/** A logger that keeps the benchmark output readable. */
export const quietLog = pino({ level: 'warn' });

const EXCLUDED = [/^\.git(\/|$)/, /(^|\/)\.env/, /\.(key|pem)$/, /(^|\/)(\.npmrc|\.netrc|id_rsa[^/]*|id_ed25519[^/]*)$/];

/** The path guard's default exclusions, approximated for the benchmarks. */
export function defaultExcluded(rel: string): boolean {
  return EXCLUDED.some((re) => re.test(rel));
}

/** A search configuration with the documented defaults (`LLMR_BENCH_CHUNKING=tree-sitter` scores the other chunking). */
export function benchConfig(indexExtensions: string[]): SearchConfig {
  const chunking = process.env.LLMR_BENCH_CHUNKING === 'tree-sitter' ? 'tree-sitter' : 'lines';
  return {
    enabled: true, ollamaUrl: 'http://localhost:11434', embeddingModel: 'nomic-embed-text', maxResults: 10,
    maxFileSize: 1_048_576, maxPreviewLength: 100, indexExtensions, chunking,
  };
}

/** Writes `bench/results/<name>.json` and `.md` (`<name>-tree-sitter.*` for the tree-sitter chunking); returns the paths. */
export function writeResults(name: string, json: unknown, markdown: string): string[] {
  const dir = resolve(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const suffix = process.env.LLMR_BENCH_CHUNKING === 'tree-sitter' ? '-tree-sitter' : '';
  const files = [join(dir, `${name}${suffix}.json`), join(dir, `${name}${suffix}.md`)];
  writeFileSync(files[0], `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(files[1], markdown);
  return files;
}
