/**
 * The client's connection to the daemon: socket, `daemon/hello` version check, auto-start,
 * restart of a daemon of another protocol version. The connection speaks tail frames
 * (client/wire.ts): file content travels as raw bytes, not inside the JSON.
 */
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { homedir } from 'node:os';
import type { CancellationToken, MessageConnection, NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import { HelloRequest, LLMR_VERSION, PROTOCOL_VERSION, ShutdownRequest, type HelloResult } from '../protocol/daemon.js';
import { LlmrError, type ErrorData } from '../protocol/errors.js';
import { checkSocketPath, socketPath } from '../protocol/socket-path.js';
import { clientConfigEnv, envMismatchWarning } from './config-env.js';
import { fromRpcError } from './rpc-error.js';
import { wireConnection } from './wire.js';
import { daemonEventLogPath, daemonLogPath, pollUntil, probeSocket, socketError, spawnDaemon, type SpawnedDaemon } from './spawn.js';

type Env = Record<string, string | undefined>;

const START_TIMEOUT_MS = 10_000;
const HELLO_TIMEOUT_MS = 5_000;
const SLOW_START_MS = 500;
const TERM_GRACE_MS = 10_000;

export interface ConnectOptions {
  env: Env;
  /** Fail instead of starting a daemon when none answers (and instead of restarting one of another version). */
  noSpawn: boolean;
  /** A line for stderr saying what the client is doing (starting, restarting the daemon). */
  say: (line: string) => void;
  timeoutMs?: number;
}

/** A connected, version-checked daemon. */
export interface DaemonClient {
  readonly socket: string;
  readonly hello: HelloResult;
  readonly conn: MessageConnection;
  /** Send a request; JSON-RPC and connection errors come back as LlmrError. */
  call<P, R>(type: RequestType<P, R, ErrorData>, params: P, token?: CancellationToken): Promise<R>;
  call0<R>(type: RequestType0<R, ErrorData>): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void;
  close(): void;
}

type Opened = { kind: 'absent' } | { kind: 'ok'; client: DaemonClient } | { kind: 'mismatch'; client: DaemonClient; version?: number };

/** The socket this client talks to: `LLMR_SOCKET`, else the per-user runtime directory; CONFIG_INVALID when too long for sun_path. */
export function clientSocketPath(env: Env): string {
  const socket = socketPath(env, homedir());
  checkSocketPath(socket);
  return socket;
}

/** Connect to the daemon, starting it when none answers and restarting one of another protocol version. */
export async function connectDaemon(opts: ConnectOptions): Promise<DaemonClient> {
  const socket = clientSocketPath(opts.env);
  let opened = await openClient(socket, opts.env);
  if (opened.kind === 'absent') {
    if (opts.noSpawn) throw notRunning(socket);
    opened = await startAndOpen(socket, opts);
  }
  if (opened.kind === 'mismatch') {
    if (opts.noSpawn) throw mismatchError(socket, opened.version);
    const pid = opened.client.hello.pid;
    opts.say(`llmr: the daemon (pid ${pid}) is llmr ${opened.client.hello.daemonVersion} with protocol ${opened.version ?? 'unknown'}, this client is ${LLMR_VERSION} with protocol ${PROTOCOL_VERSION}; restarting it`);
    await stopDaemon(opened.client, Date.now() + (opts.timeoutMs ?? START_TIMEOUT_MS));
    opened = await startAndOpen(socket, opts);
    if (opened.kind === 'mismatch') {
      opened.client.close();
      throw mismatchError(socket, opened.version);
    }
  }
  if (opened.kind !== 'ok') throw notRunning(socket);
  const warning = envMismatchWarning(opened.client.hello.envMismatch);
  if (warning !== undefined) opts.say(warning);
  return opened.client;
}

/** Connect without starting anything; undefined when no daemon answers. A daemon of another version is an error. */
export async function connectExisting(env: Env): Promise<DaemonClient | undefined> {
  const socket = clientSocketPath(env);
  const opened = await openClient(socket, env);
  if (opened.kind === 'absent') return undefined;
  return opened.client;
}

/**
 * Ask the daemon to shut down and wait (until `deadline`, epoch ms) for its socket to go away.
 * When it refuses or does not go, it gets a SIGTERM (its graceful shutdown) and a few more seconds.
 */
export async function stopDaemon(client: DaemonClient, deadline: number): Promise<void> {
  let refused = false;
  try {
    await client.call0(ShutdownRequest);
  } catch (err) {
    // a lost connection is expected (the daemon closes it while going away); an error answer is a refusal
    refused = !(err instanceof LlmrError && err.code === 'DAEMON_UNAVAILABLE');
  }
  client.close();
  const pid = client.hello.pid;
  // gone = socket closed and (when its pid is known) the process ended, so its containers are released
  const down = async () => (await probeSocket(client.socket)) === 'down' && (pid <= 0 || !processAlive(pid));
  if (!refused && (await pollUntil(down, deadline))) return;
  if (pid > 0 && signalQuietly(pid, 'SIGTERM') && (await pollUntil(down, Date.now() + TERM_GRACE_MS))) return;
  const hint = pid > 0 ? `stop it with: kill ${pid}` : `find it with: fuser ${client.socket}`;
  throw new LlmrError('DAEMON_UNAVAILABLE', `the daemon on ${client.socket} did not stop in time`, hint);
}

function signalQuietly(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // gone already, or not ours: the socket check decides
  }
}

