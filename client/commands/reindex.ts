import { EXIT } from '../../protocol/errors.js';
import { ReindexRequest, SearchProgressNotification } from '../../protocol/search.js';
import type { Invocation } from '../args.js';
import { withClient, type CliIo } from '../cli-io.js';
import { createProgress } from '../progress.js';
import { formatSeconds } from '../render.js';
import { existingRoot } from '../root.js';

type ReindexArgs = Extract<Invocation, { command: 'reindex' }>;

/** `llmr reindex`: rebuild the index, progress on stderr, a one-line summary on stdout. */
export async function runReindex(args: ReindexArgs, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const token = `reindex-${process.pid}-${Date.now()}`;
  const progress = createProgress(io.stderr);
  const result = await withClient(io, args.noSpawn, async (client) => {
    client.onNotification(SearchProgressNotification, (p) => {
      if (p.token === token) progress.update(p);
    });
    try {
      return await client.call(ReindexRequest, { root, progressToken: token });
    } finally {
      progress.done();
    }
  });
  io.stdout.write(`indexed ${result.files} files (${result.chunks} chunks) in ${formatSeconds(result.durationMs, 2)}\n`);
  return EXIT.OK;
}
