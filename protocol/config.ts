import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';

/** Where a value of the effective configuration comes from, lowest layer first. */
export const CONFIG_SOURCES = ['default', 'user', 'repository', 'environment'] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

export interface ConfigExplainParams {
  /** Absolute repository root whose `llm-runtime.config.yaml` is the repository layer; omit for the daemon-wide config. */
  root?: string;
}

export interface ConfigValue {
  /** Dotted key, e.g. `commands.exec.timeout_seconds`. */
  key: string;
  /** The effective value (sizes in bytes, durations in milliseconds, seconds as seconds). */
  value: unknown;
  /** The key's value type: `bool`, `int`, `size`, `duration`, `seconds`, `string[]`, … */
  type: string;
  source: ConfigSource;
  /** The file or environment variable that set it; absent for defaults. */
  where?: string;
}

export interface ConfigExplainResult {
  /** The user config file the daemon reads (`$XDG_CONFIG_HOME/llmr/config.yaml` of the daemon's environment). */
  userFile: string;
  userFileExists: boolean;
  /** `<root>/llm-runtime.config.yaml`, when a root was given (realpath'd root). */
  repositoryFile?: string;
  repositoryFileExists?: boolean;
  /** The daemon's `LLMR_*` config variables; read once at daemon start. */
  environment: string[];
  values: ConfigValue[];
}

/**
 * The effective configuration with the source of each value: defaults < user file < repository
 * file < the daemon's `LLMR_*` environment. Fails with CONFIG_INVALID like the loader does.
 */
export const ConfigExplainRequest = new RequestType<ConfigExplainParams, ConfigExplainResult, ErrorData>('config/explain');
