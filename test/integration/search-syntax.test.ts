import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSearch, type SearchConfig, type SearchService } from '../../daemon/search/service.js';
import { defaultGrammarPath } from '../../daemon/search/syntax.js';
import type { Grammar } from '../../daemon/search/syntax-defs.js';
import { dumpIndex } from '../support/index-dump.js';

const base: SearchConfig = {
  enabled: true, ollamaUrl: 'http://127.0.0.1:9', embeddingModel: 'nomic-embed-text', maxResults: 10,
  maxFileSize: 1 << 20, maxPreviewLength: 100, indexExtensions: [],
};
const tree: SearchConfig = { ...base, chunking: 'tree-sitter' };
const isExcluded = (rel: string): boolean => /^\.git(\/|$)/.test(rel);

describe('search with tree-sitter chunking (real grammars, real SQLite, temp directories)', () => {
  let root: string;
  let cacheDir: string;
  const open: SearchService[] = [];
  const put = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const start = async (config: SearchConfig, grammarPath?: (g: Grammar) => string): Promise<SearchService> => {
    const s = await createSearch({ root, cacheDir, config, isExcluded, log: pino({ level: 'silent' }), watch: false, grammarPath });
    open.push(s);
    await s.ready();
    return s;
  };
  /** The chunks of one file, in order, and whether they give the file back byte for byte. */
  const chunksOf = (rel: string): { rows: Array<{ startLine: number; endLine: number; symbols: string }>; whole: boolean } => {
    const rows = (dumpIndex(cacheDir) as Array<{ path: string; startLine: number; endLine: number; symbols: string; text: string }>).filter((r) => r.path === rel);
    return { rows, whole: rows.map((r) => r.text).join('') === readFileSync(join(root, rel), 'utf8') };
  };

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-syntax-root-')));
    cacheDir = mkdtempSync(join(tmpdir(), 'llmr-syntax-cache-'));
    put('src/pool.ts', ['export class ConnectionPool {', '  constructor(private size: number) {}', '',
      '  /** Hands out a connection. */', '  acquireConnection(): Connection {', '    return this.free.pop() ?? this.open();', '  }', '',
      ...Array.from({ length: 6 }, (_, i) => `  helper${i}(): void {\n    work(${i});\n  }\n`), '}', ''].join('\n'));
    put('tools/render.py', 'class InvoiceRenderer:\n    def render_total(self, lines):\n        return sum(l.amount for l in lines)\n');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('chunks by parse tree and reports the grammars in status', async () => {
    const s = await start(tree);
    const r = await s.query('acquireConnection');
    expect(r.results[0]).toMatchObject({ path: 'src/pool.ts' });
    const st = s.status();
    expect(st.syntax).toEqual({ parser: 'tree-sitter', grammars: ['python', 'typescript'], failed: [], lineFallbacks: 0 });
    const { rows, whole } = chunksOf('src/pool.ts');
    expect(whole).toBe(true);
    expect(rows.some((c) => /\bacquireConnection\b/.test(c.symbols))).toBe(true);
  });

  it('a grammar that fails to load falls back to lines, with a warning in status', async () => {
    const corrupt = join(cacheDir, 'tree-sitter-python.wasm');
    writeFileSync(corrupt, 'not wasm at all');
    const s = await start(tree, (g) => (g === 'python' ? corrupt : defaultGrammarPath(g)));
    const st = s.status();
    expect(st.syntax?.grammars).toEqual(['typescript']);
    expect(st.syntax?.failed).toHaveLength(1);
    expect(st.syntax?.failed[0]).toMatchObject({ grammar: 'python' });
    expect(st.syntax?.failed[0].error).toContain(corrupt);
    expect(st.state).toBe('ready');
    // the python file is still indexed (by lines) and found
    expect((await s.query('render_total')).results[0]).toMatchObject({ path: 'tools/render.py', startLine: 1 });
    expect(chunksOf('tools/render.py').whole).toBe(true);
  });

  it('a file too large for the parser is chunked by lines, every byte kept', async () => {
    const lines = Array.from({ length: 24_000 }, (_, i) => (i % 20 === 0 ? `export function step${i}(x: number) {` : i % 20 === 19 ? '}' : `  x += ${i}; // é 漢字`));
    put('src/huge.ts', `${lines.join('\n')}\n`);
    const s = await start(tree);
    expect(s.status().syntax?.lineFallbacks).toBe(1);
    const { rows, whole } = chunksOf('src/huge.ts');
    expect(whole).toBe(true);
    expect(rows.length).toBeGreaterThan(100);
    expect((await s.query('step23980')).results[0]).toMatchObject({ path: 'src/huge.ts', startLine: 23981 });
  });

  it('switching the chunking re-chunks unchanged files on the next start', async () => {
    put('src/plugin.js', 'module.exports = class SplitChunksPlugin {\n  apply(compiler) {\n    compiler.run();\n  }\n};\n');
    await (await start(base)).close();
    open.length = 0;
    // the line patterns do not see a class assigned to module.exports; the parse tree does
    expect(chunksOf('src/plugin.js').rows.some((c) => /\bSplitChunksPlugin\b/.test(c.symbols))).toBe(false);
    const s = await start(tree);
    expect(s.status().syntax?.grammars).toContain('javascript');
    expect(chunksOf('src/plugin.js').rows.some((c) => /\bSplitChunksPlugin\b/.test(c.symbols))).toBe(true);
  });
});
