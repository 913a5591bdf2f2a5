/**
 * The Unix socket server: directory 0700, socket 0600, or a socket inherited from systemd
 * (LISTEN_FDS). Each connection gets a vscode-jsonrpc MessageConnection behind a FrameGuard.
 */
import { randomUUID } from 'node:crypto';
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { createMessageConnection } from 'vscode-jsonrpc/node';
import { LlmrError, type ErrorCode } from '../../protocol/errors.js';
import { checkSocketPath } from '../../protocol/socket-path.js';
import type { ConnectionScope } from './handle.js';
import { Admission, refusal } from './envelope.js';
import { FrameGuard, GuardMessageReader, type Violation } from './frame-guard.js';
import { MAX_UNSENT_BYTES, SocketMessageWriter, whenWritable } from './backpressure.js';

export interface RpcServer {
  socket: string;
  connections(): number;
  close(): Promise<void>;
}

export interface ServerOptions {
  socket: string;
  log: Logger;
  maxMessageBytes: number;
  maxConnections: number;
  /** A frame must be whole this long after its first byte (0 = no limit). */
  frameTimeoutMs: number;
  /** A congested connection whose client reads none of its answers this long is dropped (0 = never). */
  writeTimeoutMs: number;
  /** Requests in flight per connection; more are answered DAEMON_BUSY. */
  maxInFlight: number;
  register: (scope: ConnectionScope) => void;
  env?: Record<string, string | undefined>;
}

/** systemd socket activation: the first inherited fd (3) when LISTEN_PID is us. */
export function inheritedFd(env: Record<string, string | undefined>): number | undefined {
  if (env.LISTEN_FDS === undefined || Number(env.LISTEN_FDS) < 1) return undefined;
  if (env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) !== process.pid) return undefined;
  return 3;
}

async function prepareSocketPath(socket: string): Promise<void> {
  const dir = path.dirname(socket);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    throw new LlmrError('DAEMON_UNAVAILABLE', `socket directory ${dir} belongs to uid ${info.uid}, not to you`);
  }
  await chmod(dir, 0o700);
  const existing = await lstat(socket).catch(() => undefined);
  if (existing === undefined) return;
  if (!existing.isSocket()) throw new LlmrError('DAEMON_UNAVAILABLE', `${socket} exists and is not a socket; remove it`);
  const answering = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socket, () => { probe.destroy(); resolve(true); });
    probe.on('error', () => resolve(false));
  });
  if (answering) throw new LlmrError('DAEMON_UNAVAILABLE', `another llmr daemon is already listening on ${socket}`, 'stop it with: llmr daemon stop');
  await unlink(socket); // stale socket of a dead daemon
}

const VIOLATION_CODES = { 'too-large': 'MESSAGE_TOO_LARGE', malformed: 'PARSE_ERROR', timeout: 'MESSAGE_TIMEOUT' } as const satisfies Record<Violation, ErrorCode>;

/** The last answer on a connection whose stream cannot be read further. */
function errorFrame(message: string, kind: Violation): string {
  const body = JSON.stringify(refusal(null, VIOLATION_CODES[kind], message));
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Listen and serve until `close()`. */
export async function startServer(opts: ServerOptions): Promise<RpcServer> {
  const live = new Set<net.Socket>();
  const server = net.createServer((sock) => serveConnection(sock, opts, live));
  server.maxConnections = opts.maxConnections;
  const fd = inheritedFd(opts.env ?? process.env);
  if (fd !== undefined) {
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen({ fd }, resolve); });
  } else {
    checkSocketPath(opts.socket);
    await prepareSocketPath(opts.socket);
    const previous = process.umask(0o177); // the socket is born 0600: no window where others may connect
    try {
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(opts.socket, resolve); });
    } finally {
      process.umask(previous);
    }
    await chmod(opts.socket, 0o600);
  }
  const address = server.address();
  const socket = typeof address === 'string' && address !== '' ? address : opts.socket;
  opts.log.info({ socket, inherited: fd !== undefined }, 'listening');
  return {
    socket,
    connections: () => live.size,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // end() lets answers already written (e.g. to daemon/shutdown) reach the client first
        for (const s of live) {
          s.end();
          setTimeout(() => s.destroy(), 500).unref();
        }
      });
      if (fd === undefined) await unlink(opts.socket).catch(() => undefined); // already gone is fine
    },
  };
}

function serveConnection(sock: net.Socket, opts: ServerOptions, live: Set<net.Socket>): void {
  live.add(sock);
  const session = randomUUID().slice(0, 8);
  const log = opts.log.child({ session });
  const closed = new AbortController();
  const admission = new Admission(opts.maxInFlight);
  const onDrop = (reason: 'overflow' | 'stall'): void => {
    if (sock.destroyed) return;
    const why = reason === 'overflow' ? { limit: MAX_UNSENT_BYTES } : { unreadForMs: opts.writeTimeoutMs };
    log.warn({ unsent: sock.writableLength, ...why }, 'client does not read its answers; dropping the connection');
    sock.destroy();
  };
  // refusals must not free the id of the request they refuse: only vscode-jsonrpc's answers do
  const writer = new SocketMessageWriter(sock, { onAnswer: () => undefined, onDrop, stallMs: opts.writeTimeoutMs });
  const writable = (): Promise<void> | undefined => whenWritable(sock);
  let tails = false; // the client sent `Llmr-Wire: tails` (protocol/wire.ts): answer with tail frames
  const guard = new FrameGuard({
    maxBody: opts.maxMessageBytes,
    frameTimeoutMs: opts.frameTimeoutMs,
    onViolation: (message, kind) => {
      log.warn({ reason: message }, 'bad frame; closing connection');
      sock.end(errorFrame(message, kind));
      setTimeout(() => sock.destroy(), 1000).unref(); // a client that does not read cannot keep it open
      guard.end();
    },
    admit: (message) => admission.admit(message),
    onRefusal: (reply) => {
      log.info({ code: reply.error.data.code, reason: reply.error.message }, 'message refused');
      void writer.write(reply).catch(() => undefined); // the connection's own error handler logs it
    },
    ready: writable,
    onTails: () => { tails = true; },
  });
  sock.on('error', (err) => log.debug({ err }, 'socket error'));
  sock.pipe(guard);
  const answers = new SocketMessageWriter(sock, {
    onAnswer: (id) => admission.answered(id), onDrop, tails: () => tails, stallMs: opts.writeTimeoutMs,
  });
  const conn = createMessageConnection(new GuardMessageReader(guard), answers);
  conn.onError(([err]) => log.debug({ err }, 'connection error'));
  sock.on('close', () => {
    live.delete(sock);
    closed.abort();
    conn.dispose();
    guard.destroy();
    log.debug('client disconnected');
  });
  opts.register({ conn, log, session, closed: closed.signal, writable });
  conn.listen();
  log.debug('client connected');
}
