/**
 * The config key table: every key llmr reads, with its type, default, validation and doc string.
 * Key names and nesting follow the original's `llm-runtime.config.yaml`. In the loaded config,
 * sizes are bytes, `duration` keys are milliseconds and `seconds` keys are seconds.
 */
import { LlmrError } from '../../protocol/errors.js';
import { parseValue, type KeyType, type ValueRule } from './values.js';
import { DEFAULT_EXCLUDED } from '../paths/exclusions.js';
import type { RepoPolicy } from './narrow.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LlmrConfig {
  repository: { excluded_paths: string[] };
  commands: {
    open: { enabled: boolean; max_file_size: number };
    write: { enabled: boolean; max_file_size: number; backup_before_write: boolean; allowed_extensions: string[] };
    exec: {
      enabled: boolean; container_image: string; timeout_seconds: number; max_timeout_seconds: number;
      memory_limit: number; cpu_limit: number; pids_limit: number; tmpfs_size: number; max_output_bytes: number;
      profile: 'agent' | 'original'; whitelist: string[]; allow_shell: boolean; env: Record<string, string>;
      reuse_containers: boolean;
      git: boolean; repository: 'read-only' | 'read-write'; network_commands: string[]; cache: boolean; cache_max_size: number;
    };
    io: { container_image: string; timeout_seconds: number; memory_limit: number; cpu_limit: number; pids_limit: number };
    search: {
      enabled: boolean; ollama_url: string; embedding_model: string; max_results: number; max_file_size: number;
      max_preview_length: number; vector_db_path: string; index_extensions: string[]; chunking: 'lines' | 'tree-sitter';
    };
  };
  container_pool: {
    enabled: boolean; size: number; min_idle: number; startup_containers: number; max_uses_per_container: number;
    idle_timeout: number; health_check_interval: number; acquire_timeout: number; max_lifetime: number;
  };
  security: { allow_root_owned_repo: boolean; allow_foreign_owned_repo: boolean; audit_log_path: string; protected_paths: string[] };
  logging: { level: LogLevel; file: string; format: 'json' };
  audit: { enabled: boolean; file: string };
  daemon: { idle_workspace_timeout: number; max_connections: number; read_timeout: number; write_timeout: number; max_requests_in_flight: number };
}

export interface KeySpec extends ValueRule {
  key: string;
  /** The default as a user would write it in YAML; parsed by the same rule as user values. */
  default: unknown;
  doc: string;
  /**
   * What a repository's own `llm-runtime.config.yaml` may do with the key (see `narrow.ts`).
   * Absent = `user-only`: a key is user config only unless it is declared narrowable here.
   */
  repo?: RepoPolicy;
}

const MIB = 1024 * 1024;
const image = (v: string): string | undefined => (/^\S+$/.test(v) ? undefined : 'an image name without spaces');
const nonEmpty = (v: string): string | undefined => (v !== '' && !v.includes('\0') ? undefined : 'non-empty entries');
const extension = (v: string): string | undefined => (/^\.[^/\\\s]+$/.test(v) ? undefined : 'extensions written like .go');
const envName = (v: string): string | undefined => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'environment variable names like GOFLAGS');
const httpUrl = (v: string): string | undefined => (/^https?:\/\/[^\s/]+/.test(v) ? undefined : 'an http:// or https:// URL');

function k(key: string, type: KeyType, dflt: unknown, doc: string, rule: Omit<ValueRule, 'type'> & { repo?: RepoPolicy } = {}): KeySpec {
  return { key, type, default: dflt, doc, ...rule };
}

