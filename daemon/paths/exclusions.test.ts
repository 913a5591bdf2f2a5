import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { compilePatterns, DEFAULT_EXCLUDED, toPosixRel } from './exclusions.js';

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
