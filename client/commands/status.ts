import { DaemonStatusRequest } from '../../protocol/daemon.js';
import { EXIT } from '../../protocol/errors.js';
import { WorkspaceStatusRequest } from '../../protocol/workspace.js';
import type { Invocation } from '../args.js';
import { withClient, type CliIo } from '../cli-io.js';
import { existingRoot } from '../root.js';
import { formatDaemonStatus, formatWorkspaceStatus } from './status-format.js';

type StatusArgs = Extract<Invocation, { command: 'status' }>;

/** `llmr status`: the daemon, then the workspace of the root (pools, index, Ollama). */
export async function runStatus(args: StatusArgs, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const [daemon, workspace] = await withClient(io, args.noSpawn, async (client) => [
    await client.call0(DaemonStatusRequest),
    await client.call(WorkspaceStatusRequest, { root }),
  ] as const);
  if (args.json) io.stdout.write(JSON.stringify({ daemon, workspace }) + '\n');
  else io.stdout.write(`${formatDaemonStatus(daemon)}\n${formatWorkspaceStatus(workspace)}`);
  return EXIT.OK;
}
