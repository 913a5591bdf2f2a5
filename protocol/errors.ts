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
  /** The repository is refused as it is (owned by root): nothing ran; fix its ownership or your config. */
  REPO_REFUSED: 6,
  INTERNAL: 70,
} as const;

/**
 * Every error code, with its JSON-RPC error number and the exit status it maps to.
 *
 * Application numbers live in -33xxx, outside JSON-RPC's reserved -32099..-32000 (since protocol
 * version 2; before, each was 1000 higher). The only numbers from the reserved -32768..-32000 range are
 * the standard ones with their standard meaning: -32700 parse error, -32600 invalid request,
 * -32602 invalid params, -32603 internal error, -32800 request cancelled. Codes are never renamed.
 */
export const ERROR_CODES = {
  COMMAND_NOT_FOUND: { rpc: -33001, exit: EXIT.COMMAND_FAILED },
  INVALID_SYNTAX: { rpc: -33002, exit: EXIT.COMMAND_FAILED },
  COMMAND_TIMEOUT: { rpc: -33003, exit: EXIT.COMMAND_FAILED },
  PATH_OUTSIDE_REPO: { rpc: -33010, exit: EXIT.COMMAND_FAILED },
  PATH_EXCLUDED: { rpc: -33011, exit: EXIT.COMMAND_FAILED },
  PATH_PROTECTED: { rpc: -33012, exit: EXIT.COMMAND_FAILED },
  PATH_INVALID: { rpc: -33013, exit: EXIT.COMMAND_FAILED },
  FILE_NOT_FOUND: { rpc: -33020, exit: EXIT.COMMAND_FAILED },
  IS_DIRECTORY: { rpc: -33021, exit: EXIT.COMMAND_FAILED },
  BINARY_FILE: { rpc: -33022, exit: EXIT.COMMAND_FAILED },
  FILE_TOO_LARGE: { rpc: -33023, exit: EXIT.COMMAND_FAILED },
  PERMISSION_DENIED: { rpc: -33024, exit: EXIT.COMMAND_FAILED },
  WRITE_CONFLICT: { rpc: -33025, exit: EXIT.COMMAND_FAILED },
  EXTENSION_DENIED: { rpc: -33026, exit: EXIT.COMMAND_FAILED },
  COMMAND_DISABLED: { rpc: -33027, exit: EXIT.COMMAND_FAILED },
  COMMAND_NOT_WHITELISTED: { rpc: -33030, exit: EXIT.COMMAND_FAILED },
  EXEC_FAILED: { rpc: -33031, exit: EXIT.COMMAND_FAILED },
  DOCKER_UNAVAILABLE: { rpc: -33040, exit: EXIT.DOCKER },
  IMAGE_MISSING: { rpc: -33041, exit: EXIT.DOCKER },
  CONTAINER_FAILED: { rpc: -33042, exit: EXIT.DOCKER },
  POOL_EXHAUSTED: { rpc: -33043, exit: EXIT.DOCKER },
  REPO_OWNER_ROOT: { rpc: -33044, exit: EXIT.REPO_REFUSED },
  OLLAMA_UNAVAILABLE: { rpc: -33050, exit: EXIT.COMMAND_FAILED },
  INDEX_NOT_FOUND: { rpc: -33051, exit: EXIT.COMMAND_FAILED },
  EMBEDDING_FAILED: { rpc: -33052, exit: EXIT.COMMAND_FAILED },
  CONFIG_INVALID: { rpc: -33060, exit: EXIT.CONFIG },
  ROOT_NOT_FOUND: { rpc: -33061, exit: EXIT.CONFIG },
  USAGE: { rpc: -33062, exit: EXIT.USAGE },
  INVALID_PARAMS: { rpc: -32602, exit: EXIT.USAGE },
  DAEMON_UNAVAILABLE: { rpc: -33070, exit: EXIT.DAEMON },
  PROTOCOL_MISMATCH: { rpc: -33071, exit: EXIT.DAEMON },
  AUDIT_TAMPERED: { rpc: -33072, exit: EXIT.COMMAND_FAILED },
  CANCELLED: { rpc: -32800, exit: EXIT.COMMAND_FAILED },
  INTERNAL: { rpc: -32603, exit: EXIT.INTERNAL },
  // JSON-RPC's own: a body that is not JSON, a message that is not a valid request
  PARSE_ERROR: { rpc: -32700, exit: EXIT.DAEMON },
  INVALID_REQUEST: { rpc: -32600, exit: EXIT.DAEMON },
  // rpc block -33080..-33089: the connection's limits
  MESSAGE_TOO_LARGE: { rpc: -33080, exit: EXIT.DAEMON },
  DAEMON_BUSY: { rpc: -33081, exit: EXIT.DAEMON },
  MESSAGE_TIMEOUT: { rpc: -33082, exit: EXIT.DAEMON },
  // sec block -33014..-33019, -33045..-33049
  /** A written path holds a control, bidirectional-override or invisible character. */
  PATH_UNSAFE_NAME: { rpc: -33014, exit: EXIT.COMMAND_FAILED },
  /** A path used as a directory (trailing `/`) names a file. */
  NOT_A_DIRECTORY: { rpc: -33015, exit: EXIT.COMMAND_FAILED },
  /** The repository is owned by another user than the daemon's. */
  REPO_OWNER_FOREIGN: { rpc: -33016, exit: EXIT.REPO_REFUSED },
  /** The repository root holds the user's home directory or llmr's own directories. */
  ROOT_TOO_BROAD: { rpc: -33017, exit: EXIT.REPO_REFUSED },
  /**
   * The path changed between the guard's check and the container's open (a running read-write
   * command swapped in a symlink or another file): nothing was read or written; try again.
   */
  PATH_CHANGED: { rpc: -33018, exit: EXIT.COMMAND_FAILED },
  // mcp block -33090..-33099: edit, undo, grep
  EDIT_NO_MATCH: { rpc: -33090, exit: EXIT.COMMAND_FAILED },
  EDIT_AMBIGUOUS: { rpc: -33091, exit: EXIT.COMMAND_FAILED },
  EDIT_OVERLAP: { rpc: -33092, exit: EXIT.COMMAND_FAILED },
  NOTHING_TO_UNDO: { rpc: -33093, exit: EXIT.COMMAND_FAILED },
  PATTERN_INVALID: { rpc: -33094, exit: EXIT.COMMAND_FAILED },
  // exec block -33110..-33119
  /** A command that needs the network, refused before it starts (exec containers have none). */
  NETWORK_DISABLED: { rpc: -33110, exit: EXIT.COMMAND_FAILED },
  // masks block -33120..-33129
  /** An exec container's mask no longer covers its path (the host replaced the file): the container is retired. */
  MASK_BROKEN: { rpc: -33120, exit: EXIT.DOCKER },
  /** The configured image cannot run llmr's helper (not Linux, another architecture, no usable rootfs). */
  IMAGE_UNSUITABLE: { rpc: -33121, exit: EXIT.DOCKER },
  /** The command stopped llmr's helper in its container (e.g. kill(-1, SIGKILL)); the output so far comes with it. */
  EXEC_ABORTED: { rpc: -33122, exit: EXIT.COMMAND_FAILED },
  // rw block -33130..-33139
  /** A git command while commands cannot see `.git` (the message says why). */
  GIT_UNAVAILABLE: { rpc: -33130, exit: EXIT.COMMAND_FAILED },
  /** A read-write command changed something it must not (a protected path, .git, an excluded file); nothing was kept. */
  EXEC_CHANGE_REFUSED: { rpc: -33131, exit: EXIT.COMMAND_FAILED },
  /** Nothing a command changed is left to restore. */
  NOTHING_TO_RESTORE: { rpc: -33132, exit: EXIT.COMMAND_FAILED },
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
