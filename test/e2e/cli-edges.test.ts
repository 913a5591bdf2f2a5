/**
 * The built `llmr` at its edges: missing input/output files and roots, a git that refuses the
 * repository, config variables the running daemon does not share, control characters in tag
 * arguments, and the search result cap.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownTree, makeRepo } from '../helpers/daemon.js';
import { cleanupHome, containersMounting, makeHome, runCli, type CliHome } from './helpers.js';

const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

describe('e2e/cli-edges without a daemon', () => {
  let h: CliHome;
  beforeAll(() => {
    h = makeHome();
  });
  afterAll(async () => {
    await cleanupHome(h);
  });

  it('names a missing --input file and an --output file in a missing directory in words', async () => {
    const input = await runCli(h, ['--no-spawn', '--root', h.home, '--input', 'missing.txt']);
    expect(input).toEqual({ status: 2, stdout: '', stderr: 'llmr: cannot read input file missing.txt: no such file\n' });
    const output = await runCli(h, ['--no-spawn', '--root', h.home, '--output', 'nodir/out.txt'], '<open a>');
    expect(output).toEqual({ status: 2, stdout: '', stderr: 'llmr: cannot write output file nodir/out.txt: no such directory\n' });
  });

  it('fails once with ROOT_NOT_FOUND (exit 3) for a missing root, in tag mode and for search and status', async () => {
    const missing = path.join(h.home, 'nowhere');
    const tags = await runCli(h, ['--root', missing], '<open a.txt> <write b.txt>x</write> <exec ls>');
    expect(tags).toEqual({ status: 3, stdout: '', stderr: `llmr: repository root ${missing} does not exist\nhint: pass --root DIR naming the repository directory, or run llmr inside it\n` });
    const search = await runCli(h, ['search', '--root', missing, 'alpha']);
    expect(search).toEqual({ status: 3, stdout: '', stderr: `llmr: repository root ${missing} does not exist\nhint: pass --root DIR naming the repository directory, or run llmr inside it\n` });
    const file = path.join(h.home, 'file.txt');
    writeFileSync(file, 'x');
    const status = await runCli(h, ['status', '--root', file]);
    expect(status).toEqual({ status: 3, stdout: '', stderr: `llmr: repository root ${file} is not a directory\nhint: pass --root DIR naming the repository directory, or run llmr inside it\n` });
  });

  it('finds the git top-level of a repository owned by another user without a git warning (dubious ownership as root)', async () => {
    expect(process.getuid?.(), 'this test needs root: git refuses a repository owned by another user').toBe(0);
    const repo = realpathSync(makeRepo({ 'a.txt': 'alpha\n' }));
    try {
      const init = spawnSync('git', ['init', '-q', repo], { encoding: 'utf8' });
      expect(init.status, init.stderr).toBe(0);
      chownTree(repo);
      mkdirSync(path.join(repo, 'sub'));
      const r = await runCli(h, ['--no-spawn'], '<open a.txt>', { cwd: path.join(repo, 'sub') });
      expect(r.status).toBe(4);
      expect(r.stderr).toMatch(/^llmr: no llmr daemon answers on /);
      expect(r.stderr).not.toMatch(/dubious|git rev-parse/);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('e2e/cli-edges with the daemon, Docker and the images', () => {
  let h: CliHome;
  let repo: string;
  beforeAll(() => {
    h = makeHome({ LLMR_COMMANDS__SEARCH__MAX_RESULTS: '1' });
    repo = realpathSync(makeRepo({ 'a.md': 'alpha beta\n', 'b.md': 'alpha gamma\n' }));
  });
  afterAll(async () => {
    await cleanupHome(h);
    const left = containersMounting(repo);
    rmSync(repo, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it('does not warn about the environment of a daemon it just started', async () => {
    const r = await runCli(h, ['--root', repo], '<open a.md>', { timeoutMs: 110_000 });
    expect(r.status, `stderr:\n${r.stderr}\ndaemon log:\n${h.daemonLog()}`).toBe(0);
    expect(r.stderr).not.toContain('environment');
  });

  it('warns once when its config variables differ from the running daemon', async () => {
    const env = { ...h.env, LLMR_POOL_SIZE: '3', LLMR_LOG_LEVEL: 'debug' };
    const r = await runCli({ ...h, env }, ['--root', repo, '--no-spawn'], '<open a.md> <open b.md>');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      "llmr: LLMR_LOG_LEVEL, LLMR_POOL_SIZE differ from the running daemon's environment (it read its own at start); restart it to apply them: llmr daemon stop\n",
    );
    const same = await runCli(h, ['--root', repo, '--no-spawn'], '<open a.md>');
    expect(same.stderr).toBe('');
  });

  it('escapes control characters of tag arguments in text output and keeps them in JSON', async () => {
    const text = await runCli(h, ['--root', repo, '--no-spawn'], '<open a\x01b\x1b[2J.md>');
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('=== COMMAND: <open a\\x01b\\x1b[2J.md> ===\n');
    expect(text.stdout).toContain('\nCommand: <open a\\x01b\\x1b[2J.md>\n');
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    const json = await runCli(h, ['--root', repo, '--no-spawn', '--json'], '<open a\x01b.md>');
    expect((JSON.parse(json.stdout.split('\n')[0]) as { command: string }).command).toBe('<open a\x01b.md>');
  });

  it('shows [Showing top N results] when a tag search reaches the configured cap', async () => {
    const index = await runCli(h, ['reindex', '--root', repo, '--no-spawn'], '', { timeoutMs: 60_000 });
    expect(index.status, index.stderr).toBe(0);
    const r = await runCli(h, ['--root', repo, '--no-spawn'], '<search alpha>');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\n1\. [ab]\.md \(score: [0-9.]+\)\n/);
    expect(r.stdout).toContain('\n[Showing top 1 results]\n=== END SEARCH ===\n');
  });
});
