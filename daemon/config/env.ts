/**
 * The environment layer. A key `a.b_c.d` is set by `LLMR_A__B_C__D` (upper case, double
 * underscore between levels); a few short aliases exist for the settings people change most.
 * Variables without a double underscore that are not aliases belong to other parts of llmr
 * (`LLMR_SOCKET`, `LLMR_DAEMON_LOG`, `LLMR_TEST_*`) and are ignored here. An empty variable
 * counts as unset.
 */
import { legacyReason } from './legacy.js';
import type { Env } from './paths.js';
import { keySpec } from './schema.js';

export const ENV_PREFIX = 'LLMR_';

/** Short names for common settings. The full name works too; both set to different values is an error. */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  LLMR_LOG_LEVEL: 'logging.level',
  LLMR_LOG_FILE: 'logging.file',
  LLMR_EXEC_ENABLED: 'commands.exec.enabled',
  LLMR_EXEC_TIMEOUT: 'commands.exec.timeout_seconds',
  LLMR_EXEC_IMAGE: 'commands.exec.container_image',
  LLMR_IO_IMAGE: 'commands.io.container_image',
  LLMR_POOL_ENABLED: 'container_pool.enabled',
  LLMR_POOL_SIZE: 'container_pool.size',
  LLMR_OLLAMA_URL: 'commands.search.ollama_url',
  LLMR_AUDIT_LOG: 'security.audit_log_path',
};

/** Variables of other parts of llmr, never config (a trailing `_` makes a prefix). */
export const ENV_IGNORED = ['LLMR_SOCKET', 'LLMR_DAEMON_LOG', 'LLMR_TEST_'] as const;

const ignored = (variable: string): boolean =>
  ENV_IGNORED.some((name) => (name.endsWith('_') ? variable.startsWith(name) : variable === name));

/** The full environment variable name of a config key. */
export function envVarName(key: string): string {
  return ENV_PREFIX + key.toUpperCase().replaceAll('.', '__');
}

export interface EnvEntry { key: string; value: string; variable: string }
export interface EnvProblem { message: string; hint?: string }

/** Config entries found in `env`, and problems with variables that look like config but are not. */
export function envEntries(env: Env): { entries: EnvEntry[]; problems: EnvProblem[] } {
  const entries: EnvEntry[] = [];
  const problems: EnvProblem[] = [];
  for (const variable of Object.keys(env).sort()) {
    const value = env[variable];
    if (!variable.startsWith(ENV_PREFIX) || ignored(variable) || value === undefined || value === '') continue;
    const alias = ENV_ALIASES[variable];
    if (alias !== undefined) {
      entries.push({ key: alias, value, variable });
      continue;
    }
    if (!variable.includes('__')) continue;
    const key = variable.slice(ENV_PREFIX.length).toLowerCase().replaceAll('__', '.');
    const legacy = legacyReason(key);
    if (legacy !== undefined) problems.push({ message: `environment variable ${variable} (${key}) is not supported by llmr: ${legacy}` });
    else if (keySpec(key) === undefined) {
      problems.push({
        message: `unknown config key ${key} in environment variable ${variable}`,
        hint: 'variables are LLMR_ + the key in upper case with __ between levels, like LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS',
      });
    } else entries.push({ key, value, variable });
  }
  return { entries, problems };
}
