/**
 * Issue 10 defences through the real daemon and real containers: a repository's config may only
 * narrow, a symlinked config is refused, hard-link aliases and backup copies of secrets are
 * excluded, names that lie and trailing slashes are refused, write extensions hold on the target.
 */
import { linkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest } from '../../protocol/exec.js';
import { ReadRequest, WriteRequest } from '../../protocol/io.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const read = (root: string, p: string) => conn.sendRequest(ReadRequest, { root, path: p });

beforeAll(async () => {
  repo = makeRepo({
    'llm-runtime.config.yaml': 'commands:\n  write:\n    allowed_extensions: [.md, .go]\n  exec:\n    whitelist: [cat]\n',
    '.env': 'SECRET=hunter2\n',
    'server.key~': 'PRIVATE hunter2\n',
    '.ssh/id_work': 'PRIVATE hunter2\n',
    'src/main.go': 'package main\n',
    'run.sh': 'echo hi\n',
  });
  linkSync(path.join(repo, '.env'), path.join(repo, 'alias.txt'));
  symlinkSync('run.sh', path.join(repo, 'readme.md'));
  d = await startDaemon({ LLMR_COMMANDS__EXEC__WHITELIST: 'cat,grep' });
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/sec: roots too broad to serve', () => {
  it('refuses the home directory and a root in llmr\'s own state directory, before opening anything', async () => {
    const home = await rpcFailure(conn.sendRequest(ReadRequest, { root: d.home, path: 'x.txt' }));
    expect(home.code).toBe('ROOT_TOO_BROAD');
    expect(home.message).toContain('is your home directory');
    const inState = makeRepo({ 'a.txt': 'a\n' }, path.join(d.home, 'state', 'llmr'));
    const own = await rpcFailure(conn.sendRequest(ReadRequest, { root: inState, path: 'a.txt' }));
    expect(own.code).toBe('ROOT_TOO_BROAD');
    expect(own.message).toContain("llmr's own state directory");
    // a command could connect to the daemon's socket through the repository's mount
    const sock = await rpcFailure(conn.sendRequest(ReadRequest, { root: path.dirname(d.socket), path: 'daemon.sock' }));
    expect(sock.code).toBe('ROOT_TOO_BROAD');
    expect(sock.message).toContain(`holds llmr's own daemon socket ${d.socket}; a model could connect to it`);
  });
});

describe('integration/sec: the repository config may only narrow', () => {
  it('refuses a repository config with allow_shell: true, naming the key and the user config', async () => {
    const evil = makeRepo({ 'a.txt': 'a\n', 'llm-runtime.config.yaml': 'commands:\n  exec:\n    allow_shell: true\n' });
    const f = await rpcFailure(read(evil, 'a.txt'));
    expect(f.code).toBe('CONFIG_INVALID');
    expect(f.message).toContain('commands.exec.allow_shell in');
    expect(f.message).toContain('widens the setting');
    expect(f.details).toContain(`belongs in your user config ${d.env.XDG_CONFIG_HOME}/llmr/config.yaml`);
  });

  it('refuses exec env, audit off, images and a wider whitelist from a repository', async () => {
    for (const text of ['commands:\n  exec:\n    env: { LD_PRELOAD: /workspace/x.so }', 'audit:\n  enabled: false',
      'commands:\n  exec:\n    container_image: alpine', 'commands:\n  io:\n    container_image: alpine',
      'commands:\n  exec:\n    whitelist: [cat, sh]']) {
      const evil = makeRepo({ 'a.txt': 'a\n', 'llm-runtime.config.yaml': `${text}\n` });
      expect((await rpcFailure(read(evil, 'a.txt'))).code, text).toBe('CONFIG_INVALID');
    }
  });

  it('refuses a symlinked repository config whose target <write> could change', async () => {
    const linked = makeRepo({ 'a.txt': 'a\n', 'docs/cfg.md': 'commands:\n  exec:\n    timeout_seconds: 5\n' });
    symlinkSync('docs/cfg.md', path.join(linked, 'llm-runtime.config.yaml'));
    const f = await rpcFailure(read(linked, 'a.txt'));
    expect(f.code).toBe('CONFIG_INVALID');
    expect(f.message).toContain('it is a symlink; a repository config must be a regular file');
  });

  it('keeps the model-facing refusal of shell operators free of any hint to turn the shell on', async () => {
    const f = await rpcFailure(conn.sendRequest(ExecRequest, { root: repo, command: 'cat .env | grep SECRET' }));
    expect(f.code).toBe('COMMAND_NOT_WHITELISTED');
    expect(`${f.message} ${f.details ?? ''}`).not.toMatch(/allow_shell|sh -c/);
  });
});

describe('integration/sec: paths', () => {
  it('refuses <open> of a hard link to .env', async () => {
    const f = await rpcFailure(read(repo, 'alias.txt'));
    expect(f.code).toBe('PATH_EXCLUDED');
    expect(f.message).toBe('path alias.txt is a hard link to the excluded file .env');
  });

  it('excludes backup copies and the .ssh directory from <open> and masks them in <exec>', async () => {
    for (const p of ['server.key~', '.ssh/id_work']) expect((await rpcFailure(read(repo, p))).code, p).toBe('PATH_EXCLUDED');
    const r = await conn.sendRequest(ExecRequest, { root: repo, command: 'cat server.key~' });
    expect(r.stdout).not.toContain('hunter2');
    const ssh = await conn.sendRequest(ExecRequest, { root: repo, command: 'cat .ssh/id_work' });
    expect(ssh.stdout).not.toContain('hunter2');
  });

  it('checks allowed_extensions on the resolved target of a symlink', async () => {
    const f = await rpcFailure(conn.sendRequest(WriteRequest, { root: repo, path: 'readme.md', content: 'rm -rf ~\n' }));
    expect(f.code).toBe('EXTENSION_DENIED');
    expect(f.message).toBe('path readme.md resolves to run.sh, which has extension .sh, which is not allowed');
  });

  it('refuses written names with bidi overrides and a trailing / on a file', async () => {
    const f = await rpcFailure(conn.sendRequest(WriteRequest, { root: repo, path: 'evil\u202Eog.md', content: 'x' }));
    expect(f.code).toBe('PATH_UNSAFE_NAME');
    expect(f.message).toContain('<U+202E>');
    expect((await rpcFailure(read(repo, 'src/main.go/'))).code).toBe('NOT_A_DIRECTORY');
    expect((await rpcFailure(conn.sendRequest(WriteRequest, { root: repo, path: 'src/main.go/', content: 'x' }))).code).toBe('NOT_A_DIRECTORY');
    expect((await read(repo, 'src/main.go')).content).toBe('package main\n');
  });
});
