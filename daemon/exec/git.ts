/**
 * git inside exec containers, read-only. `.git` stays excluded from open/write/search/list/grep,
 * but exec containers see it (read-only) so `git status|diff|log` work, with two precautions:
 * its `config` is replaced by a sanitized copy (only the core format keys and `[extensions]`, so
 * remote URLs with credentials, hooksPath, fsmonitor, filters and aliases never reach a command),
 * and git is withheld when the index tracks an excluded file (`git diff` would show the content a
 * mask hides). The container's git runs with no system or global config and `safe.directory=*`.
 */
import { spawn } from 'node:child_process';
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LlmrError } from '../../protocol/errors.js';
import { safeGitArgs, safeGitEnv } from '../../protocol/git.js';

export interface GitAccess {
  /** True when exec containers see `.git` (read-only, sanitized config). */
  enabled: boolean;
  /** Why llmr hides `.git` from commands; absent when it is shown, or when there is no `.git`. */
  reason?: string;
  /** Host file mounted read-only over `.git/config`. */
  configFile?: string;
}

/** Environment for git in an exec container: no system/global config, no pager, no prompts, no locks. */
export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*',
  GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0',
};

const MAX_CONFIG_BYTES = 1024 * 1024;
const CORE_KEPT = new Set(['repositoryformatversion', 'filemode', 'ignorecase', 'precomposeunicode', 'symlinks']);

/**
 * The sanitized `.git/config`: `[core]` format keys (bare forced false) and every key of
 * `[extensions]` but worktreeConfig (objectFormat…), which git needs to read the repository; worktreeConfig
 * is dropped, since it would make git read the unsanitized `.git/config.worktree`. Pure.
 */
export function sanitizeGitConfig(text: string): string {
  const core: string[] = [];
  const extensions: string[] = [];
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const head = /^\[\s*([A-Za-z0-9.-]+)\s*(?:"[^"]*")?\s*\]/.exec(line);
    if (head) { section = /"/.test(line) ? `${head[1].toLowerCase()}.sub` : head[1].toLowerCase(); continue; }
    const kv = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*([A-Za-z0-9._-]*)\s*$/.exec(line);
    if (!kv) continue;
    const key = kv[1].toLowerCase();
    if (section === 'core' && CORE_KEPT.has(key)) core.push(`\t${key} = ${kv[2]}`);
    // worktreeConfig would make git read .git/config.worktree, which is not sanitized
    if (section === 'extensions' && key !== 'worktreeconfig') extensions.push(`\t${key} = ${kv[2]}`);
  }
  return ['[core]', ...core, '\tbare = false', ...(extensions.length > 0 ? ['[extensions]', ...extensions] : []), ''].join('\n');
}

/**
 * Runs host git (safe options, no shell) and resolves its NUL-separated output. The daemon may run
 * as another uid than the repository's owner (checked by paths/owner.ts): `safe.directory` on the
 * command line lets git read it; the safe options already keep every repository-named program off.
 */
function gitLsFiles(root: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', safeGitArgs(['-c', 'safe.directory=*', 'ls-files', '-z']), { cwd: root, env: safeGitEnv(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8').split('\0').filter((p) => p !== ''))
      : reject(new Error(`git ls-files exited with ${code}: ${err.slice(0, 200)}`))));
  });
}

/**
 * Decide whether this workspace's commands get git, and write the sanitized config to
 * `<stateDir>/git/<workspaceId>.config` when they do.
 */
export async function prepareGit(input: {
  root: string; enabled: boolean; isExcluded(rel: string): boolean; stateDir: string; workspaceId: string;
}): Promise<GitAccess> {
  const dotGit = await lstat(path.join(input.root, '.git')).catch(() => undefined);
  // no .git at all: nothing is hidden, git itself says "not a git repository"
  if (dotGit === undefined) return { enabled: false };
  if (!input.enabled) return { enabled: false, reason: 'commands.exec.git is false' };
  if (!dotGit.isDirectory()) return { enabled: false, reason: '.git is not a directory (a worktree or submodule keeps its history outside the repository, which commands cannot see)' };
  const config = path.join(input.root, '.git', 'config');
  const info = await lstat(config).catch(() => undefined);
  if (info === undefined || !info.isFile() || info.size > MAX_CONFIG_BYTES) return { enabled: false, reason: '.git/config is missing, not a regular file, or larger than 1 MiB' };
  let tracked: string[];
  try {
    tracked = await gitLsFiles(input.root);
  } catch (err) {
    return { enabled: false, reason: `git could not list the repository (${(err as Error).message})` };
  }
  const leaked = tracked.filter((rel) => input.isExcluded(rel));
  if (leaked.length > 0) {
    return { enabled: false, reason: `git tracks excluded files (${leaked.slice(0, 3).join(', ')}${leaked.length > 3 ? ', …' : ''}), so git diff or git show would reveal what llmr hides` };
  }
  const dir = path.join(input.stateDir, 'git');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${input.workspaceId}.config`);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, sanitizeGitConfig(await readFile(config, 'utf8')), { mode: 0o444 });
  await rename(tmp, file);
  return { enabled: true, configFile: file };
}

/**
 * Throws GIT_UNAVAILABLE for a git command when llmr hides `.git` from commands (a reason is set);
 * `git --version` and `git version` need no repository and always run.
 */
export function assertGit(argv: readonly string[], git: GitAccess): void {
  if (argv[0] !== 'git' || git.enabled || git.reason === undefined) return;
  if (argv.length === 2 && (argv[1] === '--version' || argv[1] === 'version')) return;
  throw new LlmrError('GIT_UNAVAILABLE', `git is not available to commands in this repository: ${git.reason ?? 'unknown reason'}`,
    'read files with <open>, <list> and <grep>; set commands.exec.git: true in your user config when .git is a plain directory that tracks no excluded file');
}
