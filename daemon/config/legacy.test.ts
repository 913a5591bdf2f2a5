import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { LEGACY_KEYS, legacyReason } from './legacy.js';
import { loadConfig, REPO_CONFIG_FILE } from './load.js';
import { keySpec } from './schema.js';

/** The 27 whitelist entries of the original's shipped config (reference §1.6). */
const ORIGINAL_WHITELIST = [
  'go test', 'go build', 'go run', 'go version', 'npm test', 'npm run build', 'python -m pytest', 'python3 -m pytest',
  'python3', 'python', 'make', 'make test', 'make build', 'cargo build', 'cargo test', 'cargo run', 'node',
  'npm install', 'pip install', 'pip3 install', 'ls', 'cat', 'grep', 'find', 'head', 'tail', 'wc',
];

/** The shape of the original's shipped llm-runtime.config.yaml; `legacy: false` leaves out the keys llmr refuses. */
function originalConfig(legacy: boolean): string {
  const lines = [
    'repository:',
    ...(legacy ? ['  root: "."'] : []),
    '  excluded_paths: [".git", ".env", ".env.local", "*.key", "*.pem", "*.p12", "node_modules", "secrets"]',
    'commands:',
    '  open:',
    '    enabled: true',
    '    max_file_size: 1048576  # 1MB',
    ...(legacy ? ['    allowed_extensions: [".go", ".py", ".js", ".md"]'] : []),
    '  write:',
    '    enabled: true',
    '    max_file_size: 102400',
    '    backup_before_write: true',
    '    allowed_extensions: [".go", ".py", ".js", ".md", ".txt", ".json", ".yaml", ".yml"]',
    '  exec:',
    '    enabled: true',
    '    container_image: "python-go"',
    '    timeout_seconds: 30',
    '    memory_limit: "512m"',
    '    cpu_limit: 1',
    '    whitelist:',
    ...ORIGINAL_WHITELIST.map((w) => `      - "${w}"`),
    '  search:',
    '    enabled: true',
    '    vector_db_path: "./embeddings.db"',
    '    embedding_model: "all-MiniLM-L6-v2"',
    '    max_results: 10',
    ...(legacy ? ['    min_similarity_score: 0.3', '    chunk_size: 1000'] : []),
    '    max_preview_length: 100',
    '    ollama_url: "http://localhost:11434"',
    '    index_extensions: [".go", ".py", ".js", ".rs", ".md", ".txt"]',
    '    max_file_size: 1048576',
    'security:',
    ...(legacy ? ['  rate_limit_per_minute: 100', '  log_all_operations: true', '  follow_symlinks: true', '  allow_hidden_files: false'] : []),
    '  audit_log_path: "./audit.log"',
    ...(legacy ? ['output:', '  show_summaries: true', '  max_output_lines: 1000'] : []),
    'logging:',
    '  level: "info"',
    '  file: "./llm-runtime.log"',
    '  format: "json"',
    'container_pool:',
    '  enabled: true',
    '  size: 5',
    '  max_uses_per_container: 100',
    '  idle_timeout: 5m',
    '  health_check_interval: 30s',
    '  startup_containers: 2',
  ];
  return lines.join('\n') + '\n';
}

/**
 * Keys of the shipped config that a repository's own file may not set: user-only keys (images, host
 * paths, the embedding service, daemon and pool settings) and values that widen the defaults (its
 * 27-entry whitelist against the 4 defaults). cpu_limit 1 and memory_limit 512m only narrow: allowed.
 */
const REPO_REFUSED = [
  'commands.exec.container_image', 'commands.exec.whitelist', 'commands.search.embedding_model', 'commands.search.ollama_url',
  'commands.search.vector_db_path', 'container_pool.health_check_interval', 'container_pool.idle_timeout',
  'container_pool.size', 'container_pool.startup_containers',
  'logging.file', 'logging.format', 'logging.level', 'security.audit_log_path',
];

