import { LlmrError } from './errors.js';

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

/** Longest Unix socket path Linux accepts: `sun_path` is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * Throws CONFIG_INVALID, naming the limit and the path and suggesting `LLMR_SOCKET`, when `socket`
 * is too long to bind or connect to (the kernel would refuse it, or Node would cut it short).
 */
export function checkSocketPath(socket: string): void {
  const bytes = new TextEncoder().encode(socket).length;
  if (bytes <= MAX_SOCKET_PATH_BYTES) return;
  throw new LlmrError('CONFIG_INVALID',
    `socket path ${socket} is ${bytes} bytes long; a Unix socket path may have at most ${MAX_SOCKET_PATH_BYTES} bytes (sun_path)`,
    'set LLMR_SOCKET to a shorter path, e.g. LLMR_SOCKET=/tmp/llmr-$(id -u)/daemon.sock (or a shorter XDG_RUNTIME_DIR)');
}
