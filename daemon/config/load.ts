/**
 * Loading the config: built-in defaults < user file (`$XDG_CONFIG_HOME/llmr/config.yaml`) <
 * repository file (`<root>/llm-runtime.config.yaml`) < `LLMR_*` environment < overrides from the
 * command line. A list or mapping value replaces the lower layer's value whole. Relative paths in
 * a file are relative to that file's directory; from the environment or overrides they must be
 * absolute (or `~/…`). Every problem of every layer is collected into one CONFIG_INVALID error.
 */
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { LlmrError } from '../../protocol/errors.js';
import { envEntries } from './env.js';
import { readConfigFile, unknownKeyHint, type Problem } from './file.js';
import { legacyReason } from './legacy.js';
import { repoConfigFile, stateDir, userConfigFile, type Env } from './paths.js';
import { defaultConfig, keySpec, setPath, type LlmrConfig } from './schema.js';
import { parseValue, showValue } from './values.js';

export { REPO_CONFIG_FILE, cacheDir, stateDir } from './paths.js';
export { configKeys, defaultConfig, type LlmrConfig } from './schema.js';

export interface LoadedConfig {
  config: LlmrConfig;
  /** The config files actually read, lowest layer first. */
  sources: string[];
}

export interface LoadOptions {
  /** Repository root; its `llm-runtime.config.yaml` is the repository layer. */
  root?: string;
  env?: Env;
  /** Dotted keys, e.g. `{ 'commands.exec.timeout_seconds': 5 }`; strings are parsed like environment values. */
  overrides?: Record<string, unknown>;
  homedir?: string;
}

/** One value from one layer. `where` names it in messages; `baseDir` resolves relative paths (files only). */
interface Entry { key: string; value: unknown; text: boolean; where: string; baseDir?: string }

/** audit.file is another name of security.audit_log_path. */
const canonicalKey = (key: string): string => (key === 'audit.file' ? 'security.audit_log_path' : key);

function resolvePath(value: string, entry: Entry, homedir: string): string | undefined {
  if (value === '') return '';
  if (value === '~' || value.startsWith('~/')) return path.join(homedir, value.slice(1));
  if (path.isAbsolute(value)) return path.normalize(value);
  return entry.baseDir === undefined ? undefined : path.resolve(entry.baseDir, value);
}

function parseEntry(entry: Entry, homedir: string, problems: Problem[]): { ok: boolean; value?: unknown } {
  const spec = keySpec(entry.key);
  if (spec === undefined) return { ok: false };
  const parsed = parseValue(spec, entry.value, entry.text);
  if (!parsed.ok) {
    problems.push({ message: `${entry.where} has bad value ${showValue(entry.value)}; expected ${parsed.expected}` });
    return { ok: false };
  }
  if (spec.type !== 'path') return parsed;
  const resolved = resolvePath(parsed.value as string, entry, homedir);
  if (resolved === undefined) problems.push({ message: `${entry.where} has relative path ${showValue(entry.value)}; expected an absolute path or ~/…` });
  return { ok: resolved !== undefined, value: resolved };
}

/** Lists a repository may only add to: it can hide more from the model, never less. */
const ADD_ONLY_FROM_REPO = new Set(['repository.excluded_paths', 'security.protected_paths']);

function defaultValue(key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], defaultConfig());
}

/**
 * Parse a layer's entries and put them into `values`; two names of one key in a layer must agree.
 * Keys in `addOnly` are merged with the lower layers' list instead of replacing it.
 */
function applyLayer(entries: Entry[], values: Map<string, unknown>, homedir: string, problems: Problem[], addOnly = new Set<string>()): void {
  const layer = new Map<string, { value: unknown; where: string }>();
  for (const entry of entries) {
    const parsed = parseEntry(entry, homedir, problems);
    if (!parsed.ok) continue;
    const key = canonicalKey(entry.key);
    const prior = layer.get(key);
    if (prior !== undefined && !isDeepStrictEqual(prior.value, parsed.value)) {
      problems.push({
        message: `${prior.where} and ${entry.where} set ${key} to different values (${showValue(prior.value)} and ${showValue(parsed.value)})`,
        hint: 'set only one of them',
      });
      continue;
    }
    layer.set(key, { value: parsed.value, where: entry.where });
  }
  for (const [key, { value }] of layer) {
    if (!addOnly.has(key)) {
      values.set(key, value);
      continue;
    }
    const base = (values.get(key) ?? defaultValue(key)) as string[];
    values.set(key, [...new Set([...base, ...(value as string[])])]);
  }
}

/**
 * Keys a repository's own file may not set: they choose host paths outside the repository,
 * weaken the ownership check, or configure the daemon as a whole. A cloned repository is
 * untrusted input; these belong to the user's file, the environment or flags.
 */
