/**
 * git inside exec containers through the real daemon: read-only `.git` with the real history, a
 * sanitized `.git/config` (no remote credentials), the model's own writes in `git diff`, writes to
 * `.git` failing with git's message, and git withheld (one clear line) when it tracks an excluded file.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { ReadRequest, WriteRequest } from '../../protocol/io.js';
import { chownTree, containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

const WHITELIST = ['git', 'cat', 'ls'];
const SECRET = 'tok3n-hunter2';

function git(repo: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'safe.directory=*', '-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function gitRepo(files: Record<string, string>, track: string[]): string {
  const repo = makeRepo(files);
  git(repo, 'init', '-q');
  git(repo, 'remote', 'add', 'origin', `https://user:${SECRET}@example.com/r.git`);
  git(repo, 'add', '-f', ...track);
  git(repo, 'commit', '-q', '-m', 'first commit');
  chownTree(repo);
  return repo;
}

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;
let leaky: string;

const run = (root: string, command: string): Promise<ExecResult> => conn.sendRequest(ExecRequest, { root, command });

beforeAll(async () => {
  repo = gitRepo({ 'a.txt': 'one\n', '.gitignore': '.env\n', '.env': 'SECRET=hunter2\n' }, ['a.txt', '.gitignore']);
  leaky = gitRepo({ 'b.txt': 'two\n', '.env': 'SECRET=hunter2\n' }, ['b.txt', '.env']);
  d = await startDaemon({
    LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: WHITELIST.join(','), LLMR_COMMANDS__EXEC__TIMEOUT_SECONDS: '20',
    LLMR_COMMANDS__EXEC__GIT: 'true', // off by default: the history may hold excluded files
  });
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/exec-git', () => {
  it('runs git status and git log against the real history', async () => {
    const status = await run(repo, 'git status --porcelain=v1 --branch');
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toBe('## main\n');
    const log = await run(repo, 'git log -5 --format=%s');
    expect(log).toMatchObject({ exitCode: 0, stdout: 'first commit\n' });
  });

  it('shows the model\'s own <write> in git diff --stat', async () => {
    await conn.sendRequest(WriteRequest, { root: repo, path: 'a.txt', content: 'one\ntwo\n' });
    const r = await run(repo, 'git diff --stat');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/a\.txt \| 1 \+\n 1 file changed, 1 insertion\(\+\)/);
  });

  it('gives commands a sanitized .git/config: no remote URL, no credentials', async () => {
    for (const command of ['cat .git/config', 'git config --list --show-origin', 'git remote -v']) {
      const r = await run(repo, command);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain('example.com');
    }
    expect((await run(repo, 'cat .git/config')).stdout).toContain('repositoryformatversion = 0');
  });

  it('fails commands that write .git with git\'s own message', async () => {
    const tag = await run(repo, 'git tag v1');
    expect(tag.exitCode).not.toBe(0);
    expect(tag.stderr).toMatch(/Read-only file system|unable to create|cannot lock ref/i);
    const commit = await run(repo, 'git -c user.name=m -c user.email=m@x commit -am change');
    expect(commit.exitCode).not.toBe(0);
    expect(commit.stderr).toMatch(/Read-only file system|unable to create|index\.lock/i);
    expect(git(repo, 'tag')).toBe('');
    expect(git(repo, 'log', '--format=%s')).toBe('first commit\n');
  });

  it('keeps .git excluded from <open>', async () => {
    expect((await rpcFailure(conn.sendRequest(ReadRequest, { root: repo, path: '.git/config' }))).code).toBe('PATH_EXCLUDED');
  });

  it('withholds git with one clear line when git tracks an excluded file', async () => {
    const f = await rpcFailure(run(leaky, 'git show HEAD:.env'));
    expect(f.code).toBe('GIT_UNAVAILABLE');
    expect(f.message).toMatch(/^git is not available to commands in this repository: git tracks excluded files \(\.env\)/);
    const ls = await run(leaky, 'ls -A .git');
    expect(ls.stdout).toBe('');
  });
});
