/**
 * llmr's own helper binary, mounted read-only into containers of any image (spec.ts). It lives in
 * llmr's data directory (`$XDG_DATA_HOME/llmr/helper/llmr-helper`), placed there by
 * `llmr images build`. The daemon mounts it only when it is a regular file owned by the daemon's
 * user (or root) that nobody else may write: it runs next to the repository in every container.
 * Without it, the image's baked-in helper runs (llmr's own images have one).
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { HELPER_BINARY_REL } from '../../images/version.js';

/** The helper binary under `dataDir` when it is safe to mount, else undefined (with why). */
export function findHelperBinary(dataDir: string, uid = process.getuid?.() ?? 0): { path?: string; why?: string } {
  const file = path.join(dataDir, HELPER_BINARY_REL);
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (st === undefined) return { why: `${file} does not exist (llmr images build places it)` };
  if (!st.isFile()) return { why: `${file} is not a regular file` };
  if (st.uid !== uid && st.uid !== 0) return { why: `${file} is owned by uid ${st.uid}, not the daemon's ${uid}` };
  if ((st.mode & 0o022) !== 0) return { why: `${file} is writable by others (mode ${(st.mode & 0o777).toString(8)})` };
  return { path: file };
}
