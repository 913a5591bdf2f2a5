import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { ENV_ALIASES, envEntries, envVarName } from './env.js';
import { loadConfig } from './load.js';
import { keySpec } from './schema.js';

let home: string;
beforeEach(() => { home = mkdtempSync(path.join(os.tmpdir(), 'llmr-env-')); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

const load = (env: Record<string, string | undefined>, overrides?: Record<string, unknown>) => loadConfig({ env, homedir: home, overrides });

async function loadError(env: Record<string, string | undefined>, overrides?: Record<string, unknown>): Promise<LlmrError> {
  const err: unknown = await load(env, overrides).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LlmrError);
  expect((err as LlmrError).code).toBe('CONFIG_INVALID');
  return err as LlmrError;
}

describe('config/env', () => {
  it('names variables LLMR_ + upper-case key with double underscores between levels', () => {
    expect(envVarName('commands.exec.timeout_seconds')).toBe('LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS');
    expect(envVarName('container_pool.min_idle')).toBe('LLMR_CONTAINER_POOL__MIN_IDLE');
  });

  it('parses environment values by the key type', async () => {
    const { config } = await load({
      LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '10',
      LLMR_COMMANDS__EXEC__ALLOW_SHELL: '1',
      LLMR_COMMANDS__OPEN__ENABLED: 'false',
      LLMR_COMMANDS__EXEC__WHITELIST: 'go test, make ,cargo test',
      LLMR_COMMANDS__EXEC__ENV: 'GOFLAGS=-mod=mod,CI=1',
      LLMR_COMMANDS__EXEC__MEMORY_LIMIT: '1g',
      LLMR_CONTAINER_POOL__IDLE_TIMEOUT: '90s',
      LLMR_COMMANDS__EXEC__CPU_LIMIT: '1.5',
      LLMR_SECURITY__AUDIT_LOG_PATH: '/var/log/llmr-audit.log',
    });
    expect(config.commands.exec).toMatchObject({
      timeout_seconds: 10, allow_shell: true, whitelist: ['go test', 'make', 'cargo test'],
      env: { GOFLAGS: '-mod=mod', CI: '1' }, memory_limit: 1024 ** 3, cpu_limit: 1.5,
    });
    expect(config.commands.open.enabled).toBe(false);
    expect(config.container_pool.idle_timeout).toBe(90_000);
    expect(config.audit.file).toBe('/var/log/llmr-audit.log');
  });

  it('honours the short aliases', async () => {
    for (const [variable, key] of Object.entries(ENV_ALIASES)) expect(keySpec(key), variable).toBeDefined();
    const { config } = await load({ LLMR_EXEC_TIMEOUT: '5', LLMR_LOG_LEVEL: 'debug', LLMR_POOL_ENABLED: '0', LLMR_POOL_SIZE: '2' });
    expect(config.commands.exec.timeout_seconds).toBe(5);
    expect(config.logging.level).toBe('debug');
    expect(config.container_pool).toMatchObject({ enabled: false, size: 2 });
  });

  it('accepts an alias and the full name with the same value and rejects different values', async () => {
    const same = await load({ LLMR_EXEC_TIMEOUT: '5', LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '5s' });
    expect(same.config.commands.exec.timeout_seconds).toBe(5);
    const err = await loadError({ LLMR_EXEC_TIMEOUT: '5', LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '6' });
    expect(err.message).toContain('LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS');
    expect(err.message).toContain('LLMR_EXEC_TIMEOUT');
    expect(err.message).toContain('to different values (6 and 5)');
  });

  it('rejects a bad environment value naming the variable, key, value and expectation', async () => {
    const err = await loadError({ LLMR_POOL_ENABLED: 'maybe' });
    expect(err.message).toBe('container_pool.enabled in environment variable LLMR_POOL_ENABLED has bad value "maybe"; expected true or false');
    const err2 = await loadError({ LLMR_COMMANDS__EXEC__ENV: 'NOEQUALS' });
    expect(err2.message).toContain('expected a mapping of names to strings');
  });

  it('rejects unknown and legacy double-underscore variables', async () => {
    const err = await loadError({ LLMR_COMMANDS__EXEC__TIMEOUT: '3' });
    expect(err.message).toBe('unknown config key commands.exec.timeout in environment variable LLMR_COMMANDS__EXEC__TIMEOUT');
    expect(err.details).toContain('LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS');
    const legacy = await loadError({ LLMR_SECURITY__RATE_LIMIT_PER_MINUTE: '100' });
    expect(legacy.message).toBe('environment variable LLMR_SECURITY__RATE_LIMIT_PER_MINUTE (security.rate_limit_per_minute) is not supported by llmr: llmr has no rate limiting; remove the key');
  });

  it('ignores non-config LLMR variables, other variables and empty values', async () => {
    const { config } = await load({
      LLMR_SOCKET: '/tmp/x.sock', LLMR_DAEMON_LOG: '/tmp/d.log', LLMR_TEST_DOCKER: '1', LLMR_SOMETHING: 'x',
      LLM_EXEC_ENABLED: 'false', PATH: '/bin', LLMR_LOG_LEVEL: '', LLMR_COMMANDS__EXEC__BOGUS: undefined,
    });
    expect(config.logging.level).toBe('info');
    expect(config.commands.exec.enabled).toBe(true);
    expect(envEntries({ LLMR_SOCKET: 'x', LLMR_TEST_X: 'y', LLMR_TEST__DOCKER__HOST: 'z' })).toEqual({ entries: [], problems: [] });
  });

  it('rejects relative paths from the environment and overrides but expands ~', async () => {
    const err = await loadError({ LLMR_AUDIT_LOG: 'audit.log' });
    expect(err.message).toBe('security.audit_log_path in environment variable LLMR_AUDIT_LOG has relative path "audit.log"; expected an absolute path or ~/…');
    const { config } = await load({ LLMR_LOG_FILE: '~/logs/d.log' });
    expect(config.logging.file).toBe(path.join(home, 'logs/d.log'));
    const over = await loadError({}, { 'logging.file': 'rel.log' });
    expect(over.message).toContain('logging.file in command-line overrides has relative path');
  });

  it('takes overrides as typed values or as strings parsed like the environment', async () => {
    const { config } = await load({}, { 'commands.exec.timeout_seconds': 5, 'container_pool.enabled': 'false', 'commands.exec.whitelist': ['ls'], 'logging.level': undefined });
    expect(config.commands.exec.timeout_seconds).toBe(5);
    expect(config.container_pool.enabled).toBe(false);
    expect(config.commands.exec.whitelist).toEqual(['ls']);
    expect(config.logging.level).toBe('info');
    const legacy = await loadError({}, { 'output.show_summaries': true });
    expect(legacy.message).toMatch(/^output\.show_summaries in command-line overrides is not supported by llmr: /);
  });

  it('treats audit.file as the same setting as security.audit_log_path', async () => {
    const both = await load({}, { 'audit.file': '/a/x.log', 'security.audit_log_path': '/a/x.log' });
    expect(both.config.security.audit_log_path).toBe('/a/x.log');
    const err = await loadError({}, { 'audit.file': '/a/x.log', 'security.audit_log_path': '/a/y.log' });
    expect(err.message).toBe('audit.file in command-line overrides and security.audit_log_path in command-line overrides set security.audit_log_path to different values ("/a/x.log" and "/a/y.log")');
    expect(err.details).toBe('set only one of them');
    const layered = await load({ LLMR_AUDIT_LOG: '/a/env.log' }, { 'audit.file': '/a/flag.log' });
    expect(layered.config.security.audit_log_path).toBe('/a/flag.log');
    expect(layered.config.audit.file).toBe('/a/flag.log');
  });
});
