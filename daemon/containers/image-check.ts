/**
 * A DockerClient that checks, before the first container of an image, that the image exists
 * and — for llmr's own images — that it was built for this version of the helper protocol.
 */
import { IMAGE_VERSION_LABEL as IMAGE_LABEL, IMAGE_VERSION, IO_IMAGE, EXEC_IMAGE } from '../../images/version.js';
import { LlmrError } from '../../protocol/errors.js';
import { imageMissing, type DockerClient } from './docker.js';

const OK_FOR_MS = 60_000;

export function withImageCheck(docker: DockerClient): DockerClient {
  const checked = new Map<string, number>();
  async function check(image: string): Promise<void> {
    const at = checked.get(image);
    if (at !== undefined && Date.now() - at < OK_FOR_MS) return;
    const labels = await docker.imageLabels(image);
    const ours = image === IO_IMAGE || image === EXEC_IMAGE;
    if (labels === undefined && !ours) {
      throw new LlmrError('IMAGE_MISSING', `image ${image} is not present`,
        `build or load it (docker pull ${image}: any Linux image serves once llmr images build has placed llmr's helper), or fix commands.exec.container_image / commands.io.container_image`);
    }
    if (labels === undefined) throw imageMissing(image);
    if (ours && labels[IMAGE_LABEL] !== IMAGE_VERSION) {
      throw imageMissing(image, undefined, `was built for helper version ${labels[IMAGE_LABEL] ?? 'unknown'}, this llmr needs ${IMAGE_VERSION}`);
    }
    checked.set(image, Date.now());
  }
  return {
    ...docker,
    async start(spec, timeoutMs) {
      await check(spec.image);
      return docker.start(spec, timeoutMs);
    },
  };
}
