/**
 * Where the daemon's socket lives. Pure: the caller passes the environment and home directory.
 * `LLMR_SOCKET` overrides; otherwise `$XDG_RUNTIME_DIR/llmr/daemon.sock`, falling back to
 * `~/.llmr/run/daemon.sock`. The directory is created 0700 and the socket 0600 by the daemon.
 */
export function socketPath(env: Record<string, string | undefined>, homedir: string): string {
  const override = env.LLMR_SOCKET;
  if (override !== undefined && override !== '') return override;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && runtime.startsWith('/')) return `${runtime}/llmr/daemon.sock`;
  return `${homedir}/.llmr/run/daemon.sock`;
}
