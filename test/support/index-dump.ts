import { join } from 'node:path';
import { openStore } from '../../daemon/search/db.js';

/** Every chunk row of the search index in `cacheDir`, to compare an incremental index with a rebuild. */
export function dumpIndex(cacheDir: string): unknown[] {
  const { store } = openStore(join(cacheDir, 'index.sqlite'));
  const rows = store.dumpChunks();
  store.close();
  return rows;
}
