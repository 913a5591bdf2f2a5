import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpIndex } from '../support/index-dump.js';
import { createSearch, type SearchConfig, type SearchService } from '../../daemon/search/service.js';
import { startWatch, type WatchChange } from '../../daemon/search/watch.js';

const config: SearchConfig = {
  enabled: true, ollamaUrl: 'http://127.0.0.1:9', embeddingModel: 'nomic-embed-text', maxResults: 10,
  maxFileSize: 1 << 20, maxPreviewLength: 100, indexExtensions: ['.ts', '.md'],
};
const isExcluded = (rel: string): boolean => /(^|\/)\.env/.test(rel) || /^\.git(\/|$)/.test(rel);

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, ms: performance.now() - t0 };
    if (performance.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('search/watch (real directory watches)', () => {
  let root: string;
  let cacheDir: string;
  let service: SearchService | undefined;
  const put = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const found = (q: string, path: string) => async () => {
    const r = await service!.query(q, { limit: 50 });
    return r.results.some((h) => h.path === path) ? true : undefined;
  };

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-watch-root-')));
    cacheDir = mkdtempSync(join(tmpdir(), 'llmr-watch-cache-'));
    for (let i = 0; i < 20; i++) put(`src/m${i}.ts`, `export function module${i}() { return ${i}; }\n`);
    put('.gitignore', 'ignored/\n');
    put('ignored/big.ts', 'export const hiddenthing = 1;\n');
    execFileSync('git', ['init', '-q'], { cwd: root });
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  // the 1 s goal is measured by bench/search-perf.ts (edit → searchable); here the watcher must see
  // each change at all, within a deadline that a loaded test machine meets
  it('makes a saved edit, a new file and a deletion searchable without a restart', async () => {
    service = await createSearch({ root, cacheDir, config, isExcluded, log: pino({ level: 'silent' }) });
    await service.ready();
    expect(service.status().watcher).toBe('watching');
    put('src/m3.ts', 'export function quasarFrobnicator() { return 3; }\n');
    await until('edit searchable', found('quasarFrobnicator', 'src/m3.ts'), 5000);
    put('src/brand-new.ts', 'export const nebulaWidget = 1;\n');
    await until('new file searchable', found('nebulaWidget', 'src/brand-new.ts'), 5000);
    unlinkSync(join(root, 'src/m4.ts'));
    await until('deleted file gone', async () => ((await service!.query('module4')).results.some((h) => h.path === 'src/m4.ts') ? undefined : true), 5000);
    put('ignored/other.ts', 'export const secludedmarmot = 1;\n');
    await new Promise((r) => setTimeout(r, 400));
    expect((await service.query('secludedmarmot')).results).toEqual([]);
  });

  it('collapses a burst of 500 changes into a few reconciles that match a full rebuild', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(c, _e, cb) { lines.push(JSON.parse(String(c))); cb(); } });
    service = await createSearch({ root, cacheDir, config, isExcluded, log: pino({ level: 'debug' }, sink) });
    await service.ready();
    await new Promise((r) => setTimeout(r, 300));
    const before = lines.filter((l) => l.msg === 'index reconciled').length;
    for (let i = 0; i < 500; i++) put(`burst/b${i}.ts`, `export const burstValue${i} = ${i};\n`);
    for (let i = 0; i < 20; i += 2) put(`src/m${i}.ts`, `export function changed${i}() {}\n`);
    await until('last burst file searchable', found('burstValue499', 'burst/b499.ts'), 5000);
    await new Promise((r) => setTimeout(r, 500));
    const reconciles = lines.filter((l) => l.msg === 'index reconciled').length - before;
    expect(reconciles).toBeGreaterThanOrEqual(1);
    expect(reconciles).toBeLessThanOrEqual(4);
    expect(service.status().files).toBe(520);
    const incremental = dumpIndex(cacheDir);
    const fresh = mkdtempSync(join(tmpdir(), 'llmr-watch-fresh-'));
    const full = await createSearch({ root, cacheDir: fresh, config, isExcluded, log: pino({ level: 'silent' }), watch: false });
    await full.ready();
    await full.close();
    expect(dumpIndex(fresh)).toEqual(incremental);
    rmSync(fresh, { recursive: true, force: true });
  });

  it('falls back to a periodic reconcile when the OS runs out of watches', async () => {
    const changes: WatchChange[] = [];
    const handle = startWatch({ root, prune: (rel) => rel.startsWith('.git'), onChange: (c) => changes.push(c),
      log: pino({ level: 'silent' }), pollMs: 100 });
    await handle.ready();
    expect(handle.state()).toBe('watching');
    handle.handleError(Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
    expect(handle.state()).toBe('polling');
    changes.length = 0;
    await until('periodic reconcile', async () => (changes.filter((c) => c.full).length >= 2 ? true : undefined), 2000);
    handle.handleError(Object.assign(new Error('some other failure'), { code: 'EIO' }));
    expect(handle.state()).toBe('polling');
    await handle.close();
    expect(handle.state()).toBe('off');
  });

  it('prunes ignored folders before watching them', async () => {
    const asked: string[] = [];
    const handle = startWatch({ root, log: pino({ level: 'silent' }), onChange: () => undefined,
      prune: (rel) => { asked.push(rel); return rel === 'ignored' || rel === '.git'; } });
    await handle.ready();
    await handle.close();
    expect(asked).toContain('ignored');
    expect(asked.some((p) => p.startsWith('ignored/'))).toBe(false);
    expect(asked.some((p) => p.startsWith('.git/'))).toBe(false);
  });
});
