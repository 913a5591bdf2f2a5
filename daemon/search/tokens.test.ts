import { describe, expect, it } from 'vitest';
import { codeTokens, matchExpression, parseQuery, pathTokens, splitIdentifier } from './tokens.js';

describe('search/tokens', () => {
  it('splits camelCase, PascalCase, acronyms, snake_case and digits', () => {
    expect(splitIdentifier('getHTTPResponse2')).toEqual(['get', 'http', 'response', '2']);
    expect(splitIdentifier('user_name_id')).toEqual(['user', 'name', 'id']);
    expect(splitIdentifier('XMLParser')).toEqual(['xml', 'parser']);
  });

  it('keeps whole identifiers next to their parts in the token text', () => {
    expect(codeTokens('const getUserName = load_user($x);')).toBe('const getusername get user name load_user load user x');
    expect(pathTokens('src/auth-utils/LoginForm.tsx')).toBe('src auth utils loginform login form tsx');
  });

  it('drops generic words about code from prose queries while enough specific ones remain', () => {
    expect(parseQuery('the function that handles route parameters').terms).toEqual(['route', 'parameters']);
    expect(parseQuery('handle function').terms).toEqual(['handle', 'function']);
    const q = parseQuery('how formatString uses the changelog');
    expect([q.embedded, q.wantsHistory]).toEqual([['formatstring'], true]);
  });

  it('drops stop words and marks symbol-like and test queries', () => {
    const nl = parseQuery('where is the user loaded from the database');
    expect(nl.terms).toEqual(['user', 'loaded', 'database']);
    expect(nl.symbolLike).toBe(false);
    const sym = parseQuery('getUserName');
    expect(sym).toMatchObject({ symbolLike: true, identifiers: ['getusername'], terms: ['getusername', 'get', 'user', 'name'] });
    expect(parseQuery('login tests').wantsTests).toBe(true);
  });

  it('never lets FTS5 syntax through when the query is full of operators and quotes', () => {
    const q = parseQuery('"foo" AND bar* NEAR(baz, 2) col:qux (x OR y) -z ^w');
    const expr = matchExpression(q.terms);
    for (const part of expr.split(' OR ')) expect(part).toMatch(/^"[^"]+"$/);
    expect(matchExpression(['a"b'])).toBe('"a""b"');
  });

  it('returns no terms for empty or punctuation-only queries and caps huge ones', () => {
    expect(parseQuery('').terms).toEqual([]);
    expect(parseQuery('*** ::: ()').terms).toEqual([]);
    expect(parseQuery('word '.repeat(2000)).terms.length).toBeLessThanOrEqual(32);
    expect(parseQuery(Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ')).terms.length).toBeLessThanOrEqual(32);
  });
});
