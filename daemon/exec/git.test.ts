import { describe, expect, it } from 'vitest';
import { assertGit, sanitizeGitConfig } from './git.js';

describe('exec/git', () => {
  it('keeps only the core format keys and [extensions] of .git/config', () => {
    const text = [
      '[core]', '\trepositoryformatversion = 1', '\tbare = true', '\tfsmonitor = ./evil.sh', '\thooksPath = hooks2', '\tfilemode = true',
      '[remote "origin"]', '\turl = https://user:secret@example.com/r.git', '[extensions]', '\tobjectFormat = sha256',
      '[filter "x"]', '\tclean = rm -rf /', '[alias]', '\tst = !sh -c id', '[credential]', '\thelper = store',
    ].join('\n');
    const out = sanitizeGitConfig(text);
    expect(out).toBe('[core]\n\trepositoryformatversion = 1\n\tfilemode = true\n\tbare = false\n[extensions]\n\tobjectformat = sha256\n');
    expect(out).not.toMatch(/secret|evil|hooks2|rm -rf|helper/);
  });

  it('drops keys of subsections named like core or extensions', () => {
    expect(sanitizeGitConfig('[extensions "x"]\n\tworktreeConfig = true\n[core]\n\trepositoryformatversion = 0\n')).toBe('[core]\n\trepositoryformatversion = 0\n\tbare = false\n');
  });

  it('refuses a git command with the reason when commands cannot see .git', () => {
    expect(() => assertGit(['git', 'status'], { enabled: false, reason: 'the repository has no .git directory' }))
      .toThrow(expect.objectContaining({ code: 'GIT_UNAVAILABLE', message: 'git is not available to commands in this repository: the repository has no .git directory' }));
    expect(() => assertGit(['ls'], { enabled: false, reason: 'x' })).not.toThrow();
    expect(() => assertGit(['git', '--version'], { enabled: false, reason: 'x' })).not.toThrow();
    expect(() => assertGit(['git', 'status'], { enabled: false })).not.toThrow(); // no .git: git says so itself
    expect(() => assertGit(['git', 'log'], { enabled: true })).not.toThrow();
  });

  it('drops extensions.worktreeConfig, which would make git read the unsanitized config.worktree', () => {
    const out = sanitizeGitConfig('[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectFormat = sha256\n\tworktreeConfig = true\n');
    expect(out).toContain('objectformat = sha256');
    expect(out.toLowerCase()).not.toContain('worktreeconfig');
  });
});
