/**
 * The per-container Unix socket the helper talks over (instead of `docker attach`, where dockerd
 * and the containerd shim copied every byte, and where a command could reach the conversation
 * through the container's stdio, e.g. /proc/1/fd/1 of Docker's init).
 *
 * Each container gets a fresh directory under one parent that is the daemon's own and mode 0700,
 * so no other user on the host can reach a socket in it. The directory alone is mounted
 * read-only into that container; the daemon accepts exactly one connection (the helper's, which
 * connects before it runs anything), then closes the listener and removes the socket and the
 * directory, so no process started later in the container can connect.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';

/** Where a container sees its socket directory, and the socket in it (fixed strings, images/helper). */
export const HELPER_SOCKET_DIR = '/.llmr-sock';
export const HELPER_SOCKET_PATH = `${HELPER_SOCKET_DIR}/s`;
const SOCKET_NAME = 's';
/** sockaddr_un's sun_path holds 108 bytes with the NUL. */
const MAX_SOCKET_PATH = 107;
/** A directory this old was left by a daemon that died mid-start (a start waits at most 30 s). */
const STALE_MS = 10 * 60 * 1000;

/**
 * The parent of the per-container directories: `$XDG_RUNTIME_DIR/llmr-helper` (a path naming no
 * home directory, as a container sees it in its mount table), else `<stateDir>/helper-sockets`.
 */
export function helperSocketParent(stateDir: string, runtimeDir: string | undefined): string {
  return runtimeDir !== undefined && path.isAbsolute(runtimeDir) ? path.join(runtimeDir, 'llmr-helper') : path.join(stateDir, 'hs');
}

/**
 * Creates `parent` (mode 0700) and checks it is a real directory of this user that nobody else
 * may enter (a parent someone else could reach would let them talk to a helper first); removes
 * what a daemon that died while starting a container left in it.
 */
export function prepareSocketParent(parent: string, uid = process.getuid?.() ?? 0): string {
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const st = lstatSync(parent);
  if (!st.isDirectory() || st.uid !== uid) {
    throw new LlmrError('CONTAINER_FAILED', `helper socket directory ${parent} is not a directory owned by uid ${uid}`, 'remove it; the daemon creates it again');
  }
  if ((st.mode & 0o077) !== 0) chmodSync(parent, 0o700);
  for (const name of readdirSync(parent)) {
    const entry = path.join(parent, name);
    const info = lstatSync(entry, { throwIfNoEntry: false });
    if (info !== undefined && Date.now() - info.mtimeMs > STALE_MS) rmSync(entry, { recursive: true, force: true });
  }
  return parent;
}

export interface HelperListener {
  /** The host directory to mount (read-only) at HELPER_SOCKET_DIR. */
  dir: string;
  /** The helper's connection, paused until read; rejects after `close()` without one. */
  accepted: Promise<net.Socket>;
  /** Stop listening and remove the socket and its directory (idempotent; the accepted socket stays open). */
  close(): void;
}

/** Listen on a fresh socket under `parent` for one container's helper. */
export async function listenForHelper(parent: string): Promise<HelperListener> {
  const dir = mkdtempSync(path.join(parent, 'c'));
  const file = path.join(dir, SOCKET_NAME);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH) {
    rmSync(dir, { recursive: true, force: true });
    throw new LlmrError('CONTAINER_FAILED', `helper socket path ${file} is longer than ${MAX_SOCKET_PATH} bytes`,
      'set XDG_RUNTIME_DIR (or XDG_STATE_HOME) to a shorter directory');
  }
  const server = net.createServer({ pauseOnConnect: true });
  let listening = true;
  const stop = (): void => {
    if (!listening) return;
    listening = false;
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let settle: { resolve: (s: net.Socket) => void; reject: (e: Error) => void } | undefined;
  const accepted = new Promise<net.Socket>((resolve, reject) => { settle = { resolve, reject }; });
  accepted.catch(() => undefined); // observed by the caller; a start that failed earlier never awaits it
  let first: net.Socket | undefined;
  server.on('connection', (sock) => {
    if (first !== undefined) {
      // only the helper can reach the socket, and it connects once: a second peer means the
      // first may not be the helper either; neither is trusted
      sock.destroy();
      first.destroy();
      settle?.reject(new LlmrError('CONTAINER_FAILED', 'a second connection reached a helper socket; the container is not used'));
      return;
    }
    first = sock;
    stop();
    // paused until its reader attaches (nothing read, no end of file missed); a connection
    // accepted in the same turn is seen first
    setImmediate(() => { if (!sock.destroyed) settle?.resolve(sock); });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    stop();
    throw new LlmrError('CONTAINER_FAILED', `cannot listen on helper socket ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
  // a failed accept (EMFILE, …) ends this start, never the daemon
  server.on('error', (err) => { stop(); settle?.reject(new LlmrError('CONTAINER_FAILED', `helper socket ${file} failed: ${err.message}`, undefined, { cause: err })); });
  // the directory 0711 and the socket 0666: the container's user (the repository owner, maybe not
  // the daemon's) may connect; on the host the 0700 parent keeps everyone else out
  chmodSync(dir, 0o711);
  chmodSync(file, 0o666);
  return {
    dir, accepted,
    close() {
      stop();
      settle?.reject(new LlmrError('CONTAINER_FAILED', 'the helper did not connect'));
    },
  };
}
