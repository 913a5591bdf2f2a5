import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../daemon/search/db.js';
import { dumpIndex } from '../support/index-dump.js';
import { createSearch, type SearchConfig, type SearchService } from '../../daemon/search/service.js';

const config: SearchConfig = {
  enabled: true, ollamaUrl: 'http://127.0.0.1:9', embeddingModel: 'nomic-embed-text', maxResults: 10,
  maxFileSize: 1 << 20, maxPreviewLength: 100, indexExtensions: ['.ts', '.js', '.py', '.md', '.txt', '.log', '.dat', '.pem'],
};
const isExcluded = (rel: string): boolean => /(^|\/)\.env/.test(rel) || rel.endsWith('.pem') || /^\.git(\/|$)/.test(rel);

function capturingLog(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('search/service (real SQLite, temp directories)', () => {
  let root: string;
  let cacheDir: string;
  const open: SearchService[] = [];
  const put = (rel: string, text: string | Buffer): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const start = async (extra: Partial<Parameters<typeof createSearch>[0]> = {}): Promise<SearchService> => {
    const s = await createSearch({ root, cacheDir, config, isExcluded, log: pino({ level: 'silent' }), watch: false, ...extra });
    open.push(s);
    await s.ready();
    return s;
  };

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-search-root-')));
    cacheDir = mkdtempSync(join(tmpdir(), 'llmr-search-cache-'));
    put('src/auth/login.ts', ['import { db } from "../db";', '', '/** Checks a password. */',
      'export async function verifyPassword(user: string, password: string) {', '  const row = await db.users.find(user);',
      '  return row.hash === hash(password);', '}', ''].join('\n'));
    put('src/auth/login.test.ts', 'import { verifyPassword } from "./login";\ntest("verifyPassword", () => verifyPassword("a", "b"));\n');
    put('src/billing/invoice.py', 'class InvoiceRenderer:\n    def render_total(self, lines):\n        return sum(l.amount for l in lines)\n');
    put('README.md', '# Demo\nA demo repository about invoices and passwords.\n');
    put('.env', 'SECRET_TOKEN=zebracornflakes\n');
    put('certs/server.pem', 'zebracornflakes private key\n');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('finds a definition with its line range, snippet and size when asked by name', async () => {
    const s = await start();
    const r = await s.query('verifyPassword');
    expect(r.mode).toBe('lexical');
    expect(r.results[0]).toMatchObject({ path: 'src/auth/login.ts', startLine: 4, endLine: 7, size: 207, lineCount: 7 });
    expect(r.results[0].snippet).toBe('export async function verifyPassword(user: string, password: string) {\n...');
    expect(r.limit).toBe(10);
    expect(r.results.map((h) => h.path).slice(0, 2)).toEqual(['src/auth/login.ts', 'src/auth/login.test.ts']);
    const nl = await s.query('render the invoice total');
    expect(nl.results[0].path).toBe('src/billing/invoice.py');
    expect(s.status()).toMatchObject({ state: 'ready', files: 4, watcher: 'off', ollama: { inUse: false } });
  });

  it('gives each hit a snippet that is the text of its startLine..endLine, indentation kept', async () => {
    put('src/greet.py', 'def farewell(name: str) -> str:\n    """Return a polite goodbye."""\n    return f"Bye {name}"\n');
    put('src/deep.ts', ['export class Deep {', ...Array.from({ length: 12 }, (_, i) => `  field${i} = ${i};`), '  goodbyeHandler() {', '    return 1;', '  }', '}', ''].join('\n'));
    const s = await start();
    const r = await s.query('goodbye function');
    expect(r.results.map((h) => h.path)).toEqual(expect.arrayContaining(['src/greet.py', 'src/deep.ts']));
    for (const hit of r.results) {
      const lines = readFileSync(join(root, hit.path), 'utf8').split('\n').slice(hit.startLine - 1, hit.endLine).join('\n');
      const kept = hit.snippet.endsWith('\n...') ? hit.snippet.slice(0, -4) : hit.snippet;
      expect(lines.startsWith(kept), `${hit.path} ${hit.startLine}-${hit.endLine}`).toBe(true);
      expect(kept.length).toBeGreaterThan(0);
    }
    const greet = r.results.find((h) => h.path === 'src/greet.py')!;
    expect(greet).toMatchObject({ startLine: 1, endLine: 3 });
    expect(greet.snippet.startsWith('def farewell(name: str) -> str:\n    """Return a polite goodbye."""')).toBe(true);
    const deep = r.results.find((h) => h.path === 'src/deep.ts')!;
    expect(deep).toMatchObject({ startLine: 14, endLine: 17, snippet: '  goodbyeHandler() {\n    return 1;\n  }\n}' });
  });

  it('puts the code a question is about ahead of changelogs and licences, and drops results far below the best', async () => {
    put('History.md', '4.1.0\n* route parameters are parsed faster\n* fix parsing of route parameters with dots\n* route parameters parsed\n'.repeat(3));
    put('LICENSE.txt', 'route parameters parsed under the terms of this licence\n');
    put('src/layer.js', '// route parameters are parsed here\nexport function decode(path) {\n  return path.split("/").filter((s) => s.startsWith(":"));\n}\n');
    const s = await start();
    const r = await s.query('how are route parameters parsed');
    expect(r.results[0].path).toBe('src/layer.js');
    const top = r.results[0].score;
    expect(r.results.every((h) => h.score >= top * 0.1 - 1e-4)).toBe(true);
    expect((await s.query('what changed in the history of route parameters')).results[0].path).toBe('History.md');
  });

  it('reports the result cap it applied', async () => {
    for (let i = 0; i < 12; i++) put(`many/cap${i}.ts`, `export const capped${i} = "capstone";\n`);
    const s = await start();
    const byDefault = await s.query('capstone');
    expect([byDefault.limit, byDefault.results.length]).toEqual([10, 10]);
    const three = await s.query('capstone', { limit: 3 });
    expect([three.limit, three.results.length]).toEqual([3, 3]);
    expect((await s.query('capstone', { limit: 1000 })).limit).toBe(100);
    expect((await s.query('nothingmatchesthis')).limit).toBe(10);
  });

  it('never indexes nor returns excluded and protected files', async () => {
    const s = await start();
    expect((await s.query('zebracornflakes')).results).toEqual([]);
    const { store } = openStore(join(cacheDir, 'index.sqlite'));
    const paths = new Set(store.dumpChunks().map((c) => c.path));
    store.close();
    expect([...paths].sort()).toEqual(['README.md', 'src/auth/login.test.ts', 'src/auth/login.ts', 'src/billing/invoice.py']);
  });

  it('answers empty, 10 000-character and operator-laden queries without crashing', async () => {
    const s = await start();
    await expect(s.query('   ')).rejects.toMatchObject({ code: 'INVALID_SYNTAX', message: 'search query is empty' });
    expect((await s.query('x'.repeat(10_000))).results).toEqual([]);
    expect((await s.query('password '.repeat(1500))).results[0].path).toBe('src/auth/login.ts');
    for (const q of ['"', '""', '*', 'NEAR', 'AND', 'OR NOT', ':', '()', 'verify* AND (user:"x")', 'NEAR(a b, 3)', '^user', '-', '\0', '🙂']) {
      const r = await s.query(q);
      expect(Array.isArray(r.results)).toBe(true);
    }
    expect((await s.query('user:"password" AND (hash)')).results[0].path).toBe('src/auth/login.ts');
  });

  it('skips binary, invalid UTF-8, a 50 MB file and a symlink loop when indexing', async () => {
    put('data/blob.dat', Buffer.from([1, 2, 0, 3, 4]));
    put('data/latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    put('data/huge.log', '');
    truncateSync(join(root, 'data/huge.log'), 50 * 1024 * 1024);
    symlinkSync('loop2', join(root, 'loop1'));
    symlinkSync('loop1', join(root, 'loop2'));
    symlinkSync('.', join(root, 'data/self'));
    const s = await start();
    expect(s.status()).toMatchObject({ state: 'ready', files: 4, skipped: 3 });
    expect((await s.query('password')).results[0].path).toBe('src/auth/login.ts');
  });

  it('drops a file deleted while it is being indexed', async () => {
    for (let i = 0; i < 250; i++) put(`gen/file${i}.ts`, `export const value${i} = ${i};\n`);
    const s = await start();
    let deleted = false;
    const r = await s.reindex({ onProgress: (p) => {
      if (p.phase === 'index' && p.done === 100 && !deleted) { unlinkSync(join(root, 'gen/file200.ts')); deleted = true; }
    } });
    expect(deleted).toBe(true);
    expect(r.files).toBe(253);
    expect((await s.query('value200', { limit: 100 })).results.map((h) => h.path)).not.toContain('gen/file200.ts');
    expect((await s.query('value199')).results[0].path).toBe('gen/file199.ts');
  });

  it('rebuilds a corrupt index database with a warning and a status note', async () => {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'index.sqlite'), Buffer.alloc(8192, 0x5a));
    const { log, lines } = capturingLog();
    const s = await start({ log });
    expect(s.status().note).toMatch(/^index database .*index\.sqlite was unreadable \(.*\) and was rebuilt$/);
    expect(lines.some((l) => l.level === 40 && /rebuilt/.test(String(l.msg)))).toBe(true);
    expect((await s.query('verifyPassword')).results[0].path).toBe('src/auth/login.ts');
  });

  it('gives the same chunk table after an incremental reconcile as after a full rebuild', async () => {
    const first = await start();
    await first.close();
    open.length = 0;
    put('src/auth/login.ts', 'export function verifyPassword() {\n  return false;\n}\n');
    unlinkSync(join(root, 'README.md'));
    put('src/new/feature.ts', 'export class FeatureFlag {}\n');
    await start();
    const incremental = dumpIndex(cacheDir);
    const freshDir = mkdtempSync(join(tmpdir(), 'llmr-search-fresh-'));
    try {
      await start({ cacheDir: freshDir });
      expect(dumpIndex(freshDir)).toEqual(incremental);
    } finally {
      for (const s of open.splice(0)) await s.close();
      rmSync(freshDir, { recursive: true, force: true });
    }
    expect(incremental.length).toBeGreaterThan(0);
    expect(JSON.stringify(incremental)).toContain('FeatureFlag');
    expect(JSON.stringify(incremental)).not.toContain('README.md');
  });

  it('ranks the defining file above files that only use a symbol, and tests last unless asked for', async () => {
    put('src/billing/report.ts', Array.from({ length: 30 }, () => 'renderTotal(lines); renderTotal(more);').join('\n'));
    put('src/billing/total.ts', 'export function renderTotal(lines: Line[]) {\n  return lines.length;\n}\n');
    put('test/billing/total.spec.ts', 'describe("renderTotal", () => { renderTotal([]); renderTotal([1]); });\n');
    const s = await start();
    expect((await s.query('renderTotal')).results.map((h) => h.path).slice(0, 3)).toEqual(['src/billing/total.ts', 'src/billing/report.ts', 'test/billing/total.spec.ts']);
    expect((await s.query('renderTotal spec tests')).results[0].path).toBe('test/billing/total.spec.ts');
  });

  it('stops a reindex with CANCELLED when its signal is aborted', async () => {
    for (let i = 0; i < 300; i++) put(`many/f${i}.ts`, `export const v${i} = ${i};\n`);
    const s = await start();
    const ac = new AbortController();
    const run = s.reindex({ signal: ac.signal, onProgress: (p) => { if (p.done >= 100) ac.abort(); } });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(s.status().state).toBe('ready');
    expect((await s.query('verifyPassword')).results[0].path).toBe('src/auth/login.ts');
  });

  it('refuses queries with a clear error when search is disabled', async () => {
    const s = await createSearch({ root, cacheDir, config: { ...config, enabled: false }, isExcluded, log: pino({ level: 'silent' }) });
    await expect(s.query('x')).rejects.toMatchObject({ code: 'COMMAND_DISABLED' });
    expect(s.status().state).toBe('disabled');
  });
});
