/**
 * llmr's directories under the XDG base directories, shared by client and daemon. Pure: the
 * caller passes the environment and home directory (like {@link socketPath}).
 */
type Env = Record<string, string | undefined>;

/** `$NAME` when it is absolute (the XDG spec ignores relative values), else `~/<fallback>`; no trailing slash. */
function xdgDir(env: Env, name: string, homedir: string, fallback: string): string {
  const value = env[name];
  const base = value !== undefined && value.startsWith('/') ? value : `${homedir}/${fallback}`;
  return base.length > 1 ? base.replace(/\/+$/, '') : base;
}

/** State that must survive restarts (audit log, backups, daemon log): `$XDG_STATE_HOME/llmr` or `~/.local/state/llmr`. */
export function stateDir(env: Env, homedir: string): string {
  return `${xdgDir(env, 'XDG_STATE_HOME', homedir, '.local/state')}/llmr`;
}

/** Rebuildable data (search indexes): `$XDG_CACHE_HOME/llmr` or `~/.cache/llmr`. */
export function cacheDir(env: Env, homedir: string): string {
  return `${xdgDir(env, 'XDG_CACHE_HOME', homedir, '.cache')}/llmr`;
}

/** llmr's own files (the helper binary placed by `llmr images build`): `$XDG_DATA_HOME/llmr` or `~/.local/share/llmr`. */
export function dataDir(env: Env, homedir: string): string {
  return `${xdgDir(env, 'XDG_DATA_HOME', homedir, '.local/share')}/llmr`;
}

/** The user's config file: `$XDG_CONFIG_HOME/llmr/config.yaml` or `~/.config/llmr/config.yaml`. */
export function userConfigFile(env: Env, homedir: string): string {
  return `${xdgDir(env, 'XDG_CONFIG_HOME', homedir, '.config')}/llmr/config.yaml`;
}
