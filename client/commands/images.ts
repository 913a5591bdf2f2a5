import { EXIT } from '../../protocol/errors.js';
import type { ImageKind, ImageSource, Invocation } from '../args.js';
import type { CliIo } from '../cli-io.js';

type ImagesArgs = Extract<Invocation, { command: 'images' }>;

/** What this command needs of `images/build.ts` (kept structural so the client compiles on its own). */
interface BuildModule {
  buildImages(options: {
    images: ImageKind[];
    source: ImageSource;
    onProgress: (progress: unknown) => void;
    signal: AbortSignal;
  }): Promise<unknown>;
}

/** The builder lives in `images/`, next to the client in the build output. */
const BUILD_MODULE = '../../images/build.js';

/**
 * `llmr images build`: runs in this process (debootstrap needs root, the daemon does not have
 * it), progress lines on stderr; Ctrl+C aborts the build.
 */
export async function runImagesBuild(args: ImagesArgs, io: CliIo): Promise<number> {
  const { buildImages } = (await import(BUILD_MODULE)) as BuildModule;
  const images: ImageKind[] = args.only !== undefined ? [args.only] : ['io', 'exec'];
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  try {
    await buildImages({ images, source: args.source, signal: abort.signal, onProgress: (p) => void io.stderr.write(formatBuildProgress(p) + '\n') });
  } finally {
    process.off('SIGINT', onSigint);
  }
  io.stdout.write(`llmr images: built ${images.map((i) => `llmr-${i}`).join(', ')}\n`);
  return EXIT.OK;
}

/** A progress report of the builder as one line: strings as they are, objects by their usual fields. */
export function formatBuildProgress(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p === null || typeof p !== 'object') return String(p);
  const o = p as Record<string, unknown>;
  const image = typeof o.image === 'string' ? `llmr-${o.image.replace(/^llmr-/, '')}: ` : '';
  const step = typeof o.step === 'string' ? o.step : typeof o.phase === 'string' ? o.phase : '';
  const message = typeof o.message === 'string' ? o.message : typeof o.line === 'string' ? o.line : '';
  const text = [step, message].filter((s) => s !== '').join(': ');
  return `${image}${text !== '' ? text : JSON.stringify(p)}`;
}