const NOT_FROM_REPO = [
  // host paths and ownership
  'security.audit_log_path', 'audit.file', 'logging.file', 'commands.search.vector_db_path', 'security.allow_root_owned_repo',
  // where the daemon sends repository text
  'commands.search.ollama_url',
  // how much of the host a repository may take: containers, memory, CPU, time
  'container_pool.size', 'container_pool.min_idle', 'container_pool.startup_containers', 'container_pool.max_lifetime',
  'commands.exec.memory_limit', 'commands.exec.cpu_limit', 'commands.exec.pids_limit', 'commands.exec.tmpfs_size',
  'commands.exec.max_timeout_seconds', 'commands.io.memory_limit', 'commands.io.cpu_limit', 'commands.io.pids_limit',
];
const fromRepoAllowed = (key: string): boolean => !NOT_FROM_REPO.includes(key) && !key.startsWith('daemon.') && !key.startsWith('logging.');

async function fileLayer(file: string, root: string | undefined, problems: Problem[], sources: string[]): Promise<Entry[]> {
  const layer = await readConfigFile(file, root);
  problems.push(...layer.problems);
  if (layer.read) sources.push(file);
  const baseDir = path.dirname(file);
  const entries = layer.entries.filter((e) => {
    if (root === undefined || fromRepoAllowed(e.key)) return true;
    problems.push({
      message: `${e.key} in ${file} may not be set by a repository`,
      hint: 'set it in ~/.config/llmr/config.yaml or an LLMR_* environment variable of the daemon: a repository must not choose host paths, resources or daemon settings',
    });
    return false;
  });
  return entries.map((e) => ({ key: e.key, value: e.value, text: false, where: `${e.key} in ${file}`, baseDir }));
}

function envLayer(env: Env, problems: Problem[]): Entry[] {
  const found = envEntries(env);
  problems.push(...found.problems);
  return found.entries.map((e) => ({ key: e.key, value: e.value, text: true, where: `${e.key} in environment variable ${e.variable}` }));
}

function overrideLayer(overrides: Record<string, unknown>, problems: Problem[]): Entry[] {
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const legacy = legacyReason(key);
    if (legacy !== undefined) problems.push({ message: `${key} in command-line overrides is not supported by llmr: ${legacy}` });
    else if (keySpec(key) === undefined) problems.push({ message: `unknown key ${key} in command-line overrides`, hint: unknownKeyHint(key) });
    else entries.push({ key, value, text: typeof value === 'string', where: `${key} in command-line overrides` });
  }
  return entries;
}

/** Relations between keys that no single key's rule can check. */
function crossCheck(c: LlmrConfig, problems: Problem[]): void {
  const pool = c.container_pool;
  if (pool.min_idle > pool.size) problems.push({ message: `container_pool.min_idle ${pool.min_idle} is larger than container_pool.size ${pool.size}` });
  if (pool.startup_containers > pool.size) {
    problems.push({ message: `container_pool.startup_containers ${pool.startup_containers} is larger than container_pool.size ${pool.size}` });
  }
  const exec = c.commands.exec;
  if (exec.timeout_seconds > exec.max_timeout_seconds) {
    problems.push({ message: `commands.exec.timeout_seconds ${exec.timeout_seconds} is larger than commands.exec.max_timeout_seconds ${exec.max_timeout_seconds}` });
  }
}

function toError(problems: Problem[]): LlmrError {
  const [first] = problems;
  if (problems.length === 1) return new LlmrError('CONFIG_INVALID', first.message, first.hint);
  const all = problems.map((p) => (p.hint === undefined ? p.message : `${p.message} (${p.hint})`));
  return new LlmrError('CONFIG_INVALID', `${first.message} (and ${problems.length - 1} more problems)`, all.join('\n'));
}

/**
 * Load and check the layered config. The result's `""` paths are resolved: the audit log to
 * `<stateDir>/audit.log` and the daemon log to `<stateDir>/daemon.log` (`vector_db_path` stays
 * `""`: the search index picks its per-repository cache directory). Throws CONFIG_INVALID
 * naming every bad key, value, variable or file.
 */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const homedir = opts.homedir ?? os.homedir();
  const problems: Problem[] = [];
  const sources: string[] = [];
  const values = new Map<string, unknown>();
  applyLayer(await fileLayer(userConfigFile(env, homedir), undefined, problems, sources), values, homedir, problems);
  if (opts.root !== undefined) {
    applyLayer(await fileLayer(repoConfigFile(opts.root), opts.root, problems, sources), values, homedir, problems, ADD_ONLY_FROM_REPO);
  }
  applyLayer(envLayer(env, problems), values, homedir, problems);
  applyLayer(overrideLayer(opts.overrides ?? {}, problems), values, homedir, problems);

  const config = defaultConfig();
  for (const [key, value] of values) setPath(config as unknown as Record<string, unknown>, key, value);
  const state = stateDir(env, homedir);
  if (config.security.audit_log_path === '') config.security.audit_log_path = path.join(state, 'audit.log');
  config.audit.file = config.security.audit_log_path;
  if (config.logging.file === '') config.logging.file = path.join(state, 'daemon.log');
  crossCheck(config, problems);
  if (problems.length > 0) throw toError(problems);
  return { config, sources };
}
