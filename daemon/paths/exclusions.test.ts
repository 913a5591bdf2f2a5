import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { compilePatterns, DEFAULT_EXCLUDED, originalNames, toPosixRel } from './exclusions.js';

const defaults = compilePatterns(DEFAULT_EXCLUDED, 'excluded');

function configError(patterns: string[]): LlmrError {
  try {
    compilePatterns(patterns, 'excluded');
  } catch (err) {
    if (err instanceof LlmrError) return err;
    throw err;
  }
  throw new Error(`patterns ${JSON.stringify(patterns)} were accepted`);
}

describe('paths/exclusions', () => {
  it('matches a slash-less pattern against every component at any depth', () => {
    expect(defaults.match('.git')).toBe('.git');
    expect(defaults.match('.git/config')).toBe('.git');
    expect(defaults.match('sub/.git/config')).toBe('.git');
    expect(defaults.match('a/b/c.key')).toBe('*.key');
    expect(defaults.match('.env.local')).toBe('.env*');
    expect(defaults.match('deploy/.env/prod')).toBe('.env*');
    expect(defaults.match('home/id_rsa.pub')).toBe('id_rsa*');
    expect(defaults.match('keys/id_ed25519')).toBe('id_ed25519*');
    expect(defaults.match('.npmrc')).toBe('.npmrc');
    expect(defaults.match('x/.netrc')).toBe('.netrc');
    expect(defaults.match('certs/server.pem')).toBe('*.pem');
  });

  it('matchName answers only for name-only patterns, so the answer holds under any folders', () => {
    const set = compilePatterns([...DEFAULT_EXCLUDED, 'config/master.key.enc', 'vault/', '/secrets'], 'excluded', { backups: true });
    expect(set.matchName('server.key')).toBe('*.key');
    expect(set.matchName('server.key~')).toBe('*.key'); // an editor copy, by the backup rule
    expect(set.matchName('.env.local')).toBe('.env*');
    expect(set.matchName('master.key.enc')).toBeUndefined(); // only the anchored config/master.key.enc names it
    expect(set.match('config/master.key.enc')).toBe('config/master.key.enc');
    expect(set.matchName('vault')).toBe('vault/'); // a trailing slash is only a marker: still name-only
    expect(set.matchName('secrets')).toBeUndefined(); // `/secrets` is anchored at the root
    expect(set.matchName('config.json')).toBeUndefined(); // **/.docker/config.json has a slash
    expect(set.matchName('main.go')).toBeUndefined();
  });

  it('does not match partial names or unrelated files', () => {
    for (const rel of ['.gitignore', '.github/workflows/ci.yml', 'src/env.ts', 'keys.txt', 'a.keys', 'pem', 'my.env', 'id.rsa']) {
      expect(defaults.match(rel), rel).toBeUndefined();
    }
  });

  it('matches case-insensitively so case variants of secrets are refused', () => {
    for (const rel of ['.ENV', '.Env.Local', 'PRIVATE.KEY', '.GIT/config', 'sub/.Git/HEAD', 'ID_RSA', 'Cert.PEM', '.NPMRC']) {
      expect(defaults.match(rel), rel).toBeDefined();
    }
  });

  it('anchors a pattern with a slash at the root and covers everything below it', () => {
    const set = compilePatterns(['a/b'], 'excluded');
    expect(set.match('a/b')).toBe('a/b');
    expect(set.match('a/b/c/file.txt')).toBe('a/b');
    expect(set.match('x/a/b')).toBeUndefined();
    expect(set.match('a/bc')).toBeUndefined();
    expect(set.match('a/d/file.txt')).toBeUndefined();
  });

  it('anchors a leading slash or ./ and drops a trailing slash', () => {
    const set = compilePatterns(['/build', './dist/', 'node_modules/'], 'excluded');
    expect(set.match('build/out.js')).toBe('/build');
    expect(set.match('src/build/out.js')).toBeUndefined();
    expect(set.match('dist')).toBe('./dist/');
    expect(set.match('pkg/dist')).toBeUndefined();
    expect(set.match('pkg/node_modules/x.js')).toBe('node_modules/');
  });

  it('supports globstar and dir/** patterns including the directory itself', () => {
    const set = compilePatterns(['**/secrets', '.git/**'], 'protected');
    expect(set.match('a/b/secrets/x.txt')).toBe('**/secrets');
    expect(set.match('secrets')).toBe('**/secrets');
    expect(set.match('.git')).toBe('.git/**');
    expect(set.match('.git/hooks/pre-commit')).toBe('.git/**');
    expect(set.match('src/.git/x')).toBeUndefined();
  });

  it('lets * match dot files (dot: true)', () => {
    expect(compilePatterns(['*.txt'], 'excluded').match('.secret.txt')).toBe('*.txt');
  });

  it('normalises the path before matching', () => {
    expect(defaults.match('./src/../.env')).toBe('.env*');
    expect(defaults.match('src//.git/')).toBe('.git');
    expect(defaults.match('')).toBeUndefined();
  });

  it('throws CONFIG_INVALID naming a malformed glob instead of skipping it', () => {
    for (const bad of ['[', 'a{b', 'x(y', 'a]']) {
      const err = configError(['*.key', bad]);
      expect(err.code).toBe('CONFIG_INVALID');
      expect(err.message).toContain(JSON.stringify(bad));
      expect(err.message).toMatch(/^excluded pattern .* is not a valid glob/);
    }
  });

  it('throws CONFIG_INVALID for empty, negated, root and escaping patterns', () => {
    expect(configError(['']).message).toBe('excluded pattern "" is empty');
    expect(configError(['!keep.txt']).message).toContain('negation');
    expect(configError(['/']).message).toContain('repository root');
    expect(configError(['../x']).message).toContain('..');
    expect(configError(['a\0b']).message).toContain('nul byte');
  });

  it('normalises repo-relative paths with toPosixRel', () => {
    expect(toPosixRel('./a//b/./c/')).toBe('a/b/c');
    expect(toPosixRel('a/../b')).toBe('b');
    expect(toPosixRel('.')).toBe('');
    expect(toPosixRel('/a/b')).toBe('a/b');
  });
});

