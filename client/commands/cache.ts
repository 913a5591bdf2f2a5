import { CacheClearRequest, ExecUndoRequest } from '../../protocol/exec.js';
import { EXIT } from '../../protocol/errors.js';
import type { Invocation } from '../args.js';
import { withClient, type CliIo } from '../cli-io.js';
import { existingRoot } from '../root.js';

type RootArgs = Extract<Invocation, { command: 'cache-clear' | 'exec-undo' }>;

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** `llmr cache clear`: empty the workspace's persistent tool caches. */
export async function runCacheClear(args: RootArgs, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const r = await withClient(io, args.noSpawn, (client) => client.call(CacheClearRequest, { root }));
  io.stdout.write(args.json ? `${JSON.stringify(r)}\n` : `cleared ${r.dir}: ${mib(r.freedBytes)} freed\n`);
  return EXIT.OK;
}

/** `llmr exec undo`: undo the newest read-write command, listing every path it touches. */
export async function runExecUndo(args: RootArgs, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const r = await withClient(io, args.noSpawn, (client) => client.call(ExecUndoRequest, { root }));
  if (args.json) {
    io.stdout.write(`${JSON.stringify(r)}\n`);
    return EXIT.OK;
  }
  const lines = [`undid ${JSON.stringify(r.command)}: ${r.restored.length} restored, ${r.removed.length} removed, ${r.skipped.length} left as they are`];
  for (const p of r.restored) lines.push(`restored ${p}`);
  for (const p of r.removed) lines.push(`removed  ${p}`);
  for (const p of r.skipped) lines.push(`skipped  ${p}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}