/** Whether `pid` still runs; a zombie (ended, not yet reaped by its parent) counts as ended. */
function processAlive(pid: number): boolean {
  if (!signalQuietly(pid, 0)) return false;
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; the state follows the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): the signal check above is all there is
  }
}

async function startAndOpen(socket: string, opts: ConnectOptions): Promise<Opened> {
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? START_TIMEOUT_MS);
  const child = spawnDaemon(opts.env);
  let exitStatus: number | undefined;
  void child.exited.then((status) => (exitStatus = status));
  let said = false;
  let opened: Opened = { kind: 'absent' };
  await pollUntil(async () => {
    if (!said && Date.now() - started > SLOW_START_MS) {
      said = true;
      opts.say('llmr: starting the daemon…');
    }
    opened = await openClient(socket, opts.env);
    return opened.kind !== 'absent' || exitStatus !== undefined;
  }, deadline);
  if (opened.kind !== 'absent') return opened;
  throw startFailed(socket, opts.env, child, exitStatus);
}

function startFailed(socket: string, env: Env, child: SpawnedDaemon, exitStatus: number | undefined): LlmrError {
  const log = daemonLogPath(env);
  const message =
    exitStatus !== undefined
      ? `the daemon (pid ${child.pid}) exited with status ${exitStatus} before listening on ${socket}`
      : `the daemon (pid ${child.pid}) did not listen on ${socket} in time`;
  return new LlmrError('DAEMON_UNAVAILABLE', message, `see ${log} and ${daemonEventLogPath(env)}, or run it in the foreground: llmr daemon run`);
}

async function openClient(socket: string, env: Env): Promise<Opened> {
  const sock = await openSocket(socket);
  if (sock === undefined) return { kind: 'absent' };
  const conn = wireConnection(sock);
  // vscode-jsonrpc leaves pending requests unanswered on close; disposing rejects them
  conn.onClose(() => conn.dispose());
  conn.listen();
  const log = daemonEventLogPath(env);
  const partial = { socket, conn, log, sock };
  let hello: HelloResult;
  try {
    hello = await withDeadline(
      conn.sendRequest(HelloRequest, { protocolVersion: PROTOCOL_VERSION, clientVersion: LLMR_VERSION, env: clientConfigEnv(env) }),
      HELLO_TIMEOUT_MS,
      socket,
    );
  } catch (err) {
    const e = fromRpcError(err, log);
    if (e.code === 'PROTOCOL_MISMATCH') {
      const unknownHello: HelloResult = { protocolVersion: -1, daemonVersion: 'unknown', pid: 0, socket };
      return { kind: 'mismatch', client: makeClient(partial, unknownHello) };
    }
    close(partial);
    throw e;
  }
  const client = makeClient(partial, hello);
  // Another protocol cannot be spoken; another release of the same protocol would run old code.
  if (hello.protocolVersion !== PROTOCOL_VERSION || (hello.daemonVersion !== 'unknown' && hello.daemonVersion !== LLMR_VERSION)) {
    return { kind: 'mismatch', client, version: hello.protocolVersion };
  }
  return { kind: 'ok', client };
}

interface Parts {
  socket: string;
  conn: MessageConnection;
  log: string;
  sock: Socket;
}

function makeClient(p: Parts, hello: HelloResult): DaemonClient {
  return {
    socket: p.socket,
    hello,
    conn: p.conn,
    call: (type, params, token) => p.conn.sendRequest(type, params as never, token).catch((err: unknown) => Promise.reject(fromRpcError(err, p.log))),
    call0: (type) => p.conn.sendRequest(type).catch((err: unknown) => Promise.reject(fromRpcError(err, p.log))),
    onNotification: (type, handler) => void p.conn.onNotification(type, handler),
    close: () => close(p),
  };
}

function close(p: Parts): void {
  p.conn.dispose();
  p.sock.destroy();
}

function openSocket(socket: string): Promise<Socket | undefined> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socket);
    sock.once('connect', () => {
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve(undefined);
      else reject(socketError(socket, err));
    });
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number, socket: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LlmrError('DAEMON_UNAVAILABLE', `the daemon on ${socket} did not answer within ${ms / 1000}s`, 'restart it: llmr daemon stop && llmr daemon start')),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function notRunning(socket: string): LlmrError {
  return new LlmrError('DAEMON_UNAVAILABLE', `no llmr daemon answers on ${socket}`, 'start it with: llmr daemon start (or drop --no-spawn)');
}

function mismatchError(socket: string, version: number | undefined): LlmrError {
  return new LlmrError(
    'PROTOCOL_MISMATCH',
    `the daemon on ${socket} speaks protocol ${version ?? 'unknown'}, this client ${PROTOCOL_VERSION}`,
    'restart it: llmr daemon stop && llmr daemon start',
  );
}
