/**
 * The only place where errors become JSON-RPC responses. Every handler gets a context with an
 * AbortSignal that fires when the client cancels the request or disconnects.
 */
import type { Logger } from 'pino';
import { ResponseError, type CancellationToken, type MessageConnection, type RequestType, type RequestType0 } from 'vscode-jsonrpc/node';
import type { Handler, RequestContext } from '../context.js';
import { INTERNAL_MESSAGE, LlmrError, asLlmrError, rpcNumber, type ErrorData } from '../../protocol/errors.js';

// The per-request types live in a neutral module (capabilities must not import rpc/).
export type { Handler, RequestContext } from '../context.js';

export interface ConnectionScope {
  conn: MessageConnection;
  log: Logger;
  session: string;
  /** Aborted when the connection closes: in-flight work (e.g. a running exec) stops. */
  closed: AbortSignal;
}

let requestCounter = 0;

/** Register `fn` for `type` on the connection, translating every error through the error table. */
export function handle<P, R>(scope: ConnectionScope, type: RequestType<P, R, ErrorData> | RequestType0<R, ErrorData>, fn: Handler<P, R>): void {
  // vscode-jsonrpc's overloads cannot follow generic P/R; the constants keep callers typed.
  const on = scope.conn.onRequest.bind(scope.conn) as (t: unknown, h: (a: P | CancellationToken, b?: CancellationToken) => Promise<unknown>) => void;
  // A method without params (RequestType0) gets the token as its only argument.
  const noParams = type.numberOfParams === 0;
  on(type, async (first: P | CancellationToken, second?: CancellationToken) => {
    const params = (noParams ? undefined : first) as P;
    const token = (noParams ? first : second) as CancellationToken;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    const cancelSub = token.onCancellationRequested(abort);
    scope.closed.addEventListener('abort', abort, { once: true });
    requestCounter += 1;
    const log = scope.log.child({ req: requestCounter, method: type.method });
    const started = performance.now();
    try {
      if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
        throw new LlmrError('INVALID_PARAMS', `${type.method} takes one params object`);
      }
      const ctx: RequestContext = {
        signal: controller.signal, log, session: scope.session,
        notify: (t, p) => {
          if (!scope.closed.aborted) void (scope.conn.sendNotification as (t: unknown, p: unknown) => Promise<void>)(t, p).catch(() => undefined);
        },
      };
      const result = await fn(params ?? ({} as P), ctx);
      log.debug({ ms: Math.round(performance.now() - started) }, 'request done');
      return result;
    } catch (err) {
      return toResponseError(err, log);
    } finally {
      cancelSub.dispose();
      scope.closed.removeEventListener('abort', abort);
    }
  });
}

/** An LlmrError keeps its code and message; anything else is INTERNAL with a fixed message. */
export function toResponseError(err: unknown, log: Logger): ResponseError<ErrorData> {
  const e = asLlmrError(err);
  if (e.code === 'INTERNAL') log.error({ err: e.cause ?? err }, 'internal error');
  else log.info({ code: e.code, msg: e.message }, 'request failed');
  const message = e.code === 'INTERNAL' ? INTERNAL_MESSAGE : e.message;
  return new ResponseError<ErrorData>(rpcNumber(e.code), message, e.toData());
}
