/**
 * Splits a file into chunks with line ranges. Boundaries come from the file's parse tree when
 * there is one (syntax.ts: definitions and where statements and members start), else from regex
 * heuristics for definitions (function/class/def/fn/func …) in common languages, with leading
 * comments and decorators kept with the definition; other files are cut on blank lines. Chunks
 * are contiguous: their texts concatenated give the file back, so every byte lies in a chunk.
 */
import type { Outline } from './syntax-defs.js';


export interface Chunk {
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
  /** Names defined in the chunk, first one first. */
  symbols: string[];
}

const MIN_LINES = 6;
const MAX_LINES = 80;
const MAX_CHARS = 4000;
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'with', 'else', 'do', 'new', 'typeof', 'await', 'super', 'constructor']);

type Lang = 'js' | 'py' | 'go' | 'rust' | 'java' | 'c' | 'ruby' | 'php' | 'elixir' | 'none';

const EXT_LANG: Record<string, Lang> = {
  js: 'js', mjs: 'js', cjs: 'js', jsx: 'js', ts: 'js', mts: 'js', cts: 'js', tsx: 'js', flow: 'js', vue: 'js', svelte: 'js',
  py: 'py', pyi: 'py', go: 'go', rs: 'rust', java: 'java', kt: 'java', kts: 'java', scala: 'java', cs: 'java', swift: 'java',
  c: 'c', h: 'c', cc: 'c', cpp: 'c', cxx: 'c', hpp: 'c', hh: 'c', m: 'c', rb: 'ruby', php: 'php', ex: 'elixir', exs: 'elixir',
};

