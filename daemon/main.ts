#!/usr/bin/env node
/**
 * Composition root: config → logger → Docker (reap leftovers) → workspaces → RPC → listen.
 * SIGTERM/SIGINT and `daemon/shutdown` close everything in reverse order of creation.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { asLlmrError, exitStatus } from '../protocol/errors.js';
import { LLMR_VERSION } from '../protocol/daemon.js';
import { socketPath } from '../protocol/socket-path.js';
import { createAuditSinks } from './audit/sink.js';
import { loadConfig } from './config/load.js';
import { stateDir, userConfigFile } from './config/paths.js';
import type { LlmrConfig } from './config/schema.js';
import { createDockerClient, type DockerClient } from './containers/docker.js';
import { withImageCheck } from './containers/image-check.js';
import { helperSocketParent } from './containers/helper-socket.js';
import { LABELS } from './containers/spec.js';
import { createLogger } from './log.js';
import { registerRoutes } from './rpc/routes.js';
import { startServer } from './rpc/server.js';
import { activatedSocketPath } from './rpc/socket-name.js';
import { createServices } from './services.js';
import { createRegistry } from './workspaces/registry.js';

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Remove the containers a previous daemon on this socket left behind (e.g. after kill -9). */
async function reap(docker: DockerClient, instance: string, log: Logger): Promise<void> {
  try {
    const ids = await docker.listByLabel(LABELS.instance, instance);
    await Promise.all(ids.map((id) => docker.remove(id)));
    if (ids.length > 0) log.info({ count: ids.length }, 'reaped containers of a previous daemon');
  } catch (err) {
    log.warn({ err }, 'could not reap old containers (is Docker running?)');
  }
}

function auditFile(config: LlmrConfig, state: string): string {
  return config.audit.file || config.security.audit_log_path || path.join(state, 'audit.log');
}

async function main(): Promise<void> {
  const env = process.env;
  const homedir = os.homedir();
  const { config } = await loadConfig({ env, homedir });
  const state = stateDir(env, homedir);
  const foreground = process.argv.includes('--foreground') || env.JOURNAL_STREAM !== undefined;
  const log = createLogger({ file: config.logging.file || path.join(state, 'daemon.log'), level: config.logging.level, foreground });
  // under socket activation the inherited socket names the daemon, whatever (little) environment systemd gave it
  const socket = (await activatedSocketPath(env)) ?? socketPath(env, homedir);
  const instance = createHash('sha256').update(socket).digest('hex').slice(0, 16);
  const docker = withImageCheck(createDockerClient({ socketParent: helperSocketParent(state, env.XDG_RUNTIME_DIR) }));
  await reap(docker, instance, log);
  const audits = createAuditSinks(log);
  const registry = createRegistry({
    docker, log, instance, env, homedir, userConfigFile: userConfigFile(env, homedir), idleMs: config.daemon.idle_workspace_timeout,
    auditFor: (c, s) => audits.get(auditFile(c, s), c.audit.enabled),
  });
  let shuttingDown = false;
  const shutdown = async (why: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ why }, 'shutting down');
    await server.close().catch((err: unknown) => log.warn({ err }, 'closing the socket failed'));
    await registry.closeAll();
    await audits.closeAll();
    log.info('stopped');
    log.flush();
    setTimeout(() => process.exit(0), 50);
  };
  const services = createServices({
    version: LLMR_VERSION, socket: () => server.socket, startedAt: Date.now(), docker, registry,
    connections: () => server.connections(), defaultAuditFile: auditFile(config, state),
    requestShutdown: () => void shutdown('shutdown request'),
  });
  const server = await startServer({
    socket, log, maxMessageBytes: MAX_MESSAGE_BYTES, maxConnections: config.daemon.max_connections,
    frameTimeoutMs: config.daemon.read_timeout, writeTimeoutMs: config.daemon.write_timeout, maxInFlight: config.daemon.max_requests_in_flight,
    register: (scope) => registerRoutes(scope, services),
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  log.info({ pid: process.pid, socket }, 'daemon ready');
}

main().catch((err: unknown) => {
  const e = asLlmrError(err);
  process.stderr.write(`llmr daemon: ${e.code === 'INTERNAL' ? String((err as Error)?.stack ?? err) : e.message}\n`);
  if (e.details) process.stderr.write(`hint: ${e.details}\n`);
  process.exit(exitStatus(e.code));
});