/** Every config key, in documentation order. */
export const KEYS: readonly KeySpec[] = [
  k('repository.excluded_paths', 'string[]', [...DEFAULT_EXCLUDED],
    'globs on the repo-relative path that no command may read, write, search or see inside exec (editor and backup copies of matching names too)', { check: nonEmpty, repo: 'append' }),
  k('commands.open.enabled', 'bool', true, 'allow <open>', { repo: 'turn-off' }),
  k('commands.open.max_file_size', 'size', '1m', 'largest file <open> returns', { min: 1, repo: 'lower' }),
  k('commands.write.enabled', 'bool', true, 'allow <write>', { repo: 'turn-off' }),
  k('commands.write.max_file_size', 'size', '100k', 'largest content <write> accepts', { min: 1, repo: 'lower' }),
  k('commands.write.backup_before_write', 'bool', true, 'keep the previous content in the state directory before overwriting', { repo: 'turn-on' }),
  k('commands.write.allowed_extensions', 'string[]', [], 'extensions <write> may create or change (like .go); empty = any', { check: extension, repo: 'fewer-extensions' }),
  k('commands.exec.enabled', 'bool', true, 'allow <exec>', { repo: 'turn-off' }),
  k('commands.exec.container_image', 'string', 'llmr-exec:latest', 'image exec containers run', { check: image }),
  k('commands.exec.timeout_seconds', 'seconds', 30, 'default time limit of a command', { min: 0.1, repo: 'lower' }),
  k('commands.exec.max_timeout_seconds', 'seconds', 600, 'largest time limit a request may ask for', { min: 0.1, repo: 'lower' }),
  k('commands.exec.memory_limit', 'size', '512m', 'memory of an exec container (swap included)', { min: 6 * MIB, repo: 'lower' }),
  k('commands.exec.cpu_limit', 'number', 2, 'CPUs of an exec container', { min: 0.01, max: 1024, repo: 'lower' }),
  k('commands.exec.pids_limit', 'int', 256, 'processes in an exec container', { min: 8, repo: 'lower' }),
  k('commands.exec.tmpfs_size', 'size', '256m', 'size of the writable /tmp of an exec container', { min: MIB, repo: 'lower' }),
  k('commands.exec.max_output_bytes', 'size', '1m', 'output kept per command; more is cut in the middle', { min: 1024, repo: 'lower' }),
  k('commands.exec.profile', 'enum', 'agent',
    'built-in command prefixes added to the whitelist: agent (what coding agents run) or original (none: the whitelist alone)', { values: ['agent', 'original'] }),
  k('commands.exec.whitelist', 'string[]', ['go test', 'go build', 'npm test', 'make'],
    'command prefixes (whole argv tokens) <exec> may run, on top of commands.exec.profile', { check: nonEmpty, repo: 'fewer-prefixes' }),
  k('commands.exec.allow_shell', 'bool', false, 'allow shell operators (; && | > $( ) …) by running the command under sh -c', { repo: 'turn-off' }),
  k('commands.exec.env', 'map', {}, 'extra environment variables for exec containers', { check: envName }),
  k('commands.exec.reuse_containers', 'bool', true,
    'run several commands in one warm exec container, each after the last one\'s processes are killed and /tmp emptied; false = one container per command', { repo: 'turn-off' }),
  k('commands.exec.git', 'bool', false, 'let commands run git against a read-only .git (its config replaced by a sanitized copy; its whole history, excluded files once committed included, is readable)', { repo: 'turn-off' }),
  k('commands.exec.repository', 'enum', 'read-only', 'how commands see the repository: read-only, or read-write (changes reported, undoable with llmr exec undo)',
    { values: ['read-only', 'read-write'], repo: 'read-only' }),
  k('commands.exec.network_commands', 'string[]', [], 'command prefixes that run with network access (audited as networked)', { check: nonEmpty }),
  k('commands.exec.cache', 'bool', true, 'keep per-workspace tool caches (Go, pip, npm) between commands', { repo: 'turn-off' }),
  k('commands.exec.cache_max_size', 'size', '2g', 'tool caches larger than this are emptied before the next command', { min: MIB, repo: 'lower' }),
  k('commands.io.container_image', 'string', 'llmr-io:latest', 'image of the read/write containers', { check: image }),
  k('commands.io.timeout_seconds', 'seconds', 30, 'time limit of one read or write', { min: 0.01, repo: 'lower' }),
  k('commands.io.memory_limit', 'size', '128m', 'memory of an I/O container', { min: 6 * MIB, repo: 'lower' }),
  k('commands.io.cpu_limit', 'number', 1, 'CPUs of an I/O container', { min: 0.01, max: 1024, repo: 'lower' }),
  k('commands.io.pids_limit', 'int', 32, 'processes in an I/O container', { min: 8, repo: 'lower' }),
  k('commands.search.enabled', 'bool', true, 'allow <search> and keep the index fresh', { repo: 'turn-off' }),
  k('commands.search.ollama_url', 'string', 'http://localhost:11434', 'Ollama server for embeddings (search works without it)', { check: httpUrl }),
  k('commands.search.embedding_model', 'string', 'nomic-embed-text', 'Ollama embedding model', { check: nonEmpty }),
  k('commands.search.max_results', 'int', 10, 'files returned per query', { min: 1, max: 1000, repo: 'lower' }),
  k('commands.search.max_file_size', 'size', '1m', 'larger files are not indexed', { min: 1, repo: 'lower' }),
  k('commands.search.max_preview_length', 'int', 300, 'characters of snippet per result', { min: 0, repo: 'lower' }),
  k('commands.search.vector_db_path', 'path', '', 'index database; "" = <cacheDir>/<repo-hash>/'),
  k('commands.search.index_extensions', 'string[]', [], 'extensions to index (like .go); empty = all text files', { check: extension, repo: 'fewer-extensions' }),
  k('commands.search.chunking', 'enum', 'lines', 'how files are cut into chunks: lines (definition patterns and blank lines) or tree-sitter (parse trees where a grammar is available, lines otherwise)',
    { values: ['lines', 'tree-sitter'] }),
  k('container_pool.enabled', 'bool', true, 'keep warm containers; false = a fresh container per operation (cold mode)', { repo: 'turn-off' }),
  k('container_pool.size', 'int', 4, 'most containers per kind and workspace', { min: 1, max: 256 }),
  k('container_pool.min_idle', 'int', 1, 'warm containers kept ready per kind', { min: 0 }),
  k('container_pool.startup_containers', 'int', 1, 'containers started per kind when a workspace opens', { min: 0 }),
  k('container_pool.max_uses_per_container', 'int', 100, 'operations before an I/O container is replaced', { min: 1, repo: 'lower' }),
  k('container_pool.idle_timeout', 'duration', '5m', 'idle containers above min_idle are removed after this'),
  k('container_pool.health_check_interval', 'duration', '30s', 'how often idle containers are checked', { min: 1 }),
  k('container_pool.acquire_timeout', 'duration', '10s', 'longest wait for a container before POOL_EXHAUSTED', { min: 1, repo: 'lower' }),
  k('container_pool.max_lifetime', 'duration', '30m', 'containers are replaced after this, and outlive a crashed daemon no longer', { min: 1 }),
  k('security.allow_root_owned_repo', 'bool', false, 'serve a repository owned by root (containers then run as root)'),
  k('security.allow_foreign_owned_repo', 'bool', false, 'serve a repository owned by another user than the daemon\'s (containers then run as that user)'),
  k('security.audit_log_path', 'path', '', 'audit log file; "" = <stateDir>/audit.log'),
  k('security.protected_paths', 'string[]', ['.git/**', 'llm-runtime.config.yaml', '.llmr/**'],
    'globs on the repo-relative path that <write> never changes', { check: nonEmpty, repo: 'append' }),
  k('logging.level', 'enum', 'info', 'daemon log level', { values: LOG_LEVELS }),
  k('logging.file', 'path', '', 'daemon log file; "" = <stateDir>/daemon.log'),
  k('logging.format', 'enum', 'json', 'daemon log format (pipe through pino-pretty to read it)', { values: ['json'] }),
  k('audit.enabled', 'bool', true, 'write the audit log', { repo: 'turn-on' }),
  k('audit.file', 'path', '', 'same setting as security.audit_log_path (set one of them)'),
  k('daemon.idle_workspace_timeout', 'duration', '15m', 'an unused workspace gives its containers back after this'),
  k('daemon.max_connections', 'int', 64, 'concurrent client connections', { min: 1, max: 4096 }),
  k('daemon.read_timeout', 'duration', '10s', 'a protocol message must arrive whole this long after its first byte, or the connection is closed', { min: 100 }),
  k('daemon.write_timeout', 'duration', '30s', 'a client with over 1 MiB of answers waiting is dropped when one of them has waited unsent this long', { min: 100 }),
  k('daemon.max_requests_in_flight', 'int', 64, 'requests in flight per connection; more are answered DAEMON_BUSY', { min: 1, max: 4096 }),
];