describe('paths/exclusions: secrets beyond the original list (issue 10 item 3)', () => {
  const withBackups = compilePatterns(DEFAULT_EXCLUDED, 'excluded', { backups: true });

  it.each([
    ['.git-credentials', '.git-credentials'], ['home/.git-credentials', '.git-credentials'],
    ['id_ecdsa', 'id_ecdsa*'], ['keys/id_ecdsa.pub', 'id_ecdsa*'], ['id_ecdsa_sk', 'id_ecdsa*'],
    ['id_dsa', 'id_dsa*'], ['ssh/id_dsa.pub', 'id_dsa*'],
    ['certs/client.p12', '*.p12'], ['CLIENT.P12', '*.p12'],
    ['certs/client.pfx', '*.pfx'],
    ['.pypirc', '.pypirc'], ['pkg/.pypirc', '.pypirc'],
    ['.aws', '.aws'], ['.aws/credentials', '.aws'], ['home/.aws/config', '.aws'],
    ['.ssh', '.ssh'], ['.ssh/authorized_keys', '.ssh'], ['home/u/.ssh/known_hosts', '.ssh'],
    ['.docker/config.json', '**/.docker/config.json'], ['home/u/.docker/config.json', '**/.docker/config.json'],
    ['vault.kdbx', '*.kdbx'], ['backup/Passwords.KDBX', '*.kdbx'],
  ])('excludes %s (pattern %s)', (rel, pattern) => {
    expect(defaults.match(rel)).toBe(pattern);
    expect(withBackups.match(rel)).toBe(pattern);
  });

  it('leaves look-alike names alone', () => {
    for (const rel of ['git-credentials.md', 'src/aws.ts', '.awsome', 'ssh/config', '.docker/daemon.json', 'docker/config.json', 'p12.txt', 'id-dsa.txt']) {
      expect(withBackups.match(rel), rel).toBeUndefined();
    }
  });
});

