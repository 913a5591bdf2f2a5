import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkText } from './chunker.js';
import { createSyntax, defaultGrammarPath } from './syntax.js';
import type { Grammar } from './syntax-defs.js';

const log = pino({ level: 'silent' });
const scratch = mkdtempSync(join(tmpdir(), 'llmr-syntax-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function coversAll(text: string, rel: string, outline: Parameters<typeof chunkText>[2]): ReturnType<typeof chunkText> {
  const chunks = chunkText(text, rel, outline);
  expect(chunks.map((c) => c.text).join('')).toBe(text);
  chunks.forEach((c, i) => { if (i > 0) expect(c.startLine).toBe(chunks[i - 1].endLine + 1); });
  return chunks;
}

const SAMPLES: Array<[string, string, string[]]> = [
  ['a.rs', 'pub struct Pool {\n    n: usize,\n}\n\nimpl<T> Drop for Pool<T> {\n    fn drop(&mut self) {}\n}\n\ncfg_rt! {\n    pub fn spawn_blocking() {}\n}\n', ['Pool', 'drop']],
  ['A.java', 'public class Foo {\n  public Foo(\n      int x) {}\n  static <T> List<T>\n  copyOf(List<T> xs) { return xs; }\n}\n', ['Foo', 'copyOf']],
  ['A.kt', 'class HttpClient {\n  fun close() {}\n}\nfun HttpClient.config(block: () -> Unit) {}\nobject Plugins\n', ['HttpClient', 'close', 'config', 'Plugins']],
  ['a.c', 'static int\nuv_loop_init(uv_loop_t* loop)\n{\n  return 0;\n}\nstruct uv_s { int x; };\n', ['uv_loop_init', 'uv_s']],
  ['a.h', 'namespace fmt {\nclass format_error : public std::runtime_error {\n public:\n  using std::runtime_error::runtime_error;\n};\ntemplate <typename T> auto format_to(T out) -> T { return out; }\n}\n', ['fmt', 'format_error', 'format_to']],
  ['a.py', 'import x\n\n@decorator\nclass Model(Base):\n    def validate(self):\n        pass\n\nasync def main():\n    pass\n', ['Model', 'validate', 'main']],
  ['a.rb', 'module Rack\n  class Request\n    def params; end\n    def self.build; end\n  end\nend\n', ['Rack', 'Request', 'params', 'build']],
  ['a.js', 'module.exports = class SplitChunksPlugin {\n  apply(compiler) {}\n};\nconst helper = (x) => x;\nexports.other = function () {};\n', ['SplitChunksPlugin', 'apply', 'helper', 'other']],
  ['a.ts', 'export interface Options { a: number }\nexport type Id = string;\nexport abstract class Base {\n  protected abstract run(): void;\n}\nexport function go(): void {}\n', ['Options', 'Id', 'Base', 'go']],
  ['a.go', 'package x\n\ntype Server struct{}\n\nfunc (s *Server) ServeHTTP() {}\n\nfunc New() *Server { return nil }\n', ['Server', 'ServeHTTP', 'New']],
  ['a.ex', 'defmodule Phoenix.Endpoint do\n  def start_link(opts \\\\ []) do\n    :ok\n  end\n  defp check(x) when is_atom(x), do: x\nend\n', ['Phoenix.Endpoint', 'start_link', 'check']],
];

describe('search/syntax (tree-sitter)', () => {
  it('loads every grammar the dev set needs from node_modules and finds the definitions', async () => {
    const syntax = createSyntax({ log });
    await syntax.prepare(SAMPLES.map(([rel]) => rel));
    expect(syntax.status().failed).toEqual([]);
    expect(syntax.status().grammars).toEqual(['c', 'cpp', 'elixir', 'go', 'java', 'javascript', 'kotlin', 'python', 'ruby', 'rust', 'typescript']);
    for (const [rel, text, names] of SAMPLES) {
      const outline = syntax.outline(rel, text);
      expect(outline, rel).toBeDefined();
      const found = coversAll(text, rel, outline).flatMap((c) => c.symbols);
      for (const n of names) expect(found, `${rel}: ${n}`).toContain(n);
    }
    // a macro body the tree does not describe (cfg_rt! { … }) still yields its definitions, by the line patterns
    expect(coversAll(SAMPLES[0][1], 'a.rs', syntax.outline('a.rs', SAMPLES[0][1])).flatMap((c) => c.symbols)).toContain('spawn_blocking');
  });

  it('a grammar that fails to load (corrupt or missing .wasm) leaves its files to the line chunker and says so', async () => {
    const corrupt = join(scratch, 'corrupt.wasm');
    writeFileSync(corrupt, Buffer.from('\0asm\x01\0\0\0this is not a grammar'));
    const locate = (g: Grammar): string => (g === 'rust' ? corrupt : g === 'go' ? join(scratch, 'missing.wasm') : defaultGrammarPath(g));
    const syntax = createSyntax({ locate, log });
    await syntax.prepare(['a.rs', 'b.go', 'c.py']);
    await syntax.prepare(['a.rs']); // a failure is remembered, not retried and never thrown
    const st = syntax.status();
    expect(st.grammars).toEqual(['python']);
    expect(st.failed.map((f) => f.grammar)).toEqual(['go', 'rust']);
    expect(st.failed[0].error).toContain('missing.wasm');
    expect(st.failed[1].error).toContain('corrupt.wasm');
    const text = 'fn main() {\n    run();\n}\n';
    expect(syntax.outline('a.rs', text)).toBeUndefined();
    expect(coversAll(text, 'a.rs', undefined)[0].symbols).toEqual(['main']);
  });

  it('a file the parser gives up on (too large, too slow) is chunked by lines with every byte covered', async () => {
    const syntax = createSyntax({ log, maxParseBytes: 10_000 });
    await syntax.prepare(['big.py']);
    const big = Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? `def f${i}():` : `    x = ${i}  # é 漢字`)).join('\n');
    expect(syntax.outline('big.py', big)).toBeUndefined();
    expect(syntax.status().lineFallbacks).toBe(1);
    const chunks = coversAll(big, 'big.py', undefined);
    expect(chunks.length).toBeGreaterThan(10);
    const slow = createSyntax({ log, parseDeadlineMs: 0 });
    await slow.prepare(['big.py']);
    expect(slow.outline('big.py', big)).toBeUndefined();
    expect(slow.status().lineFallbacks).toBe(1);
  });

  it('chunks broken and odd input from the tree without losing a byte', async () => {
    const syntax = createSyntax({ log });
    await syntax.prepare(['x.ts', 'x.rs', 'x.c', 'x.ex']);
    const deep = `${'f(['.repeat(20_000)}${'])'.repeat(20_000)}\n`; // nesting far past any recursion limit
    const odd = [deep, '', '\n\n', 'fn (((( {{{ ]]] ;;\n'.repeat(50), 'class { def end do end }}}\n'.repeat(300), '\u0000\u0001binary\u00ff\r\n'.repeat(40), `${'x'.repeat(30_000)}\n`];
    for (const text of odd) for (const rel of ['x.ts', 'x.rs', 'x.c', 'x.ex']) coversAll(text, rel, syntax.outline(rel, text));
  });

  it('covers every byte of this repository\'s own sources when chunked from their trees', async () => {
    const syntax = createSyntax({ log });
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.ts')) files.push(p);
      }
    };
    walk(import.meta.dirname);
    await syntax.prepare(files);
    let withDefs = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const outline = syntax.outline(f, text);
      expect(outline, f).toBeDefined();
      if (coversAll(text, f, outline).some((c) => c.symbols.length > 0)) withDefs++;
    }
    expect(withDefs).toBeGreaterThan(files.length * 0.8);
  });
});
