/**
 * What a repository's own config file may do. A cloned repository is untrusted input: its
 * `llm-runtime.config.yaml` may only narrow what the user's config (or the defaults) allow. Each
 * key of the schema declares its policy (`KeySpec.repo`); a key without one is user config only,
 * so a key added later cannot be widened by a repository by accident.
 */

/**
 * - `user-only`: a repository may not set the key at all (host paths, images, environment, daemon
 *   resources, where repository text is sent, ownership checks).
 * - `lower`: a number the repository may only make smaller (limits and time-outs).
 * - `turn-off` / `turn-on`: a bool the repository may only set to `false` / `true` (or to the value it has).
 * - `append`: a list of patterns the repository may only add to (the layers are merged).
 * - `fewer-prefixes`: a list of command prefixes; each repository entry must be an entry of the lower
 *   layer or extend one by whole tokens (`go test ./pkg` narrows `go test`).
 * - `fewer-extensions`: a list of extensions where `[]` means "any"; the repository's list must be a
 *   subset of the lower layer's (any non-empty list narrows `[]`).
 * - `read-only`: a mode the repository may only set to `read-only` (or to the value it has).
 */
export const REPO_POLICIES = ['user-only', 'lower', 'turn-off', 'turn-on', 'append', 'fewer-prefixes', 'fewer-extensions', 'read-only'] as const;
export type RepoPolicy = (typeof REPO_POLICIES)[number];

/** What the policy lets a repository do, in words (for messages and the README table). */
export const POLICY_WORDS: Readonly<Record<RepoPolicy, string>> = {
  'user-only': 'no (user config only)',
  lower: 'only lower it',
  'turn-off': 'only set it to false',
  'turn-on': 'only set it to true',
  append: 'only add entries (merged with the user list)',
  'fewer-prefixes': 'only remove entries or make them longer',
  'fewer-extensions': 'only remove entries (a list narrows [] = any)',
  'read-only': 'only set it to read-only',
};

const tokens = (prefix: string): string[] => prefix.split(/\s+/).filter((t) => t !== '');

/** True when command prefix `entry` allows no more than `base` does (whole-token prefix). */
function extendsPrefix(base: string, entry: string): boolean {
  const b = tokens(base);
  const e = tokens(entry);
  return b.length <= e.length && b.every((t, i) => t === e[i]);
}

/** The entries of `value` that `base` does not allow, under a list policy. */
function wideEntries(policy: RepoPolicy, value: string[], base: string[]): string[] {
  if (policy === 'fewer-prefixes') return value.filter((v) => !base.some((b) => extendsPrefix(b, v)));
  const lower = new Set(base.map((b) => b.toLowerCase()));
  return value.filter((v) => !lower.has(v.toLowerCase()));
}

/**
 * Why a repository value widens the lower layer's value `base`, or undefined when it does not.
 * Never called for `user-only` keys (they are refused before their value matters).
 */
export function wideningReason(policy: RepoPolicy, value: unknown, base: unknown): string | undefined {
  switch (policy) {
    case 'user-only':
      return 'a repository may not set it';
    case 'lower':
      return (value as number) > (base as number) ? `it is larger than the value below it (${String(base)})` : undefined;
    case 'turn-off':
      return value === true && base !== true ? `true allows more than the value below it (${String(base)})` : undefined;
    case 'turn-on':
      return value === false && base !== false ? `false allows more than the value below it (${String(base)})` : undefined;
    case 'append':
      return undefined;
    case 'read-only':
      return value !== 'read-only' && value !== base ? `${String(value)} allows more than the value below it (${String(base)})` : undefined;
    case 'fewer-extensions': {
      const v = value as string[];
      const b = base as string[];
      if (b.length === 0) return undefined;
      if (v.length === 0) return `[] allows every extension, more than the list below it (${b.join(' ')})`;
      const wide = wideEntries(policy, v, b);
      return wide.length === 0 ? undefined : `it adds ${wide.join(', ')}, which the list below it (${b.join(' ')}) does not allow`;
    }
    case 'fewer-prefixes': {
      const wide = wideEntries(policy, value as string[], base as string[]);
      return wide.length === 0 ? undefined
        : `it adds ${wide.map((w) => JSON.stringify(w)).join(', ')}, which the list below it (${(base as string[]).map((b) => JSON.stringify(b)).join(', ')}) does not allow`;
    }
  }
}

/** The value a repository entry leaves in the config: `append` lists are merged, the rest replace. */
export function repoValue(policy: RepoPolicy, value: unknown, base: unknown): unknown {
  return policy === 'append' ? [...new Set([...(base as string[]), ...(value as string[])])] : value;
}
