/**
 * The only place where errors become JSON-RPC responses, and where params are checked against their
 * schema. Every handler gets a context with an AbortSignal that fires when the client cancels the
 * request or disconnects.
 */
import type { Logger } from 'pino';
import { ResponseError, type CancellationToken, type MessageConnection, type RequestType, type RequestType0 } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import type { Handler, RequestContext } from '../context.js';
import { INTERNAL_MESSAGE, LlmrError, asLlmrError, rpcNumber, type ErrorData } from '../../protocol/errors.js';
import { PARAMS_SCHEMAS, checkParams } from '../../protocol/params.js';
import type { OnWire } from '../../protocol/wire.js';

// The per-request types live in a neutral module (capabilities must not import rpc/).
export type { Handler, RequestContext } from '../context.js';

export interface ConnectionScope {
  conn: MessageConnection;
  log: Logger;
  session: string;
  /** Aborted when the connection closes: in-flight work (e.g. a running exec) stops. */
  closed: AbortSignal;
  /** A promise while the client is not reading its answers (see rpc/backpressure.ts); undefined otherwise. */
  writable?: () => Promise<void> | undefined;
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
 * error table. A result's strings may still be bytes (`Utf8Text`, protocol/wire.ts): the writer
 * sends them as a tail or as JSON strings, whichever the connection speaks.
 */
export function handle<P, R>(scope: ConnectionScope, type: RequestType<P, R, ErrorData> | RequestType0<R, ErrorData>, fn: Handler<P, OnWire<R>>): void {
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
      await waitUntilWritable(scope, controller.signal);
      const result = await fn(checked.value as P, contextFor(scope, controller.signal, log));
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

/** Backpressure: a handler starts only when the client reads its answers (or the request is cancelled). */
async function waitUntilWritable(scope: ConnectionScope, signal: AbortSignal): Promise<void> {
  for (let wait = scope.writable?.(); wait !== undefined; wait = scope.writable?.()) {
    if (signal.aborted) throw new LlmrError('CANCELLED', 'request cancelled before it started');
    await Promise.race([wait, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
  }
  if (signal.aborted) throw new LlmrError('CANCELLED', 'request cancelled before it started');
}

function contextFor(scope: ConnectionScope, signal: AbortSignal, log: Logger): RequestContext {
  let dropped = 0;
  return {
    signal, log, session: scope.session,
    notify: (t, p) => {
      if (scope.closed.aborted) return;
      if (scope.writable?.() !== undefined) {
        // the client is not reading: drop the stream rather than queue it; the result carries the content
        if (dropped++ === 0) log.info({ notification: t.method }, 'client not reading; dropping notifications');
        return;
      }
      void (scope.conn.sendNotification as (t: unknown, p: unknown) => Promise<void>)(t, p).catch(() => undefined);
    },
  };
}

/** An LlmrError keeps its code and message; anything else is INTERNAL with a fixed message. */
export function toResponseError(err: unknown, log: Logger): ResponseError<ErrorData> {
  const e = asLlmrError(err);
  if (e.code === 'INTERNAL') log.error({ err: e.cause ?? err }, 'internal error');
  else log.info({ code: e.code, msg: e.message }, 'request failed');
  const message = e.code === 'INTERNAL' ? INTERNAL_MESSAGE : e.message;
  return new ResponseError<ErrorData>(rpcNumber(e.code), message, e.toData());
}
