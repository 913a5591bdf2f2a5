/**
 * `config/explain`: the effective configuration as the loader builds it, and for every key the
 * highest layer that set it. Values come from {@link loadConfig} itself, so whatever the loader
 * does with a layer (merge a list, refuse a key) is what is shown; only the attribution is ours.
 */
import { access } from 'node:fs/promises';
import os from 'node:os';
import type { ConfigExplainResult, ConfigSource, ConfigValue } from '../../protocol/config.js';
import { envEntries } from './env.js';
import { readConfigFile } from './file.js';
import { loadConfig } from './load.js';
import { repoConfigFile, userConfigFile, type Env } from './paths.js';
import { configKeys } from './schema.js';

export interface ExplainOptions {
  /** Realpath'd repository root, or undefined for the daemon-wide layers only. */
  root?: string;
  env?: Env;
  homedir?: string;
}

/** audit.file is another name of security.audit_log_path. */
const canonical = (key: string): string => (key === 'audit.file' ? 'security.audit_log_path' : key);

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

async function fileKeys(file: string, root?: string): Promise<Set<string>> {
  const layer = await readConfigFile(file, root);
  return new Set(layer.entries.map((e) => canonical(e.key)));
}

function lookup(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
}

/** The effective config of `root` (or the daemon) with the source of each value. Throws CONFIG_INVALID like loadConfig. */
export async function explainConfig(opts: ExplainOptions = {}): Promise<ConfigExplainResult> {
  const env = opts.env ?? process.env;
  const homedir = opts.homedir ?? os.homedir();
  const { config } = await loadConfig({ env, homedir, ...(opts.root !== undefined ? { root: opts.root } : {}) });
  const userFile = userConfigFile(env, homedir);
  const repositoryFile = opts.root !== undefined ? repoConfigFile(opts.root) : undefined;
  const user = await fileKeys(userFile);
  const repo = repositoryFile !== undefined ? await fileKeys(repositoryFile, opts.root) : new Set<string>();
  const vars = new Map<string, string>();
  for (const e of envEntries(env).entries) vars.set(canonical(e.key), [vars.get(canonical(e.key)), e.variable].filter(Boolean).join(', '));
  const values: ConfigValue[] = configKeys().map(({ key, type }) => {
    const k = canonical(key);
    const value = lookup(config, key);
    const [source, where]: [ConfigSource, string | undefined] = vars.has(k) ? ['environment', vars.get(k)]
      : repo.has(k) ? ['repository', repositoryFile]
      : user.has(k) ? ['user', userFile]
      : ['default', undefined];
    return { key, value, type, source, ...(where !== undefined ? { where } : {}) };
  });
  return {
    userFile,
    userFileExists: await exists(userFile),
    ...(repositoryFile !== undefined ? { repositoryFile, repositoryFileExists: await exists(repositoryFile) } : {}),
    environment: [...new Set(envEntries(env).entries.map((e) => e.variable))],
    values,
  };
}
