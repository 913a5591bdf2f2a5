/**
 * How much a repository root may hold. A root is refused when it is the user's home directory or
 * a folder above it (`/`, `/home`), or when llmr's own directories lie inside it (its config, state,
 * cache and data: the audit log, the undo copies and search indexes of every other repository, the
 * tool caches; its runtime directories: the helper sockets and the mask sources; the daemon's socket
 * itself, which a command could connect to through the repository's mount) or it lies in one of them: a model served such a root could read or change all of that. An MCP client that offers the
 * home folder as its root, or `llmr` started in `~` outside any git repository, gets this error
 * instead of the whole home directory. No setting turns it off: point --root at a project folder.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import { isInside } from './inside.js';

export interface ScopeInput {
  /** The user's home directory (the daemon's own). */
  home: string;
  /** llmr's own directories (and its daemon's socket), each named in the message (`state directory`) when one lies in the root. */
  own: Record<string, string>;
}

/**
 * `p` with its symlinks resolved, the longest part that exists realpath'd and the rest appended:
 * llmr's cache directory not created yet under a symlinked `~/.cache` lies where the link points.
 */
function real(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync.native(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(real(parent), path.basename(abs));
  }
}

/** Throw ROOT_TOO_BROAD when the realpath'd `root` holds the home directory, or holds or lies in one of llmr's own directories. */
export function checkRootScope(root: string, input: ScopeInput): void {
  const hint = 'run llmr in (or pass --root to) a project folder; in an MCP client, open the project folder rather than your home';
  const home = real(input.home);
  if (isInside(root, home)) {
    const what = root === home ? 'your home directory' : `a folder above your home directory ${home}`;
    throw new LlmrError('ROOT_TOO_BROAD', `repository root ${root} is ${what}; llmr serves one project, not every file you own`, hint);
  }
  for (const [name, dir] of Object.entries(input.own)) {
    const own = real(dir);
    if (isInside(root, own)) {
      throw new LlmrError('ROOT_TOO_BROAD', `repository root ${root} holds llmr's own ${name} ${dir}; a model could ${name.endsWith('socket') ? 'connect to it' : 'read it'} through this repository`, hint);
    }
    if (isInside(own, root)) {
      throw new LlmrError('ROOT_TOO_BROAD', `repository root ${root} lies in llmr's own ${name} ${dir}; a model could change llmr's records through it`, hint);
    }
  }
}
