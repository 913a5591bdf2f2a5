/**
 * JSON-RPC 2.0 strictness (spec §4–§6), checked on every parsed message before vscode-jsonrpc
 * sees it, which would otherwise answer some of these with silence or with another request's
 * output. A message that fails gets one error answer and is dropped; the connection goes on.
 *
 * - `"jsonrpc"` must be `"2.0"`; a message must be an object with a string `method`;
 * - an `id` must be a string or an integer; anything else is answered with `id: null`;
 * - batches (`[...]`, also `[]`) are not supported and say so;
 * - `params`, when present, must be an object (llmr's methods take named params only);
 * - an id still in flight on the connection may not be reused, and at most `maxInFlight`
 *   requests may be in flight at once (DAEMON_BUSY beyond that).
 */
import { rpcNumber, type ErrorCode } from '../../protocol/errors.js';

export type RequestId = string | number;

/** A JSON-RPC error response the connection sends instead of passing a message on. */
export interface Refusal {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: { code: number; message: string; data: { code: ErrorCode } };
}

/** A refusal of `code` for the message with `id`. */
export function refusal(id: RequestId | null, code: ErrorCode, message: string): Refusal {
  return { jsonrpc: '2.0', id, error: { code: rpcNumber(code), message, data: { code } } };
}

function validId(id: unknown): id is RequestId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? `the unsafe integer ${v}` : `the number ${v}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The ids in flight on one connection, and the check each incoming message goes through. */
export class Admission {
  private readonly inFlight = new Set<string>();

  constructor(private readonly maxInFlight: number) {}

  /** Requests received and not yet answered. */
  get size(): number {
    return this.inFlight.size;
  }

  /** Undefined to pass `msg` on (a request is then in flight), or the answer to send instead. */
  admit(msg: unknown): Refusal | undefined {
    if (Array.isArray(msg)) return refusal(null, 'INVALID_REQUEST', 'batches are not supported: send one JSON-RPC message per frame');
    if (msg === null || typeof msg !== 'object') return refusal(null, 'INVALID_REQUEST', `a JSON-RPC message must be an object, got ${kindOf(msg)}`);
    const m = msg as Record<string, unknown>;
    const hasId = own(m, 'id');
    if (hasId && !validId(m.id)) return refusal(null, 'INVALID_REQUEST', `"id" must be a string or an integer, got ${kindOf(m.id)}`);
    const id = hasId ? (m.id as RequestId) : null;
    if (m.jsonrpc !== '2.0') {
      const got = own(m, 'jsonrpc') ? JSON.stringify(m.jsonrpc).slice(0, 40) : 'none';
      return refusal(id, 'INVALID_REQUEST', `"jsonrpc" must be "2.0", got ${got}`);
    }
    if (!own(m, 'method')) {
      // a response: the daemon sends no requests, vscode-jsonrpc logs and drops it; never answer one
      if (hasId && (own(m, 'result') || own(m, 'error'))) return undefined;
      return refusal(id, 'INVALID_REQUEST', 'a JSON-RPC request needs a "method"');
    }
    if (typeof m.method !== 'string') return refusal(id, 'INVALID_REQUEST', `"method" must be a string, got ${kindOf(m.method)}`);
    if (own(m, 'params') && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))) {
      return refusal(id, 'INVALID_PARAMS', `${m.method.slice(0, 80)}: params must be an object of named fields, got ${kindOf(m.params)}`);
    }
    if (!hasId) return undefined; // a notification
    const key = keyOf(id as RequestId);
    if (this.inFlight.has(key)) {
      return refusal(id, 'INVALID_REQUEST', `request id ${JSON.stringify(id)} is already in flight on this connection; use a new id for each request`);
    }
    if (this.inFlight.size >= this.maxInFlight) {
      return refusal(id, 'DAEMON_BUSY', `${this.maxInFlight} requests are already in flight on this connection; wait for their answers, then retry`);
    }
    this.inFlight.add(key);
    return undefined;
  }

  /** A response to `id` went out: the id may be used again. */
  answered(id: unknown): void {
    if (validId(id)) this.inFlight.delete(keyOf(id));
  }
}

/** 1 and "1" are different ids, as they are to vscode-jsonrpc. */
function keyOf(id: RequestId): string {
  return `${typeof id}:${id}`;
}
