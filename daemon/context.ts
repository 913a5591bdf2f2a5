/**
 * What every request handler and capability receives besides its params: a neutral module, so
 * capabilities (io/, exec/, search/) depend on neither rpc/ nor workspaces/.
 */
import type { Logger } from 'pino';
import type { NotificationType } from 'vscode-jsonrpc/node';

export interface RequestContext {
  /** Fires when the client cancels the request or disconnects. */
  signal: AbortSignal;
  log: Logger;
  /** Audit session id: one per client connection. */
  session: string;
  notify<P>(type: NotificationType<P>, params: P): void;
}

export type Handler<P, R> = (params: P, ctx: RequestContext) => Promise<R>;