let tmp: string;
let root: string;
let file: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-legacy-'));
  root = path.join(tmp, 'repo');
  mkdirSync(root);
  file = path.join(root, REPO_CONFIG_FILE);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const load = () => loadConfig({ root, env: {}, homedir: path.join(tmp, 'home') });

async function loadError(): Promise<LlmrError> {
  const err: unknown = await load().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LlmrError);
  expect((err as LlmrError).code).toBe('CONFIG_INVALID');
  return err as LlmrError;
}

describe('config/legacy', () => {
  it('never names a key llmr supports as legacy', () => {
    for (const key of Object.keys(LEGACY_KEYS)) expect(keySpec(key), key).toBeUndefined();
    expect(legacyReason('output.anything')).toBeDefined();
    expect(legacyReason('commands.exec.enabled')).toBeUndefined();
  });

  it.each(Object.keys(LEGACY_KEYS))('refuses %s with a reason', async (key) => {
    const parts = key.split('.');
    writeFileSync(file, parts.map((p, i) => `${'  '.repeat(i)}${p}:`).join('\n') + ' 1\n');
    const err = await loadError();
    expect(err.message).toBe(`${key} in ${file} is not supported by llmr: ${LEGACY_KEYS[key]}`);
  });

  it('refuses the whole output section', async () => {
    writeFileSync(file, 'output:\n  show_summaries: true\n');
    expect((await loadError()).message).toMatch(new RegExp(`^output in .* is not supported by llmr: the output format is fixed`));
  });

  it('refuses the original shipped config naming each unsupported key', async () => {
    writeFileSync(file, originalConfig(true));
    const err = await loadError();
    const problems = err.details?.split('\n') ?? [];
    const named = problems.map((p) => p.slice(0, p.indexOf(' in ')));
    expect(named.slice(0, 9)).toEqual([
      'repository.root', 'commands.open.allowed_extensions', 'commands.search.min_similarity_score',
      'commands.search.chunk_size', 'security.rate_limit_per_minute', 'security.log_all_operations',
      'security.follow_symlinks', 'security.allow_hidden_files', 'output',
    ]);
    // then the keys that belong to the user's own config, never to a repository: host paths, resources, daemon settings
    expect([...named.slice(9)].sort()).toEqual(REPO_REFUSED);
    expect(err.message).toBe(`repository.root in ${file} is not supported by llmr: ${LEGACY_KEYS['repository.root']} (and ${problems.length - 1} more problems)`);
    expect(problems[2]).toContain('results are ranked, not cut at a score');
  });

  it('honours every other key of the original shipped config as the user\'s own config', async () => {
    const userDir = path.join(tmp, 'home', '.config', 'llmr');
    mkdirSync(userDir, { recursive: true });
    const userFile = path.join(userDir, 'config.yaml');
    writeFileSync(userFile, originalConfig(false));
    const { config, sources } = await load();
    expect(sources).toEqual([userFile]);
    expect(config.commands.exec).toMatchObject({ enabled: true, container_image: 'python-go', cpu_limit: 1, memory_limit: 512 * 1024 ** 2 });
    expect(config.commands.exec.whitelist).toEqual(ORIGINAL_WHITELIST);
    expect(config.commands.exec.whitelist).toHaveLength(27);
    expect(config.commands.search).toMatchObject({
      enabled: true, embedding_model: 'all-MiniLM-L6-v2', max_preview_length: 100, vector_db_path: path.join(userDir, 'embeddings.db'),
    });
    expect(config.container_pool).toMatchObject({ enabled: true, size: 5, startup_containers: 2, idle_timeout: 300_000, health_check_interval: 30_000 });
    expect(config.security.audit_log_path).toBe(path.join(userDir, 'audit.log'));
    expect(config.logging.file).toBe(path.join(userDir, 'llm-runtime.log'));
    expect(config.repository.excluded_paths).toContain('node_modules');
  });
});
