/**
 * Code-aware tokens. FTS5 sees only what this module produces: whole identifiers
 * (`getusername`, `get_user_name`) plus their parts (`get user name`), lower-cased,
 * separated by spaces. Index and query go through the same splitting.
 */

const WORD = /[\p{L}\p{N}_$]+/gu;
/** Boundaries inside an identifier: aB, ABc, a1, 1a, `_`, `$`. */
const PARTS = /[\p{Lu}]+(?![\p{Ll}])|[\p{Lu}]?[\p{Ll}]+|\p{N}+|[\p{L}]+/gu;

/** Words that carry no meaning in a natural-language question about code. */
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'can', 'do', 'does', 'for', 'from', 'how', 'i', 'if', 'in',
  'into', 'is', 'it', 'its', 'of', 'on', 'or', 'that', 'the', 'their', 'them', 'then', 'this', 'to', 'was',
  'what', 'when', 'where', 'which', 'who', 'why', 'with', 'without', 'code', 'find', 'show', 'me', 'we', 'our',
  'there', 'these', 'those', 'after', 'before', 'all', 'any', 'instead', 'one', 'some',
]);

/** Words that describe code in general rather than a part of it ("the function that handles …"). */
const GENERIC_WORDS = new Set(['function', 'functions', 'method', 'methods', 'class', 'classes', 'file', 'files',
  'implementation', 'implemented', 'implement', 'implements', 'logic', 'mechanism', 'work', 'works', 'handle', 'handles',
  'handled', 'handling', 'used', 'using', 'use', 'uses', 'support', 'supports', 'provide', 'provides', 'system']);

const HISTORY_WORDS = new Set(['changelog', 'changes', 'history', 'release', 'releases', 'license', 'licence', 'copyright', 'notice', 'authors', 'contributors']);

const TEST_WORDS = new Set(['test', 'tests', 'spec', 'specs', 'fixture', 'fixtures', 'mock', 'mocks', 'testing']);

/** Parts of one identifier: `getHTTPResponse_v2` → `get http response v 2`; lower-cased. */
export function splitIdentifier(word: string): string[] {
  const parts: string[] = [];
  for (const piece of word.split(/[_$]+/)) {
    for (const m of piece.matchAll(PARTS)) parts.push(m[0].toLowerCase());
  }
  return parts;
}

/** Whole word (without `$`, lower-cased) and, when it is compound, its parts. */
function expandWord(word: string, out: string[]): void {
  const whole = word.replace(/\$/g, '').toLowerCase();
  if (whole === '' || /^_+$/.test(whole)) return;
  out.push(whole);
  const parts = splitIdentifier(word);
  if (parts.length > 1) for (const p of parts) out.push(p);
}

/** Expanded token text of source text, ready for an FTS5 column. */
export function codeTokens(text: string): string {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) expandWord(m[0], out);
  return out.join(' ');
}

/** Expanded tokens of a repository-relative path (each segment and the file stem). */
export function pathTokens(rel: string): string {
  return codeTokens(rel.replace(/[./\\-]+/g, ' '));
}

export interface ParsedQuery {
  /** Distinct search terms (lower-cased, whole identifiers and their parts, no stop words). */
  terms: string[];
  /** Identifiers as typed (compound words kept whole), lower-cased. */
  identifiers: string[];
  /** One or two tokens that look like a name in code (`fooBar`, `foo_bar`, `Foo.bar`). */
  symbolLike: boolean;
  /** The query talks about tests, fixtures or mocks, so those files are not penalised. */
  wantsTests: boolean;
  /** The query asks about changelogs, licences, history or releases (not penalised then). */
  wantsHistory: boolean;
  /** Code-looking identifiers inside a prose query (camelCase, snake_case, PascalCase), lower-cased. */
  embedded: string[];
  /** Prose words of the query (lower-cased, longer than two letters, no stop words), for path matching. */
  words: string[];
  /** Adjacent prose words written as one identifier (`thread pool` → `threadpool`), searched besides the terms. */
  joined: string[];
}

const MAX_QUERY_CHARS = 1000;
const MAX_TERMS = 32;

/** Splits user text into search terms; never throws, whatever the text. */
export function parseQuery(query: string): ParsedQuery {
  const text = query.slice(0, MAX_QUERY_CHARS);
  const words = [...text.matchAll(WORD)].map((m) => m[0]).filter((w) => w.replace(/[_$]/g, '') !== '');
  const identifiers = [...new Set(words.map((w) => w.replace(/\$/g, '').toLowerCase()))];
  const compound = (w: string): boolean => /\p{Ll}\p{Lu}|\p{Lu}{2}\p{Ll}|_/u.test(w);
  const symbolLike = words.length === 1 || (words.length === 2 && words.some(compound));
  const all: string[] = [];
  for (const w of words) expandWord(w, all);
  let terms = [...new Set(all)].filter((t) => !STOP_WORDS.has(t));
  // a prose query keeps its generic words only when too few specific ones remain
  if (!symbolLike) {
    const specific = terms.filter((t) => !GENERIC_WORDS.has(t));
    if (specific.length >= 2) terms = specific;
  }
  if (terms.length === 0) terms = [...new Set(all)];
  const wantsTests = terms.some((t) => TEST_WORDS.has(t));
  const prose = [...new Set(words.map((w) => w.toLowerCase()))].filter((w) => w.length > 2 && !STOP_WORDS.has(w));
  const embedded = symbolLike ? [] : [...new Set(words.filter((w) => compound(w) || /^\p{Lu}\p{Ll}+\p{Lu}/u.test(w)).map((w) => w.replace(/\$/g, '').toLowerCase()))];
  const wantsHistory = terms.some((t) => HISTORY_WORDS.has(t));
  const joined = symbolLike ? [] : joinedPairs(words, new Set(terms));
  return { terms: terms.slice(0, MAX_TERMS), identifiers, symbolLike, wantsTests, wantsHistory, embedded, words: prose.slice(0, MAX_TERMS), joined };
}

/** Adjacent pairs of plain query words that are both search terms, joined as code would write them. */
function joinedPairs(words: string[], terms: Set<string>): string[] {
  const out = new Set<string>();
  for (let i = 0; i + 1 < words.length && out.size < 8; i++) {
    const a = words[i].toLowerCase();
    const b = words[i + 1].toLowerCase();
    if (!/^\p{L}{4,}$/u.test(a) || !/^\p{L}{4,}$/u.test(b) || !terms.has(a) || !terms.has(b)) continue;
    out.add(a + b);
  }
  return [...out].filter((j) => !terms.has(j));
}

/**
 * An FTS5 MATCH expression that ORs the terms. Every term is a double-quoted string
 * (quotes doubled), so no user text is ever read as FTS5 syntax (`NEAR`, `AND`, `*`, `:`, `(`).
 */
export function matchExpression(terms: string[]): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}

/** A crude stem used for substring checks (`parses` → `pars`). */
export function roughStem(term: string): string {
  if (term.length <= 4) return term;
  return term.replace(/(ies|ing|ed|es|s|er|ly)$/, '');
}
