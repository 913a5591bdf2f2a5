/**
 * The index database (the only module that imports better-sqlite3): one SQLite file per
 * workspace, WAL. Files, chunks with line ranges, an FTS5 table over the
 * expanded path/symbol/body tokens (rowid = chunk id; it keeps its token text, because a contentless
 * table with deletes kept counting deleted rows in bm25's statistics, so the ranking drifted with every
 * edit), and vectors cached by (chunk hash, model).
 * A database that cannot be opened or fails its check is deleted and created afresh.
 */
import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

const SCHEMA_VERSION = 4;
/** Column weights of bm25() for path, symbol and body. */
export const BM25_WEIGHTS = [1.0, 2.0, 1.0] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
  mtime REAL NOT NULL, hash TEXT, lines INTEGER NOT NULL DEFAULT 0, skip TEXT);
CREATE TABLE IF NOT EXISTS chunks (id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL, symbols TEXT NOT NULL, hash TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file_id);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(hash);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(path, symbol, body,
  tokenize="porter unicode61 remove_diacritics 2 tokenchars '_'");
CREATE TABLE IF NOT EXISTS vectors (hash TEXT NOT NULL, model TEXT NOT NULL, vec BLOB, PRIMARY KEY (hash, model)) WITHOUT ROWID;
`;

export interface FileRow { id: number; path: string; size: number; mtime: number; hash: string | null; skip: string | null }
export interface ChunkInput { startLine: number; endLine: number; symbols: string[]; hash: string; text: string;
  pathTokens: string; symbolTokens: string; bodyTokens: string }
export interface ChunkHit { id: number; fileId: number; startLine: number; endLine: number; symbols: string;
  text: string; hash: string; path: string; size: number; lines: number; score: number }
export interface ChunkRecord { path: string; startLine: number; endLine: number; symbols: string; hash: string; text: string }

export type Store = ReturnType<typeof createStore>;

/** Every statement the store runs, prepared once per database. */
function prepareStatements(db: Database.Database) {
  return {
    file: db.prepare<[string], FileRow>('SELECT id, path, size, mtime, hash, skip FROM files WHERE path = ?'),
    allFiles: db.prepare<[], FileRow>('SELECT id, path, size, mtime, hash, skip FROM files'),
    upsertFile: db.prepare('INSERT INTO files (path, size, mtime, hash, lines, skip) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, hash = excluded.hash, lines = excluded.lines, skip = excluded.skip RETURNING id'),
    touch: db.prepare('UPDATE files SET size = ?, mtime = ? WHERE path = ?'),
    delFts: db.prepare('DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE file_id = ?)'),
    delChunks: db.prepare('DELETE FROM chunks WHERE file_id = ?'),
    delFile: db.prepare('DELETE FROM files WHERE id = ?'),
    addChunk: db.prepare('INSERT INTO chunks (file_id, start_line, end_line, symbols, hash, text) VALUES (?, ?, ?, ?, ?, ?)'),
    addFts: db.prepare('INSERT INTO chunks_fts (rowid, path, symbol, body) VALUES (?, ?, ?, ?)'),
    search: db.prepare<[string, number], ChunkHit>(`WITH top AS (SELECT rowid AS id, rank FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?)
      SELECT c.id, c.file_id AS fileId, c.start_line AS startLine, c.end_line AS endLine, c.symbols, c.text, c.hash,
        f.path, f.size, f.lines, -top.rank AS score FROM top JOIN chunks c ON c.id = top.id JOIN files f ON f.id = c.file_id ORDER BY top.rank`),
    fileChunks: db.prepare<[string], ChunkHit>(`SELECT c.id, c.file_id AS fileId, c.start_line AS startLine, c.end_line AS endLine, c.symbols, c.text,
        c.hash, f.path, f.size, f.lines, 0 AS score FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.path = ? ORDER BY c.start_line`),
    smallFiles: db.prepare<[number], { path: string; text: string }>(`SELECT f.path, c.text FROM chunks c JOIN files f ON f.id = c.file_id
        WHERE f.skip IS NULL AND f.lines <= ? ORDER BY f.path, c.start_line`),
    matchCount: db.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)'),
    chunksOf: db.prepare<[string], ChunkHit>(`SELECT c.id, c.file_id AS fileId, c.start_line AS startLine, c.end_line AS endLine, c.symbols, c.text,
        c.hash, f.path, f.size, f.lines, 0 AS score FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.hash = ?`),
    counts: db.prepare<[], { files: number; skipped: number; chunks: number }>(`SELECT
      (SELECT count(*) FROM files WHERE skip IS NULL) AS files, (SELECT count(*) FROM files WHERE skip IS NOT NULL) AS skipped,
      (SELECT count(*) FROM chunks) AS chunks`),
    vectorCount: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM chunks c JOIN vectors v ON v.hash = c.hash AND v.model = ? WHERE v.vec IS NOT NULL'),
    missing: db.prepare<[string, number], { hash: string; text: string }>('SELECT c.hash, min(c.text) AS text FROM chunks c LEFT JOIN vectors v ON v.hash = c.hash AND v.model = ? WHERE v.hash IS NULL GROUP BY c.hash LIMIT ?'),
    putVector: db.prepare('INSERT OR REPLACE INTO vectors (hash, model, vec) VALUES (?, ?, ?)'),
    vectors: db.prepare<[string], { hash: string; vec: Buffer }>('SELECT DISTINCT v.hash, v.vec FROM vectors v JOIN chunks c ON c.hash = v.hash WHERE v.model = ? AND v.vec IS NOT NULL'),
    gcVectors: db.prepare('DELETE FROM vectors WHERE hash NOT IN (SELECT hash FROM chunks)'),
    dump: db.prepare<[], ChunkRecord>('SELECT f.path, c.start_line AS startLine, c.end_line AS endLine, c.symbols, c.hash, c.text FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY f.path, c.start_line'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };
}

function createStore(db: Database.Database) {
  const q = prepareStatements(db);
  const removeById = (id: number): void => { q.delFts.run(id); q.delChunks.run(id); };
  let generation = 0;
  return {
    /** Changes whenever a file is put or removed (for caches derived from the file list). */
    generation: (): number => generation,
    file: (path: string): FileRow | undefined => q.file.get(path),
    allFiles: (): FileRow[] => q.allFiles.all(),
    /** Replaces a file's chunks (or records it as skipped when `skip` is set). */
    putFile(path: string, meta: { size: number; mtime: number; hash: string | null; lines: number; skip: string | null }, chunks: ChunkInput[]): void {
      generation++;
      const old = q.file.get(path);
      if (old) removeById(old.id);
      const { id } = q.upsertFile.get(path, meta.size, meta.mtime, meta.hash, meta.lines, meta.skip) as { id: number };
      for (const c of chunks) {
        const r = q.addChunk.run(id, c.startLine, c.endLine, c.symbols.join(' '), c.hash, c.text);
        q.addFts.run(r.lastInsertRowid, c.pathTokens, c.symbolTokens, c.bodyTokens);
      }
    },
    touch: (path: string, size: number, mtime: number): void => void q.touch.run(size, mtime, path),
    removeFile(path: string): void {
      generation++;
      const old = q.file.get(path);
      if (old) { removeById(old.id); q.delFile.run(old.id); }
    },
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    search: (match: string, limit: number): ChunkHit[] => q.search.all(match, limit),
    /** How many chunks match, counted up to `cap` (cheap for a common term). */
    matchCount: (match: string, cap: number): number => q.matchCount.get(match, cap)!.n,
    chunksWithHash: (hash: string): ChunkHit[] => q.chunksOf.all(hash),
    /** A file's chunks in order (score 0). */
    fileChunks: (path: string): ChunkHit[] => q.fileChunks.all(path),
    /** The text of every indexed file of at most `maxLines` lines, by path. */
    smallFiles(maxLines: number): Map<string, string> {
      const out = new Map<string, string>();
      for (const r of q.smallFiles.iterate(maxLines)) out.set(r.path, (out.get(r.path) ?? '') + r.text);
      return out;
    },
    counts: () => q.counts.get()!,
    vectorCount: (model: string): number => q.vectorCount.get(model)!.n,
    missingVectors: (model: string, limit: number) => q.missing.all(model, limit),
    putVector: (hash: string, model: string, vec: Float32Array | null): void =>
      void q.putVector.run(hash, model, vec === null ? null : Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength)),
    vectors: (model: string) => q.vectors.iterate(model),
    gcVectors: (): void => void q.gcVectors.run(),
    dumpChunks: (): ChunkRecord[] => q.dump.all(),
    getMeta: (key: string): string | undefined => q.getMeta.get(key)?.value,
    setMeta: (key: string, value: string): void => void q.setMeta.run(key, value),
    close: (): void => { db.close(); },
  };
}

function openChecked(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== 0 && version !== SCHEMA_VERSION) throw new Error(`index schema version ${version} is not ${SCHEMA_VERSION}`);
    const check = db.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw new Error(`index quick_check failed: ${String(check)}`);
    db.exec(SCHEMA);
    db.prepare("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', ?)").run(`bm25(${BM25_WEIGHTS.join(', ')})`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Deletes a database file and its WAL/SHM companions. */
export function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

/**
 * Opens (creating if needed) the index at `path`. A database that is corrupt, not a database
 * or of another schema version is removed and rebuilt; `note` then says so.
 */
export function openStore(path: string): { store: Store; note?: string; cause?: unknown } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    return { store: createStore(openChecked(path)) };
  } catch (cause) {
    if (path === ':memory:') throw cause;
    removeDatabase(path);
    const note = `index database ${path} was unreadable (${(cause as Error).message}) and was rebuilt`;
    return { store: createStore(openChecked(path)), note, cause };
  }
}

/** Whether an error from the store means the database file is damaged. */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB|IOERR)/.test(code);
}
