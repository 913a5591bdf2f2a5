/**
 * The path of a listening Unix socket inherited as a file descriptor (systemd socket activation).
 * Node cannot tell (`server.address()` is empty for `listen({ fd })`), and the daemon's own
 * `socketPath(env)` may name another file when systemd starts it with an empty environment, so the
 * kernel is asked: `/proc/self/fd/N` gives the socket's inode, `/proc/net/unix` the path bound to it.
 */
import { readFile, readlink } from 'node:fs/promises';

/** `socket:[12345]` → `12345`. */
function socketInode(link: string): string | undefined {
  return /^socket:\[(\d+)\]$/.exec(link)?.[1];
}

/**
 * The bound path of the Unix socket with `inode` in a `/proc/net/unix` table
 * (`Num RefCount Protocol Flags Type St Inode Path`); undefined for abstract or unnamed sockets.
 */
export function pathForInode(table: string, inode: string): string | undefined {
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[6] !== inode || fields.length < 8) continue;
    const name = fields.slice(7).join(' ');
    return name.startsWith('/') ? name : undefined;
  }
  return undefined;
}

/** The path the socket behind `fd` is bound to, or undefined when the kernel does not say (not Linux, abstract socket). */
export async function inheritedSocketPath(fd: number): Promise<string | undefined> {
  try {
    const inode = socketInode(await readlink(`/proc/self/fd/${fd}`));
    if (inode === undefined) return undefined;
    return pathForInode(await readFile('/proc/net/unix', 'utf8'), inode);
  } catch {
    return undefined; // no /proc: the caller falls back to the configured path
  }
}

/**
 * Under systemd socket activation (`LISTEN_FDS` ≥ 1 for this pid), the path of the inherited
 * socket (fd 3); otherwise undefined. The daemon names and labels itself by this path.
 */
export async function activatedSocketPath(env: Record<string, string | undefined>, pid = process.pid): Promise<string | undefined> {
  if (env.LISTEN_FDS === undefined || Number(env.LISTEN_FDS) < 1) return undefined;
  if (env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) !== pid) return undefined;
  return inheritedSocketPath(3);
}
