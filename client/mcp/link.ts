/**
 * The MCP server's connection to the daemon: made at the first tool call (so a client probing the
 * server with initialize/tools/list starts nothing), remade after the daemon went away (a restart),
 * and retried briefly when two servers start the daemon at the same moment.
 */
import type { CancellationToken, NotificationType, RequestType } from 'vscode-jsonrpc';
import { LlmrError, type ErrorData } from '../../protocol/errors.js';
import { connectDaemon, type DaemonClient } from '../connect.js';

type Env = Record<string, string | undefined>;

const CONNECT_ATTEMPTS = 3;
const RETRY_DELAY_MS = 300;

export class DaemonLink {
  private client: DaemonClient | undefined;
  private connecting: Promise<DaemonClient> | undefined;
  private readonly listeners: Array<(client: DaemonClient) => void> = [];

  constructor(private readonly env: Env, private readonly noSpawn: boolean, private readonly say: (line: string) => void) {}

  /** Register a notification handler on every connection, present and future. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.listeners.push((c) => c.onNotification(type, handler));
    if (this.client !== undefined) this.client.onNotification(type, handler);
  }

  /** A request to the daemon, connecting (or reconnecting) first when needed. */
  async call<P, R>(type: RequestType<P, R, ErrorData>, params: P, token?: CancellationToken): Promise<R> {
    const client = await this.connected();
    return client.call(type, params, token);
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private connected(): Promise<DaemonClient> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  private async connect(): Promise<DaemonClient> {
    let last: unknown;
    for (let attempt = 1; attempt <= CONNECT_ATTEMPTS; attempt++) {
      try {
        const client = await connectDaemon({ env: this.env, noSpawn: this.noSpawn, say: this.say });
        client.conn.onClose(() => { if (this.client === client) this.client = undefined; });
        for (const l of this.listeners) l(client);
        this.client = client;
        return client;
      } catch (err) {
        last = err;
        // another server may be starting the daemon right now: give it a moment, then look again
        if (!(err instanceof LlmrError) || err.code !== 'DAEMON_UNAVAILABLE' || attempt === CONNECT_ATTEMPTS) break;
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * attempt));
      }
    }
    throw last;
  }
}