const BY_KEY = new Map(KEYS.map((spec) => [spec.key, spec]));

/** The spec of a full dotted key, or undefined. */
export function keySpec(key: string): KeySpec | undefined {
  return BY_KEY.get(key);
}

/** True when `prefix` names a section (a key has it as a dotted prefix). */
export function isSection(prefix: string): boolean {
  return KEYS.some((spec) => spec.key.startsWith(`${prefix}.`));
}

/** The keys directly or indirectly under a section, for hints. */
export function keysUnder(prefix: string): string[] {
  return KEYS.filter((spec) => prefix === '' || spec.key.startsWith(`${prefix}.`)).map((spec) => spec.key);
}

/** The documentation view of the key table (for the README and `llmr config`-style listings). */
export function configKeys(): Array<{ key: string; type: string; default: unknown; doc: string; repo: RepoPolicy }> {
  return KEYS.map((spec) => ({ key: spec.key, type: spec.type, default: structuredClone(spec.default), doc: spec.doc, repo: spec.repo ?? 'user-only' }));
}

/** Set a dotted key in a nested object, creating sections on the way. */
export function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/** The built-in defaults as a typed config ("" paths are left unresolved here; loadConfig resolves them). */
export function defaultConfig(): LlmrConfig {
  const tree: Record<string, unknown> = {};
  for (const spec of KEYS) {
    const parsed = parseValue(spec, structuredClone(spec.default), false);
    if (!parsed.ok) throw new LlmrError('INTERNAL', `built-in default of ${spec.key} is invalid: expected ${parsed.expected}`);
    setPath(tree, spec.key, parsed.value);
  }
  return tree as unknown as LlmrConfig;
}
