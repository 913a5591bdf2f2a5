import { EXIT } from '../../protocol/errors.js';
import type { Invocation } from '../args.js';
import type { CliIo } from '../cli-io.js';
import { createLineProgress } from '../progress.js';

type ImagesArgs = Extract<Invocation, { command: 'images' }>;

/**
 * `llmr images build`: runs in this process, not in the daemon (debootstrap needs root, the
 * daemon does not have it); progress on stderr (tool output only on a terminal); Ctrl+C aborts the build.
 */
export async function runImagesBuild(args: ImagesArgs, io: CliIo): Promise<number> {
  const { buildImages, imageTag } = await import('../../images/build.js');

  const images = args.only !== undefined ? [args.only] : (['io', 'exec'] as const);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  const progress = createLineProgress(io.stderr);
  const tags = args.only !== undefined && args.tag !== undefined ? { [args.only]: args.tag } : {};
  try {
    await buildImages({ images: [...images], source: args.source, tags, signal: abort.signal, onProgress: (line) => progress.line(line) });
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
  }
  io.stdout.write(`llmr images: built ${images.map((k) => imageTag(k, tags)).join(', ')}\n`);
  return EXIT.OK;
}
