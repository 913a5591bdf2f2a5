import path from 'node:path';

/** The environment as the config code sees it (process.env or a test's object). */
export type Env = Record<string, string | undefined>;

/** The file name of the per-repository config, as the original tool named it. */
export const REPO_CONFIG_FILE = 'llm-runtime.config.yaml';

export { cacheDir, stateDir, userConfigFile } from '../../protocol/dirs.js';

/** The repository's config file under `root`. */
export function repoConfigFile(root: string): string {
  return path.join(root, REPO_CONFIG_FILE);
}
