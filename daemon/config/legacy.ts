/**
 * Keys the original tool's config had that llmr does not support, each with one sentence
 * saying why or what to use instead. A legacy key is an error (CONFIG_INVALID), never ignored:
 * the original silently ignored most of its keys, and a setting that does nothing misleads.
 */

/** Exact legacy keys. */
export const LEGACY_KEYS: Readonly<Record<string, string>> = {
  'repository.root': 'the repository is the one llmr runs in (or --root), not a config setting',
  'security.rate_limit_per_minute': 'llmr has no rate limiting; remove the key',
  'security.log_all_operations': 'every operation is always audited; use audit.enabled to turn the audit log off',
  'security.follow_symlinks': 'symlinks are followed only when they resolve inside the repository, which is not configurable',
  'security.allow_hidden_files': 'hidden files are allowed; list the ones to hide in repository.excluded_paths',
  'commands.exec.network_enabled': 'exec containers never have a network',
  'commands.search.min_similarity_score': 'results are ranked, not cut at a score; use commands.search.max_results',
  'commands.open.allowed_extensions': 'reads are not filtered by extension; use repository.excluded_paths to hide files',
  'commands.search.chunk_size': 'chunking follows the code structure and is not configurable',
  'commands.search.embedding_dimensions': 'the dimensions come from the embedding model',
  'commands.open.require_confirmation': 'llmr never asks for confirmation; disable the command with enabled: false',
  'commands.write.require_confirmation': 'llmr never asks for confirmation; disable the command with enabled: false',
  'commands.open.backup_before_write': '<open> never writes; the setting is commands.write.backup_before_write',
  'commands.open.format_code': 'llmr writes content exactly as given and never reformats it',
  'commands.write.format_code': 'llmr writes content exactly as given and never reformats it',
  'commands.open.atomic_writes': 'writes are always atomic',
  'commands.write.atomic_writes': 'writes are always atomic',
};

/** Legacy sections: every key under them is legacy. */
export const LEGACY_SECTIONS: Readonly<Record<string, string>> = {
  output: 'the output format is fixed by the tag protocol; use --json for machine-readable output',
};

/** Why a key is not supported, or undefined when it is not a legacy key. */
export function legacyReason(key: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(LEGACY_KEYS, key)) return LEGACY_KEYS[key];
  const section = key.split('.')[0];
  return Object.prototype.hasOwnProperty.call(LEGACY_SECTIONS, section) ? LEGACY_SECTIONS[section] : undefined;
}
