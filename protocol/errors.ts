/**
 * The error model shared by daemon and client: one class, one table.
 *
 * The code (UPPER_SNAKE) is the identity of an error everywhere: in tests, in logs, in the
 * JSON-RPC `data`, and in the `=== ERROR: CODE ===` frame. The JSON-RPC number and the
 * process exit status come from {@link ERROR_CODES}; code never compares numbers.
 */

/** Exit statuses of the `llmr` process. */
export const EXIT = {
  OK: 0,
  COMMAND_FAILED: 1,
  USAGE: 2,
  CONFIG: 3,
  DAEMON: 4,
  DOCKER: 5,
  INTERNAL: 70,
} as const;

/** Every error code, with its JSON-RPC error number and the exit status it maps to. */
export const ERROR_CODES = {
  COMMAND_NOT_FOUND: { rpc: -32001, exit: EXIT.COMMAND_FAILED },
  INVALID_SYNTAX: { rpc: -32002, exit: EXIT.COMMAND_FAILED },
  COMMAND_TIMEOUT: { rpc: -32003, exit: EXIT.COMMAND_FAILED },
  PATH_OUTSIDE_REPO: { rpc: -32010, exit: EXIT.COMMAND_FAILED },
  PATH_EXCLUDED: { rpc: -32011, exit: EXIT.COMMAND_FAILED },
  PATH_PROTECTED: { rpc: -32012, exit: EXIT.COMMAND_FAILED },
  PATH_INVALID: { rpc: -32013, exit: EXIT.COMMAND_FAILED },
  FILE_NOT_FOUND: { rpc: -32020, exit: EXIT.COMMAND_FAILED },
  IS_DIRECTORY: { rpc: -32021, exit: EXIT.COMMAND_FAILED },
  BINARY_FILE: { rpc: -32022, exit: EXIT.COMMAND_FAILED },
  FILE_TOO_LARGE: { rpc: -32023, exit: EXIT.COMMAND_FAILED },
  PERMISSION_DENIED: { rpc: -32024, exit: EXIT.COMMAND_FAILED },
  WRITE_CONFLICT: { rpc: -32025, exit: EXIT.COMMAND_FAILED },
  EXTENSION_DENIED: { rpc: -32026, exit: EXIT.COMMAND_FAILED },
  COMMAND_DISABLED: { rpc: -32027, exit: EXIT.COMMAND_FAILED },
  COMMAND_NOT_WHITELISTED: { rpc: -32030, exit: EXIT.COMMAND_FAILED },
  EXEC_FAILED: { rpc: -32031, exit: EXIT.COMMAND_FAILED },
  DOCKER_UNAVAILABLE: { rpc: -32040, exit: EXIT.DOCKER },
  IMAGE_MISSING: { rpc: -32041, exit: EXIT.DOCKER },
  CONTAINER_FAILED: { rpc: -32042, exit: EXIT.DOCKER },
  POOL_EXHAUSTED: { rpc: -32043, exit: EXIT.DOCKER },
  REPO_OWNER_ROOT: { rpc: -32044, exit: EXIT.CONFIG },
  OLLAMA_UNAVAILABLE: { rpc: -32050, exit: EXIT.COMMAND_FAILED },
  INDEX_NOT_FOUND: { rpc: -32051, exit: EXIT.COMMAND_FAILED },
  EMBEDDING_FAILED: { rpc: -32052, exit: EXIT.COMMAND_FAILED },
  CONFIG_INVALID: { rpc: -32060, exit: EXIT.CONFIG },
  ROOT_NOT_FOUND: { rpc: -32061, exit: EXIT.CONFIG },
  USAGE: { rpc: -32062, exit: EXIT.USAGE },
  INVALID_PARAMS: { rpc: -32602, exit: EXIT.USAGE },
  MESSAGE_TOO_LARGE: { rpc: -32600, exit: EXIT.DAEMON },
  DAEMON_UNAVAILABLE: { rpc: -32070, exit: EXIT.DAEMON },
  PROTOCOL_MISMATCH: { rpc: -32071, exit: EXIT.DAEMON },
  AUDIT_TAMPERED: { rpc: -32072, exit: EXIT.COMMAND_FAILED },
  CANCELLED: { rpc: -32800, exit: EXIT.COMMAND_FAILED },
  INTERNAL: { rpc: -32603, exit: EXIT.INTERNAL },
  NETWORK_DISABLED: { rpc: -33110, exit: EXIT.COMMAND_FAILED },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The `data` of a JSON-RPC error response sent by the daemon. */
export interface ErrorData {
  code: ErrorCode;
  details?: string;
  /** For exec errors after the command ran (timeout, cancel): what it printed so far. */
  output?: ExecOutputSoFar;
}

export interface ExecOutputSoFar {
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The fixed message every unexpected error becomes on the wire; the cause stays in the daemon log. */
export const INTERNAL_MESSAGE = 'internal error in the llmr daemon; see the daemon log for details';

/** The single error class of llmr. `code` is the identity; `message` is for people. */
export class LlmrError extends Error {
  readonly code: ErrorCode;
  readonly details?: string;
  readonly output?: ExecOutputSoFar;

  constructor(code: ErrorCode, message: string, details?: string, options?: { cause?: unknown; output?: ExecOutputSoFar }) {
    super(message, options);
    this.name = 'LlmrError';
    this.code = code;
    if (details !== undefined) this.details = details;
    if (options?.output !== undefined) this.output = options.output;
  }

  /** The wire form of this error (JSON-RPC `data`). */
  toData(): ErrorData {
    const data: ErrorData = { code: this.code };
    if (this.details !== undefined) data.details = this.details;
    if (this.output !== undefined) data.output = this.output;
    return data;
  }
}

/** True when `code` is one of the table's codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The JSON-RPC error number of a code. */
export function rpcNumber(code: ErrorCode): number {
  return ERROR_CODES[code].rpc;
}

/** The exit status of the `llmr` process for a code. */
export function exitStatus(code: ErrorCode): number {
  return ERROR_CODES[code].exit;
}

/** Anything thrown, as an LlmrError; unknown errors become INTERNAL with the fixed message. */
export function asLlmrError(err: unknown): LlmrError {
  if (err instanceof LlmrError) return err;
  return new LlmrError('INTERNAL', INTERNAL_MESSAGE, undefined, { cause: err });
}

/**
 * The text error block of the tag output:
 * `=== ERROR: CODE ===`, `Message:`, optional `Details:`, `Command: <tag arg>`, `=== END ERROR ===`.
 * `extra` lines (for example exit code and output of a failed exec) come before the end marker.
 */
export function renderError(err: { code: ErrorCode; message: string; details?: string }, command?: string, extra: string[] = []): string {
  const lines = [`=== ERROR: ${err.code} ===`, `Message: ${err.message}`];
  if (err.details !== undefined && err.details !== '') lines.push(`Details: ${err.details}`);
  if (command !== undefined) lines.push(`Command: ${command}`);
  lines.push(...extra, '=== END ERROR ===');
  return lines.join('\n') + '\n';
}
