/**
 * The built `llmr` as a new user runs it: help, usage errors, no daemon, and (with the daemon,
 * Docker and the images) a piped model reply with several tags on one line.
 */
import { readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, REPO_UID } from '../helpers/daemon.js';
import { cleanupHome, containersMounting, makeHome, runCli, type CliHome } from './helpers.js';

describe('e2e/cli without a daemon', () => {
  let h: CliHome;
  beforeAll(() => {
    h = makeHome();
  });
  afterAll(async () => {
    await cleanupHome(h);
  });

  it('prints the main help with usage, commands and examples', async () => {
    const r = await runCli(h, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: llmr \[--root DIR\] \[--input FILE\] \[--output FILE\] \[--interactive\] \[--json\] \[--no-spawn\]\n/);
    expect(r.stdout).toContain('\nCommands:\n');
    expect(r.stdout).toContain('\nExamples:\n');
    expect(r.stderr).toBe('');
  });

  it('prints help for subcommands and for help itself', async () => {
    for (const args of [['search', '--help'], ['daemon', 'stop', '--help'], ['images', 'build', '--help'], ['help', 'doctor']]) {
      const r = await runCli(h, args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: llmr /);
    }
  });

  it('prints the version', async () => {
    const r = await runCli(h, ['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^llmr \d+\.\d+\.\d+ \(protocol \d+\)\n$/);
  });

  it('exits 2 with the usage line on an unknown flag or a missing argument', async () => {
    const flag = await runCli(h, ['--bogus']);
    expect(flag.status).toBe(2);
    expect(flag.stdout).toBe('');
    expect(flag.stderr).toMatch(/^llmr: unknown option --bogus\nusage: llmr \[--root DIR\]/);
    const missing = await runCli(h, ['search']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^llmr: missing search query\nusage: llmr search QUERY/);
  });

  it('exits 4 with the socket and a fix when no daemon answers and --no-spawn is given', async () => {
    const r = await runCli(h, ['--no-spawn', '--root', h.home], 'Read <open README.md> please\n');
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`llmr: no llmr daemon answers on ${h.socket}\nhint: start it with: llmr daemon start (or drop --no-spawn)\n`);
  });

  it('prints nothing and exits 0 for input without commands', async () => {
    const r = await runCli(h, ['--no-spawn', '--root', h.home], 'no tags here, only <opened the door>\n');
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('says the daemon is not running', async () => {
    const status = await runCli(h, ['daemon', 'status']);
    expect(status.status).toBe(4);
    expect(status.stdout).toBe(`llmr daemon: not running (${h.socket})\n`);
    const stop = await runCli(h, ['daemon', 'stop']);
    expect(stop.status).toBe(0);
    expect(stop.stdout).toBe(`llmr daemon: not running (${h.socket})\n`);
  });
});

describe('e2e/cli with the daemon, Docker and the images', () => {
  let h: CliHome;
  let repo: string;
  beforeAll(() => {
    h = makeHome();
    repo = realpathSync(makeRepo({ 'a.txt': 'alpha\n', 'src/b.go': 'package b' }));
  });
  afterAll(async () => {
    await cleanupHome(h);
    const left = containersMounting(repo);
    rmSync(repo, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it('starts the daemon, runs several tags on one line and writes the files byte for byte', async () => {
    const input =
      'Let me look. <open a.txt> <open src/b.go> <write c.txt>\nline1\nline2\n</write> <write src/new/d.md>no newline</write> <write a.txt>\nchanged\n</write> done.\n';
    const r = await runCli(h, ['--root', repo], input, { timeoutMs: 110_000 });
    const context = `stderr:\n${r.stderr}\ndaemon log:\n${h.daemonLog()}`;
    expect(r.status, context).toBe(0);
    const text = r.stdout.replace(/Time elapsed: \d+\.\d\ds/, 'Time elapsed: X').replace(/Backup: .*a\.txt.*/, 'Backup: B');
    expect(text, context).toBe(
      [
        '=== LLM TOOL START ===',
        '=== COMMAND: <open a.txt> ===', '=== FILE: a.txt ===', 'alpha', '=== END FILE ===', '=== END COMMAND ===',
        '=== COMMAND: <open src/b.go> ===', '=== FILE: src/b.go ===', 'package b', '=== END FILE ===', '=== END COMMAND ===',
        '=== COMMAND: <write c.txt> ===', '=== WRITE SUCCESSFUL: c.txt ===', 'Action: CREATED', 'Bytes written: 12', '=== END WRITE ===', '=== END COMMAND ===',
        '=== COMMAND: <write src/new/d.md> ===', '=== WRITE SUCCESSFUL: src/new/d.md ===', 'Action: CREATED', 'Bytes written: 10', '=== END WRITE ===', '=== END COMMAND ===',
        '=== COMMAND: <write a.txt> ===', '=== WRITE SUCCESSFUL: a.txt ===', 'Action: UPDATED', 'Bytes written: 8', 'Backup: B', '=== END WRITE ===', '=== END COMMAND ===',
        '=== LLM TOOL COMPLETE ===', 'Commands executed: 5', 'Time elapsed: X', '=== END ===', '',
      ].join('\n'),
    );
    expect(readFileSync(path.join(repo, 'c.txt'), 'utf8')).toBe('line1\nline2\n');
    expect(readFileSync(path.join(repo, 'src/new/d.md'), 'utf8')).toBe('no newline');
    expect(readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('changed\n');
    expect(statSync(path.join(repo, 'c.txt')).uid).toBe(REPO_UID);
  });

  it('reports a refused path as an error block and exits 1', async () => {
    const r = await runCli(h, ['--root', repo], '<open ../../etc/passwd>');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/=== COMMAND: <open \.\.\/\.\.\/etc\/passwd> ===\n=== ERROR: PATH_OUTSIDE_REPO ===\n/);
    expect(r.stdout).toMatch(/Commands executed: 0\n/);
  });

  it('writes JSON lines with a summary', async () => {
    const r = await runCli(h, ['--root', repo, '--json', '--no-spawn'], '<open a.txt>');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ command: '<open a.txt>', ok: true, result: { content: 'changed\n' } });
    expect(lines[1]).toMatchObject({ summary: { executed: 1, failed: 0 } });
  });

  it('shows the running daemon and stops it', async () => {
    const status = await runCli(h, ['daemon', 'status']);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`socket:      ${h.socket}`);
    const stop = await runCli(h, ['daemon', 'stop'], '', { timeoutMs: 30_000 });
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/^llmr daemon: stopped \(pid \d+\)\n$/);
    const after = await runCli(h, ['--no-spawn', '--root', repo], '<open a.txt>');
    expect(after.status).toBe(4);
  });
});
