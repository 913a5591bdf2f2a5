/**
 * The built-in whitelist profiles of `<exec>` (`commands.exec.profile`), pure. A profile's entries
 * are added to `commands.exec.whitelist`; `original` adds none, so the whitelist alone applies (its
 * default is the original's four entries: go test, go build, npm test, make).
 *
 * The whitelist is a guard rail, not the boundary: `python3` and `find -exec` can run anything the
 * image has. What a command can reach is bounded by its container (DESIGN §8: no network,
 * read-only repository, no capabilities, excluded files masked).
 */

/** Values of `commands.exec.profile`. */
export const EXEC_PROFILES = ['agent', 'original'] as const;
export type ExecProfile = (typeof EXEC_PROFILES)[number];

/**
 * What agents run (from ~16,000 SWE-agent / mini-swe-agent tool calls): python scripts and test
 * runners, the read-only text tools, read-only git, and scratch-file housekeeping.
 */
export const AGENT_PROFILE: readonly string[] = [
  'python3', 'python', 'pytest',
  'go test', 'go build', 'go vet', 'go run', 'go version', 'go env', 'go list', 'gofmt',
  'node', 'npm test', 'npm run', 'npx', 'make', 'gcc', 'patch',
  'grep', 'sed', 'awk', 'cat', 'head', 'tail', 'find', 'ls', 'wc', 'diff', 'cmp', 'sort', 'uniq', 'cut', 'tr',
  'echo', 'printf', 'pwd', 'true', 'false', 'stat', 'du', 'basename', 'dirname', 'realpath', 'readlink',
  'git status', 'git diff', 'git log', 'git show', 'git blame', 'git grep', 'git ls-files', 'git rev-parse',
  'rm', 'mv', 'cp', 'mkdir', 'rmdir', 'touch',
];

const PROFILES: Record<ExecProfile, readonly string[]> = { agent: AGENT_PROFILE, original: [] };

/** The whitelist a workspace checks commands against: the profile's entries, then `whitelist`'s, without repeats. */
export function effectiveWhitelist(profile: ExecProfile, whitelist: readonly string[]): string[] {
  return [...new Set([...PROFILES[profile], ...whitelist])];
}
