import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { configKeys, defaultConfig, loadConfig, REPO_CONFIG_FILE, type LoadOptions } from './load.js';
import { keySpec } from './schema.js';

let tmp: string;
let home: string;
let root: string;
let userFile: string;
let repoFile: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-config-'));
  home = path.join(tmp, 'home');
  root = path.join(tmp, 'repo');
  mkdirSync(path.join(home, '.config', 'llmr'), { recursive: true });
  mkdirSync(root);
  userFile = path.join(home, '.config', 'llmr', 'config.yaml');
  repoFile = path.join(root, REPO_CONFIG_FILE);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const load = (opts: LoadOptions = {}) => loadConfig({ root, env: {}, homedir: home, ...opts });

async function loadError(opts: LoadOptions = {}): Promise<LlmrError> {
  const err = await load(opts).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LlmrError);
  expect((err as LlmrError).code).toBe('CONFIG_INVALID');
  return err as LlmrError;
}

describe('config/load', () => {
  it('returns the defaults with resolved state paths when no file exists', async () => {
    const { config, sources } = await load();
    expect(sources).toEqual([]);
    const expected = defaultConfig();
    expected.security.audit_log_path = path.join(home, '.local/state/llmr/audit.log');
    expected.audit.file = expected.security.audit_log_path;
    expected.logging.file = path.join(home, '.local/state/llmr/daemon.log');
    expect(config).toEqual(expected);
    expect(config.commands.exec.whitelist).toEqual(['go test', 'go build', 'npm test', 'make']);
    expect(config.commands.open.max_file_size).toBe(1024 * 1024);
    expect(config.commands.write.max_file_size).toBe(100 * 1024);
    expect(config.commands.exec.memory_limit).toBe(512 * 1024 * 1024);
    expect(config.container_pool.idle_timeout).toBe(300_000);
    expect(config.commands.exec.timeout_seconds).toBe(30);
  });

  it('resolves state paths under XDG_STATE_HOME', async () => {
    const { config } = await load({ env: { XDG_STATE_HOME: '/var/st' } });
    expect(config.security.audit_log_path).toBe('/var/st/llmr/audit.log');
    expect(config.logging.file).toBe('/var/st/llmr/daemon.log');
  });

  it('applies defaults < user file < repo file < environment < overrides', async () => {
    writeFileSync(userFile, 'commands:\n  exec:\n    timeout_seconds: 11\n    cpu_limit: 3\n    allow_shell: true\n');
    writeFileSync(repoFile, 'commands:\n  exec:\n    timeout_seconds: 9\n    allow_shell: false\n');
    const env = { LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '13', LLMR_LOG_LEVEL: 'debug' };
    const all = await load({ env, overrides: { 'commands.exec.timeout_seconds': 14 } });
    expect(all.sources).toEqual([userFile, repoFile]);
    expect(all.config.commands.exec).toMatchObject({ timeout_seconds: 14, cpu_limit: 3, allow_shell: false });
    expect(all.config.logging.level).toBe('debug');
    expect((await load({ env })).config.commands.exec.timeout_seconds).toBe(13);
    expect((await load()).config.commands.exec.timeout_seconds).toBe(9);
    expect((await load({ root: undefined })).config.commands.exec.timeout_seconds).toBe(11);
    expect((await load({ root: undefined })).sources).toEqual([userFile]);
  });

  it('reads the user file from XDG_CONFIG_HOME', async () => {
    const xdg = path.join(tmp, 'xdg');
    mkdirSync(path.join(xdg, 'llmr'), { recursive: true });
    writeFileSync(path.join(xdg, 'llmr', 'config.yaml'), 'logging:\n  level: warn\n');
    writeFileSync(userFile, 'logging:\n  level: error\n');
    const { config, sources } = await load({ env: { XDG_CONFIG_HOME: xdg } });
    expect(config.logging.level).toBe('warn');
    expect(sources).toEqual([path.join(xdg, 'llmr', 'config.yaml')]);
  });

  it('replaces lists and mappings whole instead of merging them', async () => {
    writeFileSync(userFile, 'commands:\n  exec:\n    whitelist: [ls, cat]\n    env: { A: "1", B: "2" }\n');
    writeFileSync(repoFile, 'commands:\n  exec:\n    whitelist: [cat]\n');
    const { config } = await load();
    expect(config.commands.exec.whitelist).toEqual(['cat']);
    expect(config.commands.exec.env).toEqual({ A: '1', B: '2' });
    const { config: env } = await load({ env: { LLMR_COMMANDS__EXEC__ENV: 'C=3' } });
    expect(env.commands.exec.env).toEqual({ C: '3' });
  });

  it('parses every value type from YAML', async () => {
    writeFileSync(repoFile, [
      'commands:',
      '  open: { enabled: false, max_file_size: 64k }',
      '  write: { max_file_size: 2048, allowed_extensions: [.go, .md] }',
      '  exec: { timeout_seconds: 20s }',
    ].join('\n'));
    writeFileSync(userFile, [
      'logging: { level: trace, file: logs/d.log }', 'security: { audit_log_path: ~/audit/a.log }',
      'commands: { exec: { cpu_limit: 0.5, memory_limit: 1g, env: { GOFLAGS: -mod=mod, N: 3 } } }',
      'container_pool: { idle_timeout: 1m30s, health_check_interval: 250ms, acquire_timeout: 2 }',
    ].join('\n'));
    const { config } = await load();
    expect(config.commands.open).toEqual({ enabled: false, max_file_size: 65536 });
    expect(config.commands.write.allowed_extensions).toEqual(['.go', '.md']);
    expect(config.commands.exec).toMatchObject({ timeout_seconds: 20, cpu_limit: 0.5, memory_limit: 1024 ** 3, env: { GOFLAGS: '-mod=mod', N: '3' } });
    expect(config.container_pool).toMatchObject({ idle_timeout: 90_000, health_check_interval: 250, acquire_timeout: 2000 });
    expect(config.security.audit_log_path).toBe(path.join(home, 'audit/a.log'));
    expect(config.audit.file).toBe(path.join(home, 'audit/a.log'));
    expect(config.logging).toEqual({ level: 'trace', file: path.join(path.dirname(userFile), 'logs/d.log'), format: 'json' });
  });

  it.each([
    ['commands.open.enabled', 'yes', 'true or false'],
    ['container_pool.size', '2.5', 'an integer from 1 to 256'],
    ['container_pool.size', '0', 'an integer from 1 to 256'],
    ['commands.exec.cpu_limit', 'two', 'a number from 0.01 to 1024'],
    ['commands.exec.container_image', '42', 'a string'],
    ['commands.exec.container_image', '"has space"', 'an image name without spaces'],
    ['commands.exec.whitelist', 'make', 'a list of strings'],
    ['commands.exec.whitelist', '[1, 2]', 'a list of strings'],
    ['commands.open.max_file_size', '12 parsecs', 'a size in bytes or like 64k, 512m, 1g'],
    ['container_pool.idle_timeout', '5 minutes', 'a duration like 250ms, 30s, 5m, 1h, or a number of seconds'],
    ['commands.exec.timeout_seconds', 'soon', 'a number of seconds or a duration like 30s'],
    ['commands.exec.env', '[A=1]', 'a mapping of names to strings'],
    ['commands.exec.env', '{ "1BAD": x }', 'environment variable names like GOFLAGS'],
    ['security.audit_log_path', '5', 'a path'],
    ['logging.level', 'verbose', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['logging.format', 'text', 'one of json'],
    ['commands.write.allowed_extensions', '[go]', 'extensions written like .go'],
    ['commands.search.ollama_url', 'localhost:11434', 'an http:// or https:// URL'],
    ['commands.search.max_results', '~', 'an integer from 1 to 1000'],
  ])('rejects %s: %s naming the key, value and expectation', async (key, yamlValue, expected) => {
    const parts = key.split('.');
    const yamlText = parts.map((p, i) => `${'  '.repeat(i)}${p}:`).join('\n') + ` ${yamlValue}\n`;
    const file = (keySpec(key)?.repo ?? 'user-only') === 'user-only' ? userFile : repoFile;
    writeFileSync(file, yamlText);
    const err = await loadError();
    expect(err.message).toContain(`${key} in ${file} has bad value`);
    expect(err.message).toContain(`; expected ${expected}`);
  });

  it('lets a repository add to the excluded and protected paths, never remove from them', async () => {
    writeFileSync(userFile, 'repository:\n  excluded_paths: [".git", ".env*", "secrets/**"]\n');
    writeFileSync(repoFile, 'repository:\n  excluded_paths: ["zzz"]\nsecurity:\n  protected_paths: ["docs/**"]\n');
    const { config } = await load();
    expect(config.repository.excluded_paths).toEqual(['.git', '.env*', 'secrets/**', 'zzz']);
    expect(config.security.protected_paths).toEqual([...defaultConfig().security.protected_paths, 'docs/**']);
  });

  it('refuses keys that choose host paths or daemon settings in the repository file', async () => {
    for (const line of ['security:\n  audit_log_path: /home/u/.bashrc', 'logging:\n  file: /tmp/x.log', 'commands:\n  search:\n    vector_db_path: /tmp/db',
      'security:\n  allow_root_owned_repo: true', 'daemon:\n  max_connections: 9', 'container_pool:\n  size: 200',
      'commands:\n  exec:\n    memory_limit: 100g', 'commands:\n  search:\n    ollama_url: http://169.254.169.254/']) {
      writeFileSync(repoFile, `${line}\n`);
      const err = await loadError();
      expect(err.message).toMatch(/may not be set by a repository config|widens the setting/);
      writeFileSync(userFile, `${line}\n`);
      rmSync(repoFile);
      await expect(load()).resolves.toBeDefined();
      rmSync(userFile);
    }
  });

  it('names the full dotted key and the file for an unknown key in the repo file', async () => {
    writeFileSync(repoFile, 'commands:\n  exec:\n    timeout: 10\n');
    const err = await loadError();
    expect(err.message).toBe(`unknown key commands.exec.timeout in ${repoFile}`);
    expect(err.details).toContain('keys under commands.exec: enabled, container_image, timeout_seconds');
  });

  it('reports an unknown key in the user file with a did-you-mean hint', async () => {
    writeFileSync(userFile, 'pool:\n  size: 3\n');
    const err = await loadError();
    expect(err.message).toBe(`unknown key pool in ${userFile}`);
    expect(err.details).toBe('did you mean container_pool?');
    writeFileSync(userFile, 'commands:\n  open:\n    whitelist: [make]\n');
    expect((await loadError()).details).toBe('did you mean commands.exec.whitelist?');
  });

  it('reports unknown keys in the environment and the overrides', async () => {
    const envErr = await loadError({ env: { LLMR_COMMANDS__EXEC__TIMEOUT: '5' } });
    expect(envErr.message).toBe('unknown config key commands.exec.timeout in environment variable LLMR_COMMANDS__EXEC__TIMEOUT');
    const overrideErr = await loadError({ overrides: { 'commands.exec.timeout': 5 } });
    expect(overrideErr.message).toBe('unknown key commands.exec.timeout in command-line overrides');
  });

  it('reports a section given a scalar and a top-level list', async () => {
    writeFileSync(repoFile, 'commands:\n  exec: true\n');
    expect((await loadError()).message).toBe(`commands.exec in ${repoFile} is a section; expected a mapping of keys, got true`);
    writeFileSync(repoFile, '- a\n- b\n');
    expect((await loadError()).message).toBe(`${repoFile} must hold a mapping of config keys, not a list`);
  });

  it('treats an empty file, a comment-only file and an empty section as no keys', async () => {
    writeFileSync(userFile, '');
    writeFileSync(repoFile, '# nothing here\ncommands:\n');
    const { config, sources } = await load();
    expect(sources).toEqual([userFile, repoFile]);
    expect(config.commands).toEqual(defaultConfig().commands);
  });

  it('reports a YAML syntax error with the file, line and column', async () => {
    writeFileSync(repoFile, 'commands:\n  exec:\n    whitelist: [make, ls\nlogging:\n  level: info\n');
    const err = await loadError();
    expect(err.message).toMatch(new RegExp(`^cannot parse ${repoFile.replace(/[.]/g, '\\.')} at line \\d+, column \\d+: .+`));
  });

  it('reports duplicate keys as a parse error', async () => {
    writeFileSync(repoFile, 'logging:\n  level: info\n  level: warn\n');
    expect((await loadError()).message).toMatch(/^cannot parse .* at line 3, column 3: .*unique/i);
  });

  it('reports an unreadable config file by name', async () => {
    mkdirSync(repoFile);
    expect((await loadError()).message).toBe(`cannot read ${repoFile}: not a regular file`);
  });

  it('refuses a repo config that is a symlink, to a file outside or inside the repository', async () => {
    const outside = path.join(tmp, 'outside.yaml');
    writeFileSync(outside, 'logging:\n  level: warn\n');
    symlinkSync(outside, repoFile);
    expect((await loadError()).message).toBe(`cannot read ${repoFile}: it is a symlink; a repository config must be a regular file`);
    rmSync(repoFile);
    // inside: <write docs/cfg.yaml> would change the config through its target
    mkdirSync(path.join(root, 'docs'));
    writeFileSync(path.join(root, 'docs', 'cfg.yaml'), 'commands:\n  exec:\n    timeout_seconds: 5\n');
    symlinkSync('docs/cfg.yaml', repoFile);
    const err = await loadError();
    expect(err.message).toBe(`cannot read ${repoFile}: it is a symlink; a repository config must be a regular file`);
    expect(err.details).toMatch(/replace the symlink by a copy/);
  });

  it('collects every problem of every layer into one error', async () => {
    writeFileSync(userFile, 'bogus: 1\n');
    writeFileSync(repoFile, 'commands:\n  exec:\n    timeout_seconds: loud\n');
    const err = await loadError({ env: { LLMR_DAEMON__NOPE: 'x' }, overrides: { 'container_pool.size': 'many' } });
    expect(err.message).toBe(`unknown key bogus in ${userFile} (and 3 more problems)`);
    const lines = err.details?.split('\n') ?? [];
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(`commands.exec.timeout_seconds in ${repoFile} has bad value "loud"`);
    expect(lines[2]).toContain('LLMR_DAEMON__NOPE');
    expect(lines[3]).toContain('container_pool.size in command-line overrides has bad value "many"');
  });

  it('checks relations between keys', async () => {
    writeFileSync(userFile, 'container_pool: { size: 2, min_idle: 3, startup_containers: 4 }\ncommands: { exec: { timeout_seconds: 700 } }\n');
    const err = await loadError();
    expect(err.details).toContain('container_pool.min_idle 3 is larger than container_pool.size 2');
    expect(err.details).toContain('container_pool.startup_containers 4 is larger than container_pool.size 2');
    expect(err.details).toContain('commands.exec.timeout_seconds 700 is larger than commands.exec.max_timeout_seconds 600');
  });

  it('lists every key of the typed config exactly once in configKeys', () => {
    const leaves: string[] = [];
    const walk = (node: object, prefix: string): void => {
      for (const [k, v] of Object.entries(node)) {
        const key = prefix === '' ? k : `${prefix}.${k}`;
        if (key === 'commands.exec.env' || typeof v !== 'object' || Array.isArray(v)) leaves.push(key);
        else walk(v as object, key);
      }
    };
    walk(defaultConfig(), '');
    const keys = configKeys();
    expect(keys.map((k) => k.key).sort()).toEqual(leaves.sort());
    for (const k of keys) expect(k.doc.length).toBeGreaterThan(5);
  });
});
