import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { loadConfig, REPO_CONFIG_FILE } from './load.js';
import { wideningReason } from './narrow.js';
import { KEYS, setPath, type KeySpec } from './schema.js';

let tmp: string;
let home: string;
let root: string;
let userFile: string;
let repoFile: string;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-narrow-'));
  home = path.join(tmp, 'home');
  root = path.join(tmp, 'repo');
  mkdirSync(path.join(home, '.config', 'llmr'), { recursive: true });
  mkdirSync(root);
  userFile = path.join(home, '.config', 'llmr', 'config.yaml');
  repoFile = path.join(root, REPO_CONFIG_FILE);
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const load = (env: Record<string, string> = {}) => loadConfig({ root, env, homedir: home });
const yamlOf = (key: string, value: unknown): string => {
  const tree: Record<string, unknown> = {};
  setPath(tree, key, value);
  return stringify(tree);
};

async function refusal(env: Record<string, string> = {}): Promise<LlmrError> {
  const err = await load(env).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LlmrError);
  expect((err as LlmrError).code).toBe('CONFIG_INVALID');
  return err as LlmrError;
}

/** The keys a repository may set at all, each with its policy: a change here is a security review. */
const NARROWABLE: Record<string, string> = {
  'repository.excluded_paths': 'append', 'security.protected_paths': 'append',
  'commands.open.enabled': 'turn-off', 'commands.write.enabled': 'turn-off', 'commands.exec.enabled': 'turn-off',
  'commands.search.enabled': 'turn-off', 'commands.exec.allow_shell': 'turn-off', 'commands.exec.reuse_containers': 'turn-off', 'container_pool.enabled': 'turn-off',
  'commands.exec.git': 'turn-off', 'commands.exec.cache': 'turn-off', 'commands.exec.repository': 'read-only',
  'commands.write.backup_before_write': 'turn-on', 'audit.enabled': 'turn-on',
  'commands.exec.whitelist': 'fewer-prefixes',
  'commands.write.allowed_extensions': 'fewer-extensions', 'commands.search.index_extensions': 'fewer-extensions',
  ...Object.fromEntries([
    'commands.open.max_file_size', 'commands.write.max_file_size', 'commands.exec.timeout_seconds', 'commands.exec.max_timeout_seconds',
    'commands.exec.memory_limit', 'commands.exec.cpu_limit', 'commands.exec.pids_limit', 'commands.exec.tmpfs_size',
    'commands.exec.max_output_bytes', 'commands.exec.cache_max_size', 'commands.io.timeout_seconds', 'commands.io.memory_limit', 'commands.io.cpu_limit',
    'commands.io.pids_limit', 'container_pool.max_uses_per_container', 'container_pool.acquire_timeout', 'commands.search.max_results', 'commands.search.max_file_size', 'commands.search.max_preview_length',
  ].map((key) => [key, 'lower'])),
};

/** A value that widens the default of `spec` under its policy (in YAML form). */
function wider(spec: KeySpec): unknown {
  switch (spec.repo) {
    case 'lower': return spec.type === 'size' ? '100g' : spec.type === 'duration' ? '10h' : Math.min(Number(spec.default) * 2, spec.max ?? Infinity);
    case 'turn-off': return true;
    case 'turn-on': return false;
    case 'fewer-prefixes': return [...(spec.default as string[]), 'sh'];
    case 'fewer-extensions': return [];
    case 'read-only': return 'read-write';
    default: return spec.default;
  }
}

