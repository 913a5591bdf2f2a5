import type { Readable, Writable } from 'node:stream';
import { connectDaemon, type DaemonClient } from './connect.js';

/** The process edges a command works with (injected so tests can use their own streams). */
export interface CliIo {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Connect to the daemon (starting it unless `noSpawn`), saying on stderr what takes time. */
export function connectFor(io: CliIo, noSpawn: boolean): Promise<DaemonClient> {
  return connectDaemon({ env: io.env, noSpawn, say: (line) => void io.stderr.write(line + '\n') });
}

/** Run `fn` with a connected client and close it afterwards. */
export async function withClient<T>(io: CliIo, noSpawn: boolean, fn: (client: DaemonClient) => Promise<T>): Promise<T> {
  const client = await connectFor(io, noSpawn);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
