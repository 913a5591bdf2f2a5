/**
 * The search-quality benchmark's baseline: plain FTS5 BM25 over raw file bodies, no code-aware
 * tokens and no ranking layer. Benchmark-only, so it lives here and not in daemon/search/.
 */
import Database from 'better-sqlite3';

export function createPlainBm25() {
  const db = new Database(':memory:');
  db.exec('CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, body)');
  const add = db.prepare('INSERT INTO docs (path, body) VALUES (?, ?)');
  const search = db.prepare<[string, number], { path: string }>('SELECT path FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?');
  return {
    add: (path: string, body: string): void => void add.run(path, body),
    search: (match: string, limit: number): string[] => search.all(match, limit).map((r) => r.path),
    close: (): void => { db.close(); },
  };
}
