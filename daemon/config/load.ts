/**
 * Loading the config: built-in defaults < user file (`$XDG_CONFIG_HOME/llmr/config.yaml`) <
 * repository file (`<root>/llm-runtime.config.yaml`) < `LLMR_*` environment < overrides from the
 * command line. A list or mapping value replaces the lower layer's value whole. Relative paths in
 * a file are relative to that file's directory; from the environment or overrides they must be
 * absolute (or `~/…`). Every problem of every layer is collected into one CONFIG_INVALID error.
 *
 * The repository file is untrusted: it may only narrow the user's values (file, environment and
 * overrides), by each key's policy in the schema (narrow.ts); a key without one is user-only, and
 * `append` lists are merged with the user's instead of replacing them.
 */
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { LlmrError } from '../../protocol/errors.js';
import { envEntries } from './env.js';
import { readConfigFile, unknownKeyHint, type Problem } from './file.js';
import { legacyReason } from './legacy.js';
import { POLICY_WORDS, repoValue, wideningReason, type RepoPolicy } from './narrow.js';
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

function defaultValue(key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], defaultConfig());
}

/** The repository layer may only narrow the user's values (narrow.ts): `userSide` holds them (file, environment, overrides). */
interface RepoLayer { userFile: string; userSide: Map<string, unknown> }

const policyOf = (key: string): RepoPolicy => keySpec(key)?.repo ?? 'user-only';

/** Where a refused repository key belongs, for hints. */
const belongsIn = (key: string, repo: { userFile: string }): string =>
  `${key} belongs in your user config ${repo.userFile} (or an LLMR_* variable of the daemon): a cloned repository may only narrow what you allow`;

/**
 * Parse a layer's entries and put them into `values`; two names of one key in a layer must agree.
 * With `repo`, a value that widens the lower layers' value is a problem, and `append` lists merge.
 */
function applyLayer(entries: Entry[], values: Map<string, unknown>, homedir: string, problems: Problem[], repo?: RepoLayer): void {
  const layer = new Map<string, { value: unknown; where: string; key: string }>();
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
    layer.set(key, { value: parsed.value, where: entry.where, key: entry.key });
  }
  for (const [key, { value, where, key: written }] of layer) {
    if (repo === undefined) {
      values.set(key, value);
      continue;
    }
    const policy = policyOf(written);
    const base = values.has(key) ? values.get(key) : defaultValue(key);
    const why = wideningReason(policy, value, repo.userSide.has(key) ? repo.userSide.get(key) : base);
    if (why !== undefined) {
      problems.push({ message: `${where} widens the setting: ${why}; a repository config may ${POLICY_WORDS[policy]}`, hint: belongsIn(key, repo) });
      continue;
    }
    values.set(key, repoValue(policy, value, base));
  }
}

async function fileLayer(file: string, repo: { root: string; userFile: string } | undefined, problems: Problem[], sources: string[]): Promise<Entry[]> {
  const layer = await readConfigFile(file, repo?.root);
  problems.push(...layer.problems);
  if (layer.read) sources.push(file);
  const baseDir = path.dirname(file);
  const entries = layer.entries.filter((e) => {
    if (repo === undefined || policyOf(e.key) !== 'user-only') return true;
    problems.push({ message: `${e.key} in ${file} may not be set by a repository config`, hint: belongsIn(e.key, repo) });
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
  const userFile = userConfigFile(env, homedir);
  const userEntries = await fileLayer(userFile, undefined, problems, sources);
  applyLayer(userEntries, values, homedir, problems);
  if (opts.root !== undefined) {
    // The repository is judged against everything the user controls: file, environment, overrides.
    const userSide = new Map(values);
    for (const entries of [envLayer(env, []), overrideLayer(opts.overrides ?? {}, [])]) applyLayer(entries, userSide, homedir, []);
    const repo = { root: opts.root, userFile, userSide };
    applyLayer(await fileLayer(repoConfigFile(opts.root), repo, problems, sources), values, homedir, problems, repo);
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
