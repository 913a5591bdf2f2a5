/**
 * Starting the daemon process and watching its socket, for `connect.ts` and `llmr daemon`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateDir } from '../protocol/dirs.js';
import { LlmrError } from '../protocol/errors.js';

type Env = Record<string, string | undefined>;

/** `$XDG_STATE_HOME/llmr`, else `~/.local/state/llmr`. */
function clientStateDir(env: Env): string {
  return stateDir(env, homedir());
}

/** The daemon's own log (JSON lines; `logging.file` may move it). */
export function daemonEventLogPath(env: Env): string {
  return join(clientStateDir(env), 'daemon.log');
}

/** Where a daemon started by the client writes its standard output and error (start-up failures). */
export function daemonLogPath(env: Env): string {
  return join(clientStateDir(env), 'daemon.out');
}

/** The built daemon entry point, `<dist>/daemon/main.js`, next to this client. */
export function daemonEntryPath(): string {
  return fileURLToPath(new URL('../daemon/main.js', import.meta.url));
}

function requireEntry(): string {
  const entry = daemonEntryPath();
  if (!existsSync(entry)) {
    throw new LlmrError('DAEMON_UNAVAILABLE', `daemon entry point ${entry} is missing`, 'build llmr first: npm run build');
  }
  return entry;
}

export interface SpawnedDaemon {
  pid: number;
  /** Resolves with the exit status (128 + signal number for a signal) when the process ends. */
  exited: Promise<number>;
}

/** Start the daemon detached, its output appended to {@link daemonLogPath}. */
export function spawnDaemon(env: Env): SpawnedDaemon {
  const entry = requireEntry();
  const log = daemonLogPath(env);
  mkdirSync(dirname(log), { recursive: true, mode: 0o700 });
  const fd = openSync(log, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [entry], { detached: true, stdio: ['ignore', fd, fd], env, cwd: homedir() });
    const exited = new Promise<number>((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
    });
    child.unref();
    return { pid: child.pid ?? 0, exited };
  } finally {
    closeSync(fd);
  }
}

/** Run the daemon in the foreground with inherited stdio, forwarding SIGINT/SIGTERM; resolves with its exit status. */
export function runDaemonForeground(env: Env): Promise<number> {
  const entry = requireEntry();
  const child = spawn(process.execPath, [entry], { stdio: 'inherit', env });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return new Promise((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? 128 + signalNumber(signal));
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal !== null ? numbers[signal] : undefined) ?? 1;
}

/**
 * Whether something accepts connections on the socket: `down` for ENOENT/ECONNREFUSED,
 * an error for anything else (EACCES: the socket belongs to someone else).
 */
export function probeSocket(socket: string, timeoutMs = 2000): Promise<'up' | 'down'> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socket);
    const timer = setTimeout(() => {
      sock.destroy();
      resolve('up'); // it accepted the connection attempt but is slow: something is there
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve('up');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve('down');
      else reject(socketError(socket, err));
    });
  });
}

/** A socket error as DAEMON_UNAVAILABLE with the socket path and a fix. */
export function socketError(socket: string, err: NodeJS.ErrnoException): LlmrError {
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new LlmrError('DAEMON_UNAVAILABLE', `permission denied on daemon socket ${socket}`, 'the socket belongs to another user; set LLMR_SOCKET to a path of your own', { cause: err });
  }
  return new LlmrError('DAEMON_UNAVAILABLE', `cannot connect to daemon socket ${socket}: ${err.code ?? err.message}`, 'check the socket path (LLMR_SOCKET) and run: llmr doctor', { cause: err });
}

/** Poll `check` every `intervalMs` until it returns true or `deadline` (epoch ms) passes; resolves whether it succeeded. */
export async function pollUntil(check: () => Promise<boolean>, deadline: number, intervalMs = 100): Promise<boolean> {
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
