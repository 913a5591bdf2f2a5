import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkText, definitionName } from './chunker.js';

function covers(text: string, rel: string): void {
  const chunks = chunkText(text, rel);
  expect(chunks.map((c) => c.text).join('')).toBe(text);
  expect(chunks.reduce((n, c) => n + Buffer.byteLength(c.text), 0)).toBe(Buffer.byteLength(text));
  chunks.forEach((c, i) => {
    expect(c.endLine).toBeGreaterThanOrEqual(c.startLine);
    if (i > 0) expect(c.startLine).toBe(chunks[i - 1].endLine + 1);
  });
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|js)$/.test(name)) out.push(p);
  }
  return out;
}

describe('search/chunker', () => {
  it('recognises definitions in common languages', () => {
    expect(definitionName('export async function loadUser(id: string) {', 'js')).toBe('loadUser');
    expect(definitionName('\tprocessModuleDependencies(module, callback) {', 'js')).toBe('processModuleDependencies');
    expect(definitionName('module.exports.eatComments = (input, pos) => {', 'js')).toBe('eatComments');
    expect(definitionName('    if (x) {', 'js')).toBeUndefined();
    expect(definitionName('    def parse_args(argv):', 'py')).toBe('parse_args');
    expect(definitionName('func (s *Server) ServeHTTP(w http.ResponseWriter) {', 'go')).toBe('ServeHTTP');
    expect(definitionName('pub(crate) async fn run_loop() {', 'rust')).toBe('run_loop');
    expect(definitionName('class Widget < Base', 'ruby')).toBe('Widget');
  });

  it('starts chunks at definitions and keeps their leading comments with them', () => {
    const body = (n: string) => [`function ${n}() {`, ...Array.from({ length: 8 }, (_, i) => `  work(${i});`), '}', ''];
    const text = ['// first', ...body('alpha'), '/** docs for beta */', ...body('beta')].join('\n');
    const chunks = chunkText(text, 'a.js');
    expect(chunks.map((c) => c.symbols[0])).toEqual(['alpha', 'beta']);
    expect(chunks[1].text.startsWith('/** docs for beta */\nfunction beta')).toBe(true);
    expect(chunks[1].startLine).toBe(13);
  });

  it('covers every byte of every file when files have odd shapes', () => {
    covers('', 'empty.ts');
    covers('no newline at end', 'x.txt');
    covers('\n\n\n', 'blank.txt');
    covers('a\r\nb\r\n', 'crlf.py');
    covers(`${'x'.repeat(20_000)}\nshort\n`, 'long-line.js');
    covers(Array.from({ length: 1000 }, (_, i) => `line ${i} é 漢字 🙂`).join('\n'), 'many.md');
    covers(Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `def f${i}():` : `    return ${i}`)).join('\n'), 'p.py');
  });

  it('covers every byte of this repository\'s own sources', () => {
    const root = join(import.meta.dirname, '..', '..');
    const files = [...sourceFiles(join(root, 'daemon')), ...sourceFiles(join(root, 'protocol'))];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) covers(readFileSync(f, 'utf8'), f);
  });

  it('keeps chunks small when a file has no definitions', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `row ${i}`).join('\n');
    const chunks = chunkText(text, 'data.txt');
    expect(chunks.length).toBeGreaterThanOrEqual(12);
    for (const c of chunks) expect(c.endLine - c.startLine + 1).toBeLessThanOrEqual(80);
  });

  it('finds C++ class templates and macro-decorated definitions', () => {
    expect(definitionName('template <typename Context> class basic_format_args {', 'c')).toBe('basic_format_args');
    expect(definitionName('FMT_EXPORT template <typename T> struct is_range {', 'c')).toBe('is_range');
    expect(definitionName('class FMT_API format_error : public std::runtime_error {', 'c')).toBe('format_error');
    expect(definitionName('enum class align { left };', 'c')).toBe('align');
  });

  it('finds Elixir modules and functions', () => {
    expect(definitionName('defmodule Phoenix.Router do', 'elixir')).toBe('Phoenix.Router');
    expect(definitionName('  defp do_match(conn, path) do', 'elixir')).toBe('do_match');
  });
});
