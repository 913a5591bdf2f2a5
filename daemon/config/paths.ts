import path from 'node:path';

/** The environment as the config code sees it (process.env or a test's object). */
export type Env = Record<string, string | undefined>;

/** The file name of the per-repository config, as the original tool named it. */
export const REPO_CONFIG_FILE = 'llm-runtime.config.yaml';

/** The XDG base directory in `name`, or `fallback` under the home directory; relative values are ignored as the XDG spec says. */
function xdgDir(env: Env, name: string, homedir: string, fallback: string): string {
  const value = env[name];
  if (value !== undefined && path.isAbsolute(value)) return value;
  return path.join(homedir, fallback);
}

/** Where llmr keeps state that must survive restarts (audit log, backups, daemon log): `$XDG_STATE_HOME/llmr` or `~/.local/state/llmr`. */
export function stateDir(env: Env, homedir: string): string {
  return path.join(xdgDir(env, 'XDG_STATE_HOME', homedir, '.local/state'), 'llmr');
}

/** Where llmr keeps rebuildable data (search indexes): `$XDG_CACHE_HOME/llmr` or `~/.cache/llmr`. */
export function cacheDir(env: Env, homedir: string): string {
  return path.join(xdgDir(env, 'XDG_CACHE_HOME', homedir, '.cache'), 'llmr');
}

/** The user's config file: `$XDG_CONFIG_HOME/llmr/config.yaml` or `~/.config/llmr/config.yaml`. */
export function userConfigFile(env: Env, homedir: string): string {
  return path.join(xdgDir(env, 'XDG_CONFIG_HOME', homedir, '.config'), 'llmr', 'config.yaml');
}

/** The repository's config file under `root`. */
export function repoConfigFile(root: string): string {
  return path.join(root, REPO_CONFIG_FILE);
}
