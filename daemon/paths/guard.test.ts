import { spawnSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmrError, type ErrorCode } from '../../protocol/errors.js';
import { createPathGuard, DEFAULT_EXCLUDED, type PathGuard, type ResolvedPath } from './guard.js';

const PROTECTED = ['.git/**', 'llm-runtime.config.yaml'];
let base: string;
let root: string;
let guard: PathGuard;
let server: Server | undefined;

function put(rel: string, content = 'x\n'): void {
  const abs = join(root, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content);
}

function link(rel: string, target: string): void {
  const abs = join(root, rel);
  mkdirSync(dirname(abs), { recursive: true });
  symlinkSync(target, abs);
}

/** "DEV:INO" of a repository path, as the guard hands it to the helper. */
function idOf(rel: string): string {
  const st = lstatSync(join(root, rel), { bigint: true });
  return `${st.dev}:${st.ino}`;
}

async function failure(p: Promise<ResolvedPath>): Promise<LlmrError> {
  try {
    const ok = await p;
    throw new Error(`expected a refusal, got ${JSON.stringify(ok)}`);
  } catch (err) {
    if (err instanceof LlmrError) return err;
    throw err;
  }
}

async function codeOf(p: Promise<ResolvedPath>): Promise<ErrorCode> {
  return (await failure(p)).code;
}

function guardWith(excluded: string[], protectedPaths: string[] = []): PathGuard {
  return createPathGuard({ root, excluded, protectedPaths });
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-guard-')));
  root = join(base, 'repo');
  for (const sibling of ['repo-evil', 'repo2', 'sensitive']) mkdirSync(join(base, sibling));
  writeFileSync(join(base, 'repo-evil', 'f'), 'evil\n');
  writeFileSync(join(base, 'repo2', 'f'), 'two\n');
  writeFileSync(join(base, 'sensitive', 'secret.txt'), 'secret\n');
  writeFileSync(join(base, 'test-system-file.txt'), 'system\n');
  for (const rel of ['safe.txt', 'src/main.go', 'src/test.go', 'src/real.go', '.hidden', '.gitignore', 'secret.go', 'secret.txt']) put(rel);
  for (const rel of ['path with spaces/file.txt', 'file with spaces.txt', '....', 'a/b/c/file.txt', 'node_modules/package/index.js']) put(rel);
  for (const rel of ['.git/config', '.env', 'private.key', 'secrets.key', 'cert.pem', 'server.pem', 'llm-runtime.config.yaml']) put(rel);
  link('link_to_src', 'src');
  link('symlink-attack', '/etc/passwd');
  link('symlink-sensitive', join(base, 'sensitive', 'secret.txt'));
  guard = createPathGuard({ root, excluded: [...DEFAULT_EXCLUDED], protectedPaths: PROTECTED });
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(base, { recursive: true, force: true });
});

