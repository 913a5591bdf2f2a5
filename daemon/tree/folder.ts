/**
 * Resolution of the folder (or file) argument of `io/list` and `search/grep`: lexical checks,
 * then realpath, which must stay inside the root; excluded paths are refused as written and as
 * resolved, like the path guard does for files.
 */
import { lstat, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { LlmrError } from '../../protocol/errors.js';

export interface Folder { rel: string; kind: 'file' | 'directory' }

function inside(root: string, abs: string): string | undefined {
  const rel = posix.relative(root, abs);
  return posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../') ? undefined : rel;
}

/** The repository-relative folder or file `input` names ('' for the root). */
export async function resolveFolder(root: string, input: string | undefined, isHidden: (rel: string) => boolean): Promise<Folder> {
  const raw = input === undefined || input.trim() === '' ? '.' : input;
  if (typeof raw !== 'string') throw new LlmrError('INVALID_PARAMS', 'path must be a string');
  if (raw.includes('\0')) throw new LlmrError('PATH_INVALID', 'path contains a nul byte');
  const lexical = inside(root, posix.resolve(root, raw));
  if (lexical === undefined) throw new LlmrError('PATH_OUTSIDE_REPO', `path ${raw} escapes the repository root ${root}`);
  if (lexical !== '' && isHidden(lexical)) throw new LlmrError('PATH_EXCLUDED', `path ${raw} is excluded`);
  let real: string;
  try {
    real = await realpath(posix.join(root, lexical));
  } catch {
    throw new LlmrError('FILE_NOT_FOUND', `${raw} does not exist`);
  }
  const rel = inside(root, real);
  if (rel === undefined) throw new LlmrError('PATH_OUTSIDE_REPO', `path ${raw} resolves through a symlink to a location outside the repository root ${root}`);
  if (rel !== '' && isHidden(rel)) throw new LlmrError('PATH_EXCLUDED', `path ${raw} resolves to ${rel}, which is excluded`);
  if (rel.split('/').some((seg) => seg === '.git')) throw new LlmrError('PATH_EXCLUDED', `path ${raw} is inside .git`);
  const st = await lstat(real);
  if (st.isDirectory()) return { rel, kind: 'directory' };
  if (st.isFile()) return { rel, kind: 'file' };
  throw new LlmrError('PATH_INVALID', `path ${raw} is neither a file nor a directory`);
}
