import { DaemonStatusRequest } from '../../protocol/daemon.js';
import { EXIT } from '../../protocol/errors.js';
import type { Invocation } from '../args.js';
import { connectFor, type CliIo } from '../cli-io.js';
import { clientSocketPath, connectExisting, stopDaemon } from '../connect.js';
import { daemonEventLogPath, daemonLogPath, probeSocket, runDaemonForeground } from '../spawn.js';
import { formatDaemonStatus } from './status-format.js';

type DaemonArgs = Extract<Invocation, { command: 'daemon' }>;

const STOP_TIMEOUT_MS = 10_000;

/** `llmr daemon start|stop|status|run`. */
export async function runDaemonCommand(args: DaemonArgs, io: CliIo): Promise<number> {
  switch (args.action) {
    case 'start':
      return start(io);
    case 'stop':
      return stop(io);
    case 'status':
      return status(args.json, io);
    case 'run':
      return runDaemonForeground(io.env);
  }
}

async function start(io: CliIo): Promise<number> {
  const socket = clientSocketPath(io.env);
  const wasUp = (await probeSocket(socket)) === 'up';
  const client = await connectFor(io, false);
  client.close();
  const verb = wasUp ? 'running' : 'started';
  io.stdout.write(`llmr daemon: ${verb} (pid ${client.hello.pid}, protocol ${client.hello.protocolVersion}) on ${client.socket}\n`);
  return EXIT.OK;
}

async function stop(io: CliIo): Promise<number> {
  const client = await connectExisting(io.env);
  if (client === undefined) {
    io.stdout.write(`llmr daemon: not running (${clientSocketPath(io.env)})\n`);
    return EXIT.OK;
  }
  await stopDaemon(client, Date.now() + STOP_TIMEOUT_MS);
  io.stdout.write(`llmr daemon: stopped (pid ${client.hello.pid})\n`);
  return EXIT.OK;
}

async function status(json: boolean, io: CliIo): Promise<number> {
  const client = await connectExisting(io.env);
  const log = daemonEventLogPath(io.env);
  if (client === undefined) {
    const socket = clientSocketPath(io.env);
    io.stdout.write(json ? JSON.stringify({ running: false, socket, log }) + '\n' : `llmr daemon: not running (${socket})\n`);
    return EXIT.DAEMON;
  }
  try {
    const s = await client.call0(DaemonStatusRequest);
    io.stdout.write(json ? JSON.stringify({ running: true, ...s, log }) + '\n' : `${formatDaemonStatus(s)}log:         ${log}\n`);
    return EXIT.OK;
  } finally {
    client.close();
  }
}
