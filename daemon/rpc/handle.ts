/**
 * The only place where errors become JSON-RPC responses, and where params are checked against their
 * schema. Every handler gets a context with an AbortSignal that fires when the client cancels the
 * request or disconnects.
 */
import type { Logger } from 'pino';
import { ResponseError, type CancellationToken, type MessageConnection, type NotificationType, type RequestType, type RequestType0 } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import { INTERNAL_MESSAGE, LlmrError, asLlmrError, rpcNumber, type ErrorData } from '../../protocol/errors.js';
import { PARAMS_SCHEMAS, checkParams } from '../../protocol/params.js';

export interface RequestContext {
  signal: AbortSignal;
  log: Logger;
  /** Audit session id: one per client connection. */
  session: string;
  notify<P>(type: NotificationType<P>, params: P): void;
}

export type Handler<P, R> = (params: P, ctx: RequestContext) => Promise<R>;

export interface ConnectionScope {
  conn: MessageConnection;
  log: Logger;
  session: string;
  /** Aborted when the connection closes: in-flight work (e.g. a running exec) stops. */
  closed: AbortSignal;
}

let requestCounter = 0;

/** The params schema of a method; a method without one cannot be served. */
function schemaOf(method: string): z.ZodType {
  const schema = Object.prototype.hasOwnProperty.call(PARAMS_SCHEMAS, method) ? PARAMS_SCHEMAS[method] : undefined;
  if (schema === undefined) throw new LlmrError('INTERNAL', `no params schema for ${method}: add one to protocol/params.ts`);
  return schema;
}

/**
 * Register `fn` for `type` on the connection. The params are checked against the method's schema
 * (protocol/params.ts) first, so `fn` only ever sees valid params; every error goes through the
 * error table.
 */
export function handle<P, R>(scope: ConnectionScope, type: RequestType<P, R, ErrorData> | RequestType0<R, ErrorData>, fn: Handler<P, R>): void {
  const schema = schemaOf(type.method);
  // Registered by name, vscode-jsonrpc calls (token) without params, (params, token) with an object,
  // and (...array, token) with positional params, whatever the method's declared arity.
  scope.conn.onRequest(type.method, async (...args: unknown[]) => {
    const token = args[args.length - 1] as CancellationToken;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    const cancelSub = token.onCancellationRequested(abort);
    scope.closed.addEventListener('abort', abort, { once: true });
    requestCounter += 1;
    const log = scope.log.child({ req: requestCounter, method: type.method });
    const started = performance.now();
    try {
      if (args.length > 2) throw new LlmrError('INVALID_PARAMS', `${type.method} takes one params object, not positional params`);
      const checked = checkParams(schema, type.method, args.length === 2 ? args[0] : {});
      if (!checked.ok) throw new LlmrError('INVALID_PARAMS', checked.problem.message, `field: ${checked.problem.field}`);
      const ctx: RequestContext = {
        signal: controller.signal, log, session: scope.session,
        notify: (t, p) => {
          if (!scope.closed.aborted) void (scope.conn.sendNotification as (t: unknown, p: unknown) => Promise<void>)(t, p).catch(() => undefined);
        },
      };
      const result = await fn(checked.value as P, ctx);
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
