import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './db.js';
import { buildChunks } from './indexer.js';
import { rankLexical, termWeights } from './ranker.js';
import { parseQuery } from './tokens.js';

let store: Store | undefined;
afterEach(() => { store?.close(); store = undefined; });

/** A real (in-memory) SQLite index holding the given files, chunked and tokenised as the indexer does. */
function indexOf(files: Record<string, string>): Store {
  const s = openStore(':memory:').store;
  const unrelated = Object.fromEntries(['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma'].map((w) => [`misc/${w}.txt`, `${w} text about nothing in particular\n`]));
  for (const [rel, text] of Object.entries({ ...unrelated, ...files })) {
    s.putFile(rel, { size: text.length, mtime: 0, hash: rel, lines: text.split('\n').length, skip: null }, buildChunks(rel, text));
  }
  store = s;
  return s;
}

const rank = (s: Store, query: string): string[] => rankLexical(s, parseQuery(query)).map((f) => f.path).filter((p) => !p.startsWith('misc/'));

describe('ranking principles', () => {
  it('searches adjacent prose words joined as one identifier (thread pool ~ threadpool)', () => {
    const q = parseQuery('thread pool and task queue');
    expect(q.joined).toEqual(['threadpool', 'taskqueue']);
    expect(parseQuery('min size').joined).toEqual([]); // short words join into too many names
    const s = indexOf({
      'src/runner.c': 'static void start(void) {\n  threadpool_init();\n}\n',
      'src/other.c': 'static void other(void) {\n  /* nothing here */\n}\n',
    });
    expect(rank(s, 'thread pool')).toEqual(['src/runner.c']); // only the joined form is in the code
  });

  it('ranks a private module (_internal/, _x.py) after the public one that matches as well', () => {
    const body = 'def validate_field(value):\n    """Validate a field value."""\n    return value\n';
    const s = indexOf({ 'pkg/_internal/_fields.py': body + '# validate each field value\n'.repeat(3), 'pkg/fields.py': body });
    expect(rank(s, 'validate field values')).toEqual(['pkg/fields.py', 'pkg/_internal/_fields.py']);
  });

  it('ranks a copy under a version folder after the unversioned file of the same path', () => {
    const body = 'class BaseModel:\n    """The model base."""\n    def model_dump(self):\n        return {}\n';
    const s = indexOf({ 'pkg/v1/main.py': body.repeat(2), 'pkg/main.py': body });
    expect(rank(s, 'BaseModel')[0]).toBe('pkg/main.py');
    const alone = indexOf({ 'api/v2/routes.py': body });
    expect(rank(alone, 'BaseModel')).toEqual(['api/v2/routes.py']); // no unversioned twin: no penalty
  });

  it('takes a re-export as the definition of a symbol that no file defines', () => {
    const s = indexOf({
      'src/extract/mod.rs': 'pub use axum_core::extract::{\n    DefaultBodyLimit, FromRef, FromRequest, FromRequestParts,\n};\n',
      'src/json.rs': 'use crate::extract::FromRequest;\n\nimpl<T, S> FromRequest<S> for Json<T> {\n    // FromRequest for json bodies\n}\n',
    });
    expect(rank(s, 'FromRequest')[0]).toBe('src/extract/mod.rs');
  });

  it('favours, for a prose query, the general module that more specific matching files are named after', () => {
    const s = indexOf({
      'cache/HttpCache.kt': 'class HttpCache {\n  // responses are cached here\n}\n',
      'cache/HttpCacheStorage.kt': 'class HttpCacheStorage {\n  // cached responses stores cached responses\n}\n',
      'cache/HttpCacheEntry.kt': 'class HttpCacheEntry {\n  // one cached responses entry\n}\n',
    });
    expect(rank(s, 'how cached responses are kept')[0]).toBe('cache/HttpCache.kt');
  });

  it('counts only a new name part as a child: model.py is no parent of modelcards.py', () => {
    const s = indexOf({
      'pkg/model.py': 'def load():\n    """Cards are not here."""\n',
      'pkg/modelcards.py': 'def generate_card():\n    """Generate model cards for publication cards."""\n',
      'pkg/modelcards_extra.py': 'def card_extra():\n    """More model cards."""\n',
    });
    expect(rank(s, 'generating model cards for publication')[0]).toBe('pkg/modelcards.py');
  });

  it('puts, for a prose query, a C source ahead of its header beside it that matched better', () => {
    const s = indexOf({
      'src/idna.h': '/* Punycode encoding of internationalized domain names. */\n/* Encodes a domain name label. */\nlong uv__idna_toascii(const char* s);\n',
      'src/idna.c': 'long uv__idna_toascii(const char* s) {\n  /* domain label */\n  return encode(s);\n}\n',
    });
    expect(rank(s, 'internationalized domain name encoding')).toEqual(['src/idna.c', 'src/idna.h']);
  });

  it('counts a term found in more than half the chunks half as much in coverage', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`src/w${i}.ts`] = `// widget module ${i}\nexport const w${i} = ${i};\n`;
    files['src/frob.ts'] = '// nothing common\nexport function frobnicate() { return 1; }\n';
    const s = indexOf(files);
    expect(termWeights(s, ['widget', 'frobnicate'])).toEqual([0.5, 1]);
    expect(termWeights(s, ['widget'])).toEqual([1]);
    const byPath = new Map(rankLexical(s, parseQuery('widget frobnicate')).map((f) => [f.path, f.coverage]));
    expect(byPath.get('src/frob.ts')).toBeCloseTo(2 / 3);
    expect(byPath.get('src/w0.ts')).toBeCloseTo(1 / 3);
  });
});
