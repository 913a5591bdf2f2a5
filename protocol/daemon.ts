import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { DoctorParamsSchema, HelloParamsSchema } from './params.js';

/** The llmr release; `test/version.test.ts` keeps it equal to package.json's version. */
export const LLMR_VERSION = '0.1.0';

/** Bumped whenever a method, a params object, a result object, an error number or the framing changes incompatibly (2: error numbers moved to -33xxx, strict params; 3: tail frames, protocol/wire.ts). */
export const PROTOCOL_VERSION = 3;

/** Params of the method, inferred from `HelloParamsSchema` (protocol/params.ts), their one definition. */
export type HelloParams = z.infer<typeof HelloParamsSchema>;

export interface HelloResult {
  protocolVersion: number;
  daemonVersion: string;
  pid: number;
  /** Absolute path of the socket the daemon listens on. */
  socket: string;
  /**
   * Config variables (`LLMR_*`) set differently in the client's environment than in the daemon's,
   * which reads its environment once at start: a restart (`llmr daemon stop`) applies them.
   */
  envMismatch?: string[];
}

export interface DaemonStatusResult {
  pid: number;
  daemonVersion: string;
  protocolVersion: number;
  uptimeMs: number;
  socket: string;
  /** Realpath'd roots of the open workspaces. */
  workspaces: string[];
  docker: { reachable: boolean; apiVersion?: string; serverVersion?: string; error?: string };
  connections: number;
}

/** Version handshake; the client refuses (and restarts) a daemon of another protocol version. */
export const HelloRequest = new RequestType<HelloParams, HelloResult, ErrorData>('daemon/hello');
/** Daemon-wide state: workspaces, Docker, uptime. */
export const DaemonStatusRequest = new RequestType0<DaemonStatusResult, ErrorData>('daemon/status');
/** Graceful shutdown: answers first, then releases containers, watchers, databases and the socket. */
export const ShutdownRequest = new RequestType0<{ ok: true }, ErrorData>('daemon/shutdown');

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found, e.g. `API 1.41, server 20.10.24`. */
  detail: string;
  /** The exact command or step that fixes a failed check. */
  fix?: string;
  /** Passed, but something is worth fixing (e.g. a whitelisted command missing from the exec image). */
  warning?: boolean;
}

/** Params of the method, inferred from `DoctorParamsSchema` (protocol/params.ts), their one definition. */
export type DoctorParams = z.infer<typeof DoctorParamsSchema>;

export interface DoctorResult {
  checks: DoctorCheck[];
}

/** Daemon-side health checks: Docker reachable and its API version, images present, uid mapping, Ollama. */
export const DoctorRequest = new RequestType<DoctorParams, DoctorResult, ErrorData>('daemon/doctor');