describe('paths/exclusions: editor and backup copies of excluded names', () => {
  const withBackups = compilePatterns(DEFAULT_EXCLUDED, 'excluded', { backups: true });

  it.each([
    ['server.key~', '*.key'], ['.server.key.swp', '*.key'], ['cert.pem.bak', '*.pem'], ['.env.save', '.env*'],
    ['sub/.env.swo', '.env*'], ['#.env#', '.env*'], ['.#id_rsa', 'id_rsa*'], ['client.p12.orig', '*.p12'],
    ['.npmrc.old', '.npmrc'], ['.netrc~', '.netrc'], ['.pypirc.save.1', '.pypirc'], ['cert.pem.~2~', '*.pem'],
    ['.git-credentials.bak', '.git-credentials'], ['.docker/config.json~', '**/.docker/config.json'],
    ['.docker/.config.json.swp', '**/.docker/config.json'], ['vault.kdbx.tmp', '*.kdbx'], ['server.key.bak~', '*.key'],
    ['.git.bak/config', '.git'], ['.~lock.vault.kdbx#', '*.kdbx'], ['server.key.dpkg-old', '*.key'],
  ])('excludes the copy %s (of a name matching %s)', (rel, pattern) => {
    expect(withBackups.match(rel)).toBe(pattern);
  });

  it('derives copies from configured patterns too, anchored ones included', () => {
    const set = compilePatterns(['config/secrets.yml', 'token.txt'], 'excluded', { backups: true });
    expect(set.match('config/secrets.yml~')).toBe('config/secrets.yml');
    expect(set.match('config/.secrets.yml.swp')).toBe('config/secrets.yml');
    expect(set.match('a/b/token.txt.bak')).toBe('token.txt');
    expect(set.match('other/secrets.yml~')).toBeUndefined();
  });

  it('does not exclude copies of names that are not excluded, and only does it when asked', () => {
    for (const rel of ['main.go~', 'notes.txt.bak', '.main.go.swp', '#README.md#', 'src/app.ts.orig']) {
      expect(withBackups.match(rel), rel).toBeUndefined();
    }
    expect(defaults.match('server.key~')).toBeUndefined();
    expect(compilePatterns(['llm-runtime.config.yaml'], 'protected').match('llm-runtime.config.yaml.bak')).toBeUndefined();
  });

  it('finds the original names behind up to three decorations', () => {
    expect(originalNames('server.key')).toEqual([]);
    expect(originalNames('server.key~')).toEqual(['server.key']);
    expect(originalNames('.server.key.swp')).toEqual(expect.arrayContaining(['.server.key', 'server.key']));
    expect(originalNames('#.env.save#')).toEqual(expect.arrayContaining(['.env.save', '.env']));
    expect(originalNames('a.bak.bak.bak.bak')).not.toContain('a');
  });
});

describe('paths/exclusions: anchored fast path', () => {
  it('keeps anchored globs with braces, ** and a ./ anchor exact', () => {
    const set = compilePatterns(['a/{b,c/d}', 'x/**/y.txt', './top', 'q/*.key'], 'excluded', { backups: true });
    expect(set.match('a/c/d')).toBe('a/{b,c/d}');
    expect(set.match('a/b/z')).toBe('a/{b,c/d}');
    expect(set.match('x/1/2/y.txt')).toBe('x/**/y.txt');
    expect(set.match('top/z')).toBe('./top');
    expect(set.match('q/s.key~')).toBe('q/*.key');
    expect(set.match('q/s.key/in')).toBe('q/*.key');
    expect(set.match('z/q/s.key')).toBeUndefined();
  });
});
