import { ConnectionError, ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import { isErrorCode, LlmrError, type ErrorData } from '../protocol/errors.js';

/** Codes vscode-jsonrpc uses when the connection itself went away. */
/** JSON-RPC's "request cancelled" error number (LSP range; vscode-jsonrpc keeps it out of ErrorCodes). */
const REQUEST_CANCELLED = -32800;

const LOST: ReadonlySet<number> = new Set([ErrorCodes.PendingResponseRejected, ErrorCodes.ConnectionInactive, ErrorCodes.MessageWriteError]);

/**
 * A rejected request as an LlmrError: the daemon's own errors keep their code, message and
 * details; a lost connection is DAEMON_UNAVAILABLE pointing at the daemon log.
 */
export function fromRpcError(err: unknown, logPath?: string): LlmrError {
  if (err instanceof LlmrError) return err;
  if (err instanceof ResponseError) {
    const data = err.data as Partial<ErrorData> | undefined;
    if (data !== undefined && data !== null && isErrorCode(data.code)) {
      return new LlmrError(data.code, err.message, data.details, { cause: err, ...(data.output !== undefined ? { output: data.output } : {}) });
    }
    if (LOST.has(err.code)) return lost(logPath, err);
    if (err.code === REQUEST_CANCELLED) return new LlmrError('CANCELLED', 'request cancelled', undefined, { cause: err });
    return new LlmrError('INTERNAL', `daemon error ${err.code}: ${err.message}`, undefined, { cause: err });
  }
  if (err instanceof ConnectionError) return lost(logPath, err);
  const message = err instanceof Error ? err.message : String(err);
  return new LlmrError('INTERNAL', `unexpected client error: ${message}`, undefined, { cause: err });
}

function lost(logPath: string | undefined, cause: unknown): LlmrError {
  const hint = logPath !== undefined ? `see ${logPath}` : undefined;
  return new LlmrError('DAEMON_UNAVAILABLE', 'the connection to the llmr daemon was lost', hint, { cause });
}

/** Anything thrown in the client, as an LlmrError (unknown errors: INTERNAL naming what happened). */
export function asClientError(err: unknown): LlmrError {
  return fromRpcError(err);
}