describe('paths/guard', () => {
  it('refuses every traversal of the original corpus with PATH_OUTSIDE_REPO', async () => {
    const corpus = [
      '../../../etc/passwd', 'src/../../etc/passwd', '..', 'a/b/c/../../../../etc/passwd', '/etc/passwd',
      join(base, 'sensitive', 'secret.txt'), 'src/../../../etc/passwd', 'src/./../../etc/passwd',
      'a/b/c/../../../../../../etc/passwd', './src/./.././../etc/passwd', '././../etc/passwd', '../etc/passwd',
      '../../etc/passwd', 'subdir/../../../etc/passwd', '../outside.txt', '../../outside.txt',
      'sub/../../../outside.txt', '../sensitive/secret.txt', '../../../etc/evil.txt', '../../../etc/hosts',
      'internal/../../README.md', '/tmp/test-system-file.txt', join(base, 'test-system-file.txt'),
    ];
    for (const input of corpus) {
      expect(await codeOf(guard.forRead(input)), input).toBe('PATH_OUTSIDE_REPO');
      expect(await codeOf(guard.forWrite(input)), input).toBe('PATH_OUTSIDE_REPO');
    }
  });

  it('names the path and the root in an escape message', async () => {
    const err = await failure(guard.forRead('../../etc/passwd'));
    expect(err.message).toBe(`path ../../etc/passwd escapes the repository root ${root}`);
    expect((await failure(guard.forRead('/etc/passwd'))).message).toBe(`path /etc/passwd is outside the repository root ${root}`);
  });

  it('refuses prefix siblings of the root by absolute path and by ..', async () => {
    for (const input of [join(base, 'repo-evil', 'f'), join(base, 'repo2', 'f'), `${root}-evil/f`, `${root}2/f`, '../repo-evil/f', '../repo2/f']) {
      expect(await codeOf(guard.forRead(input)), input).toBe('PATH_OUTSIDE_REPO');
      expect(await codeOf(guard.forWrite(input)), input).toBe('PATH_OUTSIDE_REPO');
    }
    link('evil-link', '../repo-evil/f');
    expect(await codeOf(guard.forRead('evil-link'))).toBe('PATH_OUTSIDE_REPO');
  });

  it('accepts absolute paths inside the root', async () => {
    expect(await guard.forRead(join(root, 'src', 'test.go'))).toMatchObject({ rel: 'src/test.go', exists: true });
    expect(await guard.forWrite(`${root}/src/new.go`)).toMatchObject({ rel: 'src/new.go', exists: false });
  });

  it('accepts the legal names of the original corpus', async () => {
    const cases: Array<[string, string]> = [
      ['src/test.go', 'src/test.go'], ['src//test.go', 'src/test.go'], ['src////test.go', 'src/test.go'],
      ['./src/./test.go', 'src/test.go'], ['path with spaces/file.txt', 'path with spaces/file.txt'],
      ['link_to_src/real.go', 'src/real.go'], ['.hidden', '.hidden'], ['safe.txt', 'safe.txt'],
      ['src/main.go', 'src/main.go'], ['....', '....'], ['.gitignore', '.gitignore'],
    ];
    for (const [input, rel] of cases) {
      const got = await guard.forRead(input);
      expect(got, input).toEqual({ rel, abs: join(root, rel), exists: true, kind: 'file', size: 2, id: idOf(rel) });
    }
  });

  it('accepts a non-existent file for writing and reports FILE_NOT_FOUND for reading', async () => {
    expect(await guard.forWrite('src/newfile.go')).toEqual({ rel: 'src/newfile.go', abs: join(root, 'src/newfile.go'), exists: false, anchor: { depth: 1, id: idOf('src') } });
    const err = await failure(guard.forRead('src/newfile.go'));
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toBe('file src/newfile.go does not exist');
    expect(await codeOf(guard.forRead('src/////etc/passwd'))).toBe('FILE_NOT_FOUND');
    expect(await guard.forWrite('src/////etc/passwd')).toMatchObject({ rel: 'src/etc/passwd', exists: false });
  });

  it('treats the empty path, . and the root as a directory for reads and invalid for writes', async () => {
    for (const input of ['', '.', './', root, `${root}/`, 'src/..']) {
      expect(await codeOf(guard.forRead(input)), input).toBe('IS_DIRECTORY');
      expect(await codeOf(guard.forWrite(input)), input).toBe('PATH_INVALID');
    }
  });

  it('reports IS_DIRECTORY for a directory', async () => {
    expect((await failure(guard.forRead('src'))).message).toBe('path src is a directory, not a file');
    expect(await codeOf(guard.forWrite('src'))).toBe('IS_DIRECTORY');
  });

  it('applies the corpus exclusion lists', async () => {
    const cases: Array<[string, string[]]> = [
      ['.git', ['.git', 'node_modules']], ['.git/config', ['.git', 'node_modules']],
      ['node_modules/package/index.js', ['.git', 'node_modules']], ['secret.txt', ['*.txt']],
      ['.env', ['.git', '.env', 'node_modules']], ['a/b/c/file.txt', ['a/b']],
    ];
    for (const [input, excluded] of cases) {
      expect(await codeOf(guardWith(excluded).forRead(input)), input).toBe('PATH_EXCLUDED');
    }
    expect(await guardWith(['*.txt']).forRead('secret.go')).toMatchObject({ rel: 'secret.go' });
    expect(await guardWith(['.git']).forRead('.gitignore')).toMatchObject({ rel: '.gitignore' });
    expect(await guardWith(['a/d']).forRead('a/b/c/file.txt')).toMatchObject({ rel: 'a/b/c/file.txt' });
  });

  it('refuses the default secrets for reading and writing, existing or not', async () => {
    for (const input of ['.git/config', '.git', '.env', 'secrets.key', 'cert.pem', 'server.pem', 'private.key', '.env.local', 'deep/dir/id_rsa', 'sub/.git/config', 'new/.npmrc']) {
      expect(await codeOf(guard.forRead(input)), input).toBe('PATH_EXCLUDED');
      expect(await codeOf(guard.forWrite(input)), input).toBe('PATH_EXCLUDED');
    }
    expect((await failure(guard.forRead('.env'))).message).toBe('path .env is excluded by pattern .env*');
  });

  it('refuses case variants of excluded names', async () => {
    put('.ENV');
    for (const input of ['.ENV', '.Env.local', 'PRIVATE.KEY', '.GIT/config', 'Sub/.Git/HEAD', 'ID_RSA.pub', '.NPMRC', 'a/Cert.Pem']) {
      expect(await codeOf(guard.forRead(input)), input).toBe('PATH_EXCLUDED');
    }
    expect(guard.isExcluded('.ENV')).toBe(true);
    expect(guard.isExcluded('src/main.go')).toBe(false);
  });

  it('refuses protected paths for writes only', async () => {
    const err = await failure(guard.forWrite('llm-runtime.config.yaml'));
    expect(err.code).toBe('PATH_PROTECTED');
    expect(err.message).toBe('path llm-runtime.config.yaml is protected by pattern llm-runtime.config.yaml and cannot be written');
    expect(await guard.forRead('llm-runtime.config.yaml')).toMatchObject({ rel: 'llm-runtime.config.yaml' });
    const gitOnlyProtected = guardWith([], PROTECTED);
    expect(await codeOf(gitOnlyProtected.forWrite('.git/hooks/pre-commit'))).toBe('PATH_PROTECTED');
    expect(await codeOf(gitOnlyProtected.forWrite('.git'))).toBe('PATH_PROTECTED');
    expect(await gitOnlyProtected.forRead('.git/config')).toMatchObject({ rel: '.git/config' });
    expect(guard.isProtected('.git/HEAD')).toBe(true);
    expect(guard.isProtected('src/main.go')).toBe(false);
  });

  it('refuses NUL bytes but treats a literal backslash-x00 as a plain missing name', async () => {
    const err = await failure(guard.forRead('safe.txt\0.sh'));
    expect(err.code).toBe('PATH_INVALID');
    expect(err.message).toBe('path safe.txt\\x00.sh contains a nul byte');
    expect(await codeOf(guard.forWrite('safe.txt\0.sh'))).toBe('PATH_INVALID');
    expect(await codeOf(guard.forRead('safe.txt\\x00.sh'))).toBe('FILE_NOT_FOUND');
  });

  it('counts the path length in UTF-8 bytes', async () => {
    const err = await failure(guard.forRead('a'.repeat(5000)));
    expect(err.code).toBe('PATH_INVALID');
    expect(err.message).toMatch(/^path a+…a+ is 5000 bytes, limit 4096$/);
    const small = createPathGuard({ root, excluded: [], protectedPaths: [], maxPathBytes: 10 });
    expect((await failure(small.forRead('éééééé'))).message).toBe('path éééééé is 12 bytes, limit 10');
    expect(await codeOf(small.forRead('ééééé'))).toBe('FILE_NOT_FOUND');
  });

  it('lets a 4000-byte path through the length limit and reports what the file system refuses', async () => {
    const err = await failure(guard.forWrite('a'.repeat(4000)));
    expect(err.code).toBe('PATH_INVALID');
    expect(err.message).toMatch(/too long for the file system$/);
    const deep = `${'ab/'.repeat(1300)}f.txt`;
    expect(await guard.forWrite(deep)).toMatchObject({ rel: deep, exists: false });
    expect(await codeOf(guard.forRead(`${'a/'.repeat(500)}`))).toBe('FILE_NOT_FOUND');
  });

  it('treats shell syntax and quotes as parts of a file name', async () => {
    for (const input of ['safe.txt; cat /etc/passwd', '`cat /etc/passwd`', '$(cat /etc/passwd)', '"file with spaces.txt"', 'Safe.txt']) {
      expect(await codeOf(guard.forRead(input)), input).toBe('FILE_NOT_FOUND');
    }
    expect(await guard.forRead('file with spaces.txt')).toMatchObject({ rel: 'file with spaces.txt' });
  });

  it('refuses symlinks that resolve outside the root and says so', async () => {
    for (const input of ['symlink-attack', 'symlink-sensitive']) {
      const err = await failure(guard.forRead(input));
      expect(err.code, input).toBe('PATH_OUTSIDE_REPO');
      expect(err.message).toBe(`path ${input} resolves through a symlink to a location outside the repository root ${root}`);
      expect(await codeOf(guard.forWrite(input)), input).toBe('PATH_OUTSIDE_REPO');
    }
  });

  it('refuses paths through a parent directory symlink to outside, existing or not', async () => {
    link('out', join(base, 'sensitive'));
    link('nested/deeper/up', '../../..');
    for (const input of ['out/secret.txt', 'out/missing.txt', 'out/newdir/new.txt', 'nested/deeper/up/repo-evil/f', 'nested/deeper/up']) {
      expect(await codeOf(guard.forRead(input)), input).toBe('PATH_OUTSIDE_REPO');
      expect(await codeOf(guard.forWrite(input)), input).toBe('PATH_OUTSIDE_REPO');
    }
    expect(await guard.forRead('nested/deeper/up/repo/safe.txt')).toMatchObject({ rel: 'safe.txt' });
    // `..` is folded lexically before any symlink is looked at, and `rel` is what the container gets.
    expect(await guard.forWrite('nested/deeper/up/../x.txt')).toMatchObject({ rel: 'nested/deeper/x.txt', exists: false });
  });

  it('refuses a chain of symlinks that ends outside and follows one that stays inside', async () => {
    link('chain-c', '/etc/passwd');
    link('chain-b', 'chain-c');
    link('chain/a', '../chain-b');
    expect(await codeOf(guard.forRead('chain/a'))).toBe('PATH_OUTSIDE_REPO');
    expect(await codeOf(guard.forWrite('chain/a'))).toBe('PATH_OUTSIDE_REPO');
    link('ok-c', 'src/main.go');
    link('ok-b', 'ok-c');
    link('ok-a', 'ok-b');
    expect(await guard.forRead('ok-a')).toEqual({ rel: 'src/main.go', abs: join(root, 'src/main.go'), exists: true, kind: 'file', size: 2, id: idOf('src/main.go') });
    link('dir-2', 'src');
    link('dir-1', 'dir-2');
    expect(await guard.forWrite('dir-1/created.go')).toMatchObject({ rel: 'src/created.go', exists: false });
  });

  it('follows a symlink to a file inside the repository for read and write, naming the target', async () => {
    link('docs/alias.txt', '../safe.txt');
    const want = { rel: 'safe.txt', abs: join(root, 'safe.txt'), exists: true, kind: 'file', size: 2, id: idOf('safe.txt') };
    expect(await guard.forRead('docs/alias.txt')).toEqual(want);
    expect(await guard.forWrite('docs/alias.txt')).toEqual({ ...want, anchor: { depth: 0, id: idOf('.') } });
  });

  it('checks exclusion and protection against the resolved target too', async () => {
    link('notes.txt', '.env');
    link('gitdir', '.git');
    link('settings.yaml', 'llm-runtime.config.yaml');
    const err = await failure(guard.forRead('notes.txt'));
    expect(err.code).toBe('PATH_EXCLUDED');
    expect(err.message).toBe('path notes.txt resolves to .env, which is excluded by pattern .env*');
    expect(await codeOf(guard.forRead('gitdir/config'))).toBe('PATH_EXCLUDED');
    expect(await codeOf(guard.forWrite('gitdir/new-hook'))).toBe('PATH_EXCLUDED');
    expect(await codeOf(guard.forWrite('settings.yaml'))).toBe('PATH_PROTECTED');
    expect(await guard.forRead('settings.yaml')).toMatchObject({ rel: 'llm-runtime.config.yaml' });
  });

  it('treats a symlink to the root as the root', async () => {
    link('self', '.');
    expect(await codeOf(guard.forRead('self'))).toBe('IS_DIRECTORY');
    expect(await codeOf(guard.forWrite('self'))).toBe('PATH_INVALID');
    expect(await guard.forRead('self/safe.txt')).toMatchObject({ rel: 'safe.txt' });
  });

  it('refuses writes through dangling symlinks: outside as PATH_OUTSIDE_REPO, inside as PATH_INVALID', async () => {
    link('dangle-out', '/nonexistent-llmr-guard/x.txt');
    link('dangle-out-rel', '../sensitive/not-there.txt');
    link('dangle-in', 'not-yet.txt');
    link('dangle-dir', 'missing-dir');
    link('dangle-chain', 'dangle-out');
    for (const input of ['dangle-out', 'dangle-out-rel', 'dangle-chain']) {
      expect(await codeOf(guard.forWrite(input)), input).toBe('PATH_OUTSIDE_REPO');
      expect(await codeOf(guard.forRead(input)), input).toBe('PATH_OUTSIDE_REPO');
    }
    const err = await failure(guard.forWrite('dangle-in'));
    expect(err.code).toBe('PATH_INVALID');
    expect(err.message).toBe('path dangle-in goes through the dangling symlink dangle-in; writes through dangling symlinks are refused');
    expect(await codeOf(guard.forWrite('dangle-dir/x.txt'))).toBe('PATH_INVALID');
    expect((await failure(guard.forRead('dangle-in'))).message).toBe('file dangle-in does not exist (dangling symlink dangle-in)');
  });

  it('refuses symlink loops', async () => {
    link('loop-1', 'loop-2');
    link('loop-2', 'loop-1');
    expect((await failure(guard.forRead('loop-1'))).message).toBe('path loop-1 has too many levels of symlinks');
    expect(await codeOf(guard.forWrite('loop-1/x'))).toBe('PATH_INVALID');
  });

  it('refuses writes to hard-linked files but reads them', async () => {
    put('hl-a.txt');
    linkSync(join(root, 'hl-a.txt'), join(root, 'hl-b.txt'));
    const err = await failure(guard.forWrite('hl-b.txt'));
    expect(err.code).toBe('PATH_INVALID');
    expect(err.message).toBe('path hl-b.txt has 2 hard links; writing it would change the other links too');
    expect(await guard.forRead('hl-b.txt')).toMatchObject({ rel: 'hl-b.txt', kind: 'file' });
  });

  it('refuses FIFOs, sockets and devices', async () => {
    const fifo = join(root, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect((await failure(guard.forRead('pipe'))).message).toBe('path pipe is a fifo, not a regular file');
    expect(await codeOf(guard.forWrite('pipe'))).toBe('PATH_INVALID');
    const srv = createServer();
    server = srv;
    await new Promise<void>((resolve) => srv.listen(join(root, 'sock'), resolve));
    expect((await failure(guard.forRead('sock'))).message).toBe('path sock is a socket, not a regular file');
    expect(await codeOf(guard.forWrite('sock'))).toBe('PATH_INVALID');
    link('null-link', '/dev/null');
    expect(await codeOf(guard.forRead('null-link'))).toBe('PATH_OUTSIDE_REPO');
    expect(await codeOf(guard.forWrite('null-link'))).toBe('PATH_OUTSIDE_REPO');
    expect(await codeOf(guard.forWrite('/dev/null'))).toBe('PATH_OUTSIDE_REPO');
  });

  it('refuses a write whose existing component is a file', async () => {
    for (const input of ['safe.txt/x', 'safe.txt/x/y.txt']) {
      const err = await failure(guard.forWrite(input));
      expect(err.code, input).toBe('PATH_INVALID');
      expect(err.message).toBe(`path ${input} uses a file as a directory`);
    }
  });

  it('creates missing parents only below an existing ancestor inside the root', async () => {
    expect(await guard.forWrite('new/deep/dir/file.txt')).toEqual({
      rel: 'new/deep/dir/file.txt', abs: join(root, 'new/deep/dir/file.txt'), exists: false, anchor: { depth: 0, id: idOf('.') },
    });
    expect(await guard.forWrite('safe.txt')).toMatchObject({ rel: 'safe.txt', exists: true, kind: 'file', id: idOf('safe.txt'), anchor: { depth: 0 } });
    put('src/deep/keep.txt');
    expect((await guard.forWrite('src/deep/a/b.txt')).anchor).toEqual({ depth: 2, id: idOf('src/deep') });
  });

  it('throws CONFIG_INVALID for a malformed glob, a relative root or a bad limit', () => {
    const bad = (f: () => unknown): LlmrError => {
      try {
        f();
      } catch (err) {
        if (err instanceof LlmrError) return err;
      }
      throw new Error('no LlmrError thrown');
    };
    expect(bad(() => guardWith(['*.key', '[abc'])).message).toContain('"[abc"');
    expect(bad(() => guardWith([], ['{a,b'])).message).toMatch(/^protected pattern "\{a,b"/);
    expect(bad(() => createPathGuard({ root: 'repo', excluded: [], protectedPaths: [] })).code).toBe('CONFIG_INVALID');
    expect(bad(() => createPathGuard({ root, excluded: [], protectedPaths: [], maxPathBytes: 0 })).code).toBe('CONFIG_INVALID');
  });

  it('writes lowercase messages without a trailing period', async () => {
    const inputs = ['../x', '/etc/passwd', '.env', 'src', 'missing.txt', 'symlink-attack', 'a'.repeat(5000), 'x\0'];
    for (const input of inputs) {
      const { message } = await failure(guard.forRead(input));
      expect(message, input).toMatch(/^[a-z]/);
      expect(message, input).not.toMatch(/\.$/);
    }
  });
});
