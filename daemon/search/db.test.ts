import { describe, expect, it } from 'vitest';
import { openStore, type ChunkInput } from './db.js';

const chunk = (text: string): ChunkInput => ({ startLine: 1, endLine: 1, symbols: [], hash: text, text, pathTokens: 'p', symbolTokens: '', bodyTokens: text });

describe('search/db', () => {
  it('ranks the same after edits as a fresh index of the same files (bm25 statistics do not drift)', () => {
    const files: Record<string, string> = { a: 'alpha beta', b: 'beta gamma', c: 'gamma delta alpha' };
    const meta = { size: 1, mtime: 1, hash: 'h', lines: 1, skip: null };
    const fresh = openStore(':memory:').store;
    const edited = openStore(':memory:').store;
    for (const [p, t] of Object.entries(files)) fresh.putFile(p, meta, [chunk(t)]);
    for (const [p, t] of Object.entries(files)) edited.putFile(p, meta, [chunk(t)]);
    for (let i = 0; i < 20; i++) edited.putFile('a', meta, [chunk(files.a)]);
    edited.putFile('gone', meta, [chunk('alpha omega')]);
    edited.removeFile('gone');
    const scores = (s: typeof fresh) => s.search('"alpha"', 10).map((h) => [h.path, h.score.toFixed(9)]).sort();
    expect(scores(edited)).toEqual(scores(fresh));
  });
});
