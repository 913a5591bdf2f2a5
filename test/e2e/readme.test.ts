/**
 * The README's "Using llmr" walk with the built `llmr` against a real daemon, Docker and the
 * images: its YAML examples as the user's and the repository's config, the commands it lists,
 * and what a newcomer meets on the way (root-owned repository, a repository owned by another
 * user, absolute backup paths, a line range past the end, quiet progress in a pipe).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { makeRepo, REPO_UID } from '../helpers/daemon.js';
import { fences } from '../support/readme.js';
import { cleanupHome, makeHome, runCli, type CliHome } from './helpers.js';

const README = readFileSync('README.md', 'utf8');
const yamlBlocks = fences(README).filter((f) => f.lang === 'yaml');
const isRepoBlock = (f: { before: string; body: string }): boolean => `${f.before}\n${f.body.split('\n')[0]}`.includes('llm-runtime.config.yaml');
/** The README's repository example and the user example it narrows (the last one before it). */
const repoIndex = yamlBlocks.findIndex(isRepoBlock);
const REPO_YAML = yamlBlocks[repoIndex]?.body ?? '';
const USER_YAML = yamlBlocks.slice(0, repoIndex).reverse().find((f) => !isRepoBlock(f))?.body ?? '';

/** A file name `<write>` may change under the README's examples (their allowed_extensions). */
const allowed = ((parseYaml(REPO_YAML) as { commands?: { write?: { allowed_extensions?: string[] } } } | null)?.commands?.write?.allowed_extensions ?? []);
const NOTES = `notes${allowed.length === 0 || allowed.includes('.md') ? '.md' : allowed[0]}`;

/** Dotted keys a YAML example sets (lists and scalars are leaves). */
function keysOf(text: string): string[] {
  const walk = (node: Record<string, unknown>, prefix: string): string[] => Object.entries(node).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? walk(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]);
  return walk(parseYaml(text) as Record<string, unknown>, '');
}

describe('e2e/readme', () => {
  let h: CliHome;
  let repo: string;
  const big = Array.from({ length: 673 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

  beforeAll(() => {
    h = makeHome();
    mkdirSync(path.join(h.env.XDG_CONFIG_HOME, 'llmr'), { recursive: true });
    expect(REPO_YAML, 'README has an example llm-runtime.config.yaml').not.toBe('');
    writeFileSync(path.join(h.env.XDG_CONFIG_HOME, 'llmr', 'config.yaml'), USER_YAML);
    repo = realpathSync(makeRepo({ 'README.md': '# demo\n', [NOTES]: 'v1\n', 'big.txt': big, 'sub/x.md': 'x\n', 'llm-runtime.config.yaml': REPO_YAML }));
    execFileSync('git', ['init', '-q', repo]);
    execFileSync('chown', ['-R', `${REPO_UID}:${REPO_UID}`, repo]);
  });
  afterAll(async () => {
    await cleanupHome(h);
    rmSync(repo, { recursive: true, force: true });
  });

  it("runs the quick check from the README's first screen in a repository owned by another user, without git warnings", async () => {
    const r = await runCli(h, [], '<open README.md>\n', { cwd: path.join(repo, 'sub') });
    expect(r.stderr, h.daemonLog()).not.toMatch(/dubious|safe\.directory|git rev-parse/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('=== FILE: README.md ===\n# demo\n=== END FILE ===');
  });

  it('shows an absolute backup path that exists, and notes a line range past the end of a file', async () => {
    const input = `<write ${NOTES}>\nv2\n</write>\n<write ${NOTES}>\nv3\n</write>\n<open big.txt#L660-L700>\n`;
    const r = await runCli(h, ['--root', repo], input);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const backups = [...r.stdout.matchAll(/^Backup: (.*)$/gm)].map((m) => m[1]);
    expect(backups).toHaveLength(2);
    for (const b of backups) {
      expect(path.isAbsolute(b), b).toBe(true);
      expect(existsSync(b), b).toBe(true);
    }
    expect(r.stdout).toContain('line 673\n=== END FILE ===\nNote: big.txt has 673 lines; returned lines 660-673 of the 660-700 asked for\n');
  });

  it('lists every config value with its source: user file, repository file, default, environment', async () => {
    const json = await runCli(h, ['config', '--root', repo, '--json']);
    expect(json.status, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout) as { values: Array<{ key: string; source: string; where?: string }> };
    const sourceOf = (key: string) => r.values.find((v) => v.key === key)?.source;
    const fromEnv = new Set(['container_pool.size', 'container_pool.min_idle']); // makeHome's LLMR_* variables
    for (const key of keysOf(USER_YAML)) if (!fromEnv.has(key)) expect(sourceOf(key), key).toBe(keysOf(REPO_YAML).includes(key) ? 'repository' : 'user');
    for (const key of keysOf(REPO_YAML)) expect(sourceOf(key), key).toBe('repository');
    expect(sourceOf('container_pool.size')).toBe('environment');
    expect(sourceOf('commands.open.enabled')).toBe('default');
    const text = await runCli(h, ['config', '--root', repo]);
    const userFile = path.join(h.env.XDG_CONFIG_HOME, 'llmr', 'config.yaml');
    expect(text.stdout).toContain(`user:        ${userFile}\n`);
    expect(text.stdout).toContain(`repository:  ${path.join(repo, 'llm-runtime.config.yaml')}\n`);
    expect(text.stdout).toMatch(/^container_pool\.size +2 +environment \(LLMR_POOL_SIZE\)$/m);
    expect(text.stdout).toMatch(/^commands\.open\.max_file_size +1m +default$/m);
    const p = await runCli(h, ['config', 'path', '--root', repo, '--json']);
    expect(JSON.parse(p.stdout)).toMatchObject({ userFile, userFileExists: true, repositoryFileExists: true });
  });

  it('runs the status, search, reindex and audit commands the README lists', async () => {
    const status = await runCli(h, ['status', '--root', repo]);
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain(`workspace:   ${repo}\n`);
    const search = await runCli(h, ['search', 'demo', '--limit', '5', '--root', repo]);
    expect(search.status, search.stderr).toBe(0);
    const reindex = await runCli(h, ['reindex', '--root', repo]);
    expect(reindex.status, reindex.stderr).toBe(0);
    expect(reindex.stderr).toBe(''); // no progress bars in a pipe
    expect(reindex.stdout).toMatch(/^indexed \d+ files/);
    for (const args of [['audit', 'verify'], ['audit', 'verify', '--root', repo]]) {
      const a = await runCli(h, args);
      expect(a.status, args.join(' ') + a.stderr).toBe(0);
      expect(a.stdout).toMatch(/^ok {3}.*audit\.log: \d+ lines, hash chain intact\n$/);
    }
  });

  it('refuses a root-owned repository with exit status 6 and names the real user config in the fix', async () => {
    const owned = mkdtempSync(path.join(os.tmpdir(), 'llmr-rootrepo-'));
    try {
      writeFileSync(path.join(owned, 'a.txt'), 'a\n');
      const r = await runCli(h, ['status', '--root', owned]);
      expect(r.status).toBe(6);
      expect(r.stderr).toContain('is owned by root');
      expect(r.stderr).toContain(`security.allow_root_owned_repo: true in ${path.join(h.env.XDG_CONFIG_HOME, 'llmr', 'config.yaml')}`);
    } finally {
      rmSync(owned, { recursive: true, force: true });
    }
  });
});