const PATTERNS: Record<Lang, RegExp[]> = {
  js: [
    /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/,
    /^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:class|interface|enum|namespace)\s+([A-Za-z_$][\w$]*)/,
    /^\s*(?:export\s+)?(?:declare\s+)?type\s+([A-Za-z_$][\w$]*)\s*(?:<[^=]*>)?\s*=/,
    /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>|class\b)/,
    /^\s*(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=/,
    /^\s*[A-Za-z_$][\w$.]*\.prototype\.([A-Za-z_$][\w$]*)\s*=/,
    /^\s*(?:(?:public|private|protected|static|async|get|set|override|readonly|abstract)\s+)*\*?\s*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\([^;]*\)\s*(?::\s*[^;{]+)?\{\s*$/,
  ],
  py: [/^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)/, /^\s*class\s+([A-Za-z_]\w*)/],
  go: [/^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/, /^type\s+([A-Za-z_]\w*)/],
  rust: [/^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+|async\s+|unsafe\s+|extern\s+"[^"]*"\s+)*(?:fn|struct|enum|trait|mod|union|macro_rules!)\s+([A-Za-z_]\w*)/, /^\s*impl(?:<[^>]*>)?\s+(?:[\w:<>, ]+\s+for\s+)?([A-Za-z_]\w*)/],
  java: [
    /^\s*(?:(?:public|private|protected|internal|static|final|abstract|sealed|open|data|override|suspend|partial)\s+)*(?:class|interface|enum|record|struct|object|trait|fun|func|def)\s+([A-Za-z_]\w*)/,
    /^\s*(?:(?:public|private|protected|static|final|abstract|synchronized|override|virtual|async)\s+)+[\w<>[\],.? ]+\s+([A-Za-z_]\w*)\s*\([^;]*$/,
  ],
  c: [/^(?:[A-Za-z_][\w:<>,*& ]*[\s*&])?([A-Za-z_][\w:~]*)\s*\([^;]*$/, /^\s*(?:[A-Z][A-Z0-9_]+\s+)*(?:template\s*<.*>\s*)?(?:[A-Z][A-Z0-9_]+\s+)*(?:typedef\s+)?(?:struct|class|enum(?:\s+class)?|union|namespace)\s+(?:[A-Z][A-Z0-9_]+(?:\([^)]*\))?\s+)*([A-Za-z_]\w*)/],
  ruby: [/^\s*(?:def|class|module)\s+(?:self\.)?([\w.:?!]+)/],
  php: [/^\s*(?:(?:public|private|protected|static|final|abstract)\s+)*(?:function|class|interface|trait)\s+([A-Za-z_]\w*)/],
  elixir: [/^\s*(?:defmodule|defprotocol|defimpl)\s+([A-Z][\w.]*)/, /^\s*(?:def|defp|defmacro|defmacrop|defguard|defdelegate)\s+([a-z_][\w?!]*)/],
  none: [],
};

/** The language family of a path, by extension. */
export function languageOf(rel: string): Lang {
  const dot = rel.lastIndexOf('.');
  return dot < 0 ? 'none' : (EXT_LANG[rel.slice(dot + 1).toLowerCase()] ?? 'none');
}

function indentOf(line: string): number {
  let n = 0;
  for (const ch of line) {
    if (ch === ' ') n += 1;
    else if (ch === '\t') n += 4;
    else break;
  }
  return n;
}

/** The name a line defines, or undefined. */
export function definitionName(line: string, lang: Lang): string | undefined {
  if (lang === 'none' || line.length > 400) return undefined;
  for (const re of PATTERNS[lang]) {
    const m = re.exec(line);
    const name = m?.[1];
    if (name && !KEYWORDS.has(name)) return name;
  }
  return undefined;
}

const COMMENTISH = /^\s*(?:\/\/|\/\*|\*|#|@|--|"""|''')/;

/** Moves a cut up over the comments and decorators that belong to the definition below it. */
function attachLeading(lines: string[], cut: number, floor: number): number {
  let k = cut;
  while (k - 1 > floor && COMMENTISH.test(lines[k - 1]) && lines[k - 1].trim() !== '') k--;
  return k;
}

/** Where a chunk starts and what it defines, per line: from the parse tree or from the regexes. */
interface LineInfo {
  defs: Array<string | undefined>;
  /** A definition on this line starts a new chunk (top level, or a member of a top-level container). */
  top: boolean[];
  /** Preferred cut before this line when a chunk is too long (statement starts; else after blank lines). */
  cutHere: (i: number) => boolean;
}

function regexInfo(lines: string[], lang: Lang): LineInfo {
  const defs = lines.map((l) => (indentOf(l) <= 8 ? definitionName(l, lang) : undefined));
  return { defs, top: defs.map((d, i) => d !== undefined && indentOf(lines[i]) <= 4), cutHere: (i) => i > 0 && lines[i - 1].trim() === '' };
}

function treeInfo(lines: string[], o: Outline, lang: Lang): LineInfo {
  const defs: Array<string | undefined> = new Array(lines.length).fill(undefined);
  const top: boolean[] = new Array(lines.length).fill(false);
  for (const [from, to] of o.opaque) {
    for (let i = from; i <= to && i < lines.length; i++) {
      const indent = indentOf(lines[i]);
      defs[i] = indent <= 8 ? definitionName(lines[i], lang) : undefined;
      top[i] = defs[i] !== undefined && indent <= 8;
    }
  }
  for (const [row, d] of o.defs) {
    if (row >= lines.length) continue;
    defs[row] = d.name;
    top[row] = d.depth <= 1;
  }
  const afterBlank = (i: number): boolean => i > 0 && lines[i - 1].trim() === '';
  return { defs, top, cutHere: (i) => afterBlank(i) || (o.boundaries.has(i) && lines[i].trim() !== '' && !COMMENTISH.test(lines[i - 1])) };
}

/** Cut positions (line indexes where a new chunk starts). */
function cutPoints(lines: string[], info: LineInfo): number[] {
  const cuts: number[] = [0];
  let start = 0;
  let chars = 0;
  let lastGood = -1;
  for (let i = 0; i < lines.length; i++) {
    const len = i - start;
    if (i > start && info.cutHere(i)) lastGood = i;
    if (info.top[i] && len >= MIN_LINES) {
      const cut = attachLeading(lines, i, start + 1);
      start = cut; cuts.push(cut); chars = 0; lastGood = -1;
      for (let j = cut; j < i; j++) chars += lines[j].length;
    } else if (len > 0 && (len >= MAX_LINES || chars >= MAX_CHARS)) {
      const cut = lastGood > start + MIN_LINES + 1 ? lastGood : i;
      start = cut; cuts.push(cut); chars = 0; lastGood = -1;
      for (let j = cut; j < i; j++) chars += lines[j].length;
    }
    chars += lines[i].length;
  }
  return cuts;
}

/** Splits text (already decoded) into contiguous chunks; `outline` is the file's parse tree's, when it has one. */
export function chunkText(text: string, rel: string, outline?: Outline): Chunk[] {
  if (text === '') return [];
  const lines = text.split(/(?<=\n)/);
  const lang = languageOf(rel);
  const info = outline ? treeInfo(lines, outline, lang) : regexInfo(lines, lang);
  const { defs } = info;
  const cuts = cutPoints(lines, info);
  const chunks: Chunk[] = [];
  for (let c = 0; c < cuts.length; c++) {
    const from = cuts[c];
    const to = c + 1 < cuts.length ? cuts[c + 1] : lines.length;
    const symbols: string[] = [];
    for (let i = from; i < to; i++) if (defs[i] !== undefined && !symbols.includes(defs[i]!)) symbols.push(defs[i]!);
    chunks.push({ startLine: from + 1, endLine: to, text: lines.slice(from, to).join(''), symbols });
  }
  return chunks;
}