describe('config/narrow', () => {
  it('declares exactly the reviewed keys narrowable; every other key (and any new one) is user config only', () => {
    const declared = Object.fromEntries(KEYS.filter((s) => s.repo !== undefined && s.repo !== 'user-only').map((s) => [s.key, s.repo]));
    expect(declared).toEqual(NARROWABLE);
  });

  it.each(KEYS.filter((s) => s.repo === undefined).map((s) => s.key))('refuses %s from a repository even at its default value', async (key) => {
    const spec = KEYS.find((s) => s.key === key) as KeySpec;
    writeFileSync(repoFile, yamlOf(key, spec.default));
    const err = await refusal();
    expect(err.message).toBe(`${key} in ${repoFile} may not be set by a repository config`);
    expect(err.details).toContain(`belongs in your user config ${userFile}`);
  });

  it.each(Object.keys(NARROWABLE))('accepts the default of %s from a repository and refuses a wider value', async (key) => {
    const spec = KEYS.find((s) => s.key === key) as KeySpec;
    writeFileSync(repoFile, yamlOf(key, spec.default));
    await expect(load()).resolves.toBeDefined();
    if (spec.repo === 'append' || (spec.repo === 'fewer-extensions' && (spec.default as string[]).length === 0)) return;
    // a bool can only widen a user value that is already the narrow one
    if (typeof spec.default === 'boolean') writeFileSync(userFile, yamlOf(key, !(wider(spec) as boolean)));
    writeFileSync(repoFile, yamlOf(key, wider(spec)));
    const err = await refusal();
    expect(err.message).toMatch(new RegExp(`^${key.replace(/\./g, '\\.')} in .* widens the setting: `));
    // the same value is fine in the user's own config
    writeFileSync(userFile, yamlOf(key, wider(spec)));
    rmSync(repoFile);
    await expect(load()).resolves.toBeDefined();
  });

  it('refuses allow_shell: true, env (LD_PRELOAD), audit.enabled: false and both images from a repository', async () => {
    writeFileSync(repoFile, 'commands:\n  exec:\n    allow_shell: true\n');
    const shell = await refusal();
    expect(shell.message).toBe(`commands.exec.allow_shell in ${repoFile} widens the setting: true allows more than the value below it (false); a repository config may only set it to false`);
    expect(shell.details).toBe(`commands.exec.allow_shell belongs in your user config ${userFile} (or an LLMR_* variable of the daemon): a cloned repository may only narrow what you allow`);
    for (const text of ['commands:\n  exec:\n    env: { LD_PRELOAD: /workspace/evil.so }', 'audit:\n  enabled: false',
      'commands:\n  exec:\n    container_image: evil:latest', 'commands:\n  io:\n    container_image: evil:latest']) {
      writeFileSync(repoFile, `${text}\n`);
      expect((await refusal()).message).toMatch(/may not be set by a repository config|widens the setting/);
    }
  });

  it('judges a repository value against the daemon environment too (it is the user\'s)', async () => {
    writeFileSync(repoFile, 'commands:\n  exec:\n    whitelist: [cat, "head -c"]\n');
    await refusal();
    const { config } = await load({ LLMR_COMMANDS__EXEC__WHITELIST: 'cat,head,ls' });
    expect(config.commands.exec.whitelist).toEqual(['cat', 'head', 'ls']); // the environment still wins over the repository
  });

  it('names the user config under XDG_CONFIG_HOME in the hint', async () => {
    writeFileSync(repoFile, 'commands:\n  exec:\n    allow_shell: true\n');
    const err = await refusal({ XDG_CONFIG_HOME: '/etc/xdg-test' });
    expect(err.details).toContain('belongs in your user config /etc/xdg-test/llmr/config.yaml');
  });

  it('judges a repository value against the user value, not the default', async () => {
    writeFileSync(userFile, 'commands:\n  exec:\n    timeout_seconds: 120\n    max_timeout_seconds: 900\n    allow_shell: true\n    whitelist: [make, "go test", cargo]\n');
    writeFileSync(repoFile, 'commands:\n  exec:\n    timeout_seconds: 90\n    allow_shell: true\n    whitelist: ["go test ./pkg/...", make]\n');
    const { config } = await load();
    expect(config.commands.exec).toMatchObject({ timeout_seconds: 90, allow_shell: true, whitelist: ['go test ./pkg/...', 'make'] });
    writeFileSync(repoFile, 'commands:\n  exec:\n    timeout_seconds: 121\n');
    expect((await refusal()).message).toContain('it is larger than the value below it (120)');
  });

  it('refuses a whitelist entry that is not an entry of the lower list or a whole-token extension of one', async () => {
    for (const entry of ['go testx', 'go', 'sh -c', 'makefile']) {
      writeFileSync(repoFile, `commands:\n  exec:\n    whitelist: [make, "${entry}"]\n`);
      const err = await refusal();
      expect(err.message, entry).toContain(`it adds "${entry}", which the list below it ("go test", "go build", "npm test", "make") does not allow`);
    }
  });

  it('treats allowed_extensions [] as "any": a list narrows it, [] never narrows a list', async () => {
    writeFileSync(repoFile, 'commands:\n  write:\n    allowed_extensions: [.md]\n');
    expect((await load()).config.commands.write.allowed_extensions).toEqual(['.md']);
    writeFileSync(userFile, 'commands:\n  write:\n    allowed_extensions: [.md, .go]\n');
    writeFileSync(repoFile, 'commands:\n  write:\n    allowed_extensions: [.GO]\n');
    expect((await load()).config.commands.write.allowed_extensions).toEqual(['.GO']);
    for (const list of ['[]', '[.md, .sh]']) {
      writeFileSync(repoFile, `commands:\n  write:\n    allowed_extensions: ${list}\n`);
      expect((await refusal()).message).toContain('commands.write.allowed_extensions');
    }
  });

  it('explains each kind of widening', () => {
    expect(wideningReason('lower', 5, 4)).toBe('it is larger than the value below it (4)');
    expect(wideningReason('lower', 4, 4)).toBeUndefined();
    expect(wideningReason('turn-off', true, false)).toBeDefined();
    expect(wideningReason('turn-off', false, true)).toBeUndefined();
    expect(wideningReason('turn-on', false, true)).toBeDefined();
    expect(wideningReason('fewer-prefixes', ['go test -run X'], ['go test'])).toBeUndefined();
    expect(wideningReason('fewer-prefixes', ['go'], ['go test'])).toBeDefined();
    expect(wideningReason('fewer-extensions', ['.md'], [])).toBeUndefined();
    expect(wideningReason('append', ['x'], [])).toBeUndefined();
  });
});
