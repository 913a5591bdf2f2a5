import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../protocol/errors.js';
import { checkRoot, resolveRoot, warnOnce } from './root.js';

let dir: string;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-root-')));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function resolveWithWarnings(flag: string | undefined, cwd: string): Promise<{ root: string; warnings: string[] }> {
  const warnings: string[] = [];
  const root = await resolveRoot(flag, cwd, (line) => warnings.push(line));
  return { root, warnings };
}

function gitInit(repo: string): void {
  execFileSync('git', ['init', '-q', repo]);
}

async function rootError(root: string): Promise<LlmrError> {
  const err: unknown = await checkRoot(root).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof LlmrError)) throw new Error(`checkRoot(${root}) did not fail with an LlmrError`);
  return err;
}

describe('client/root', () => {
  it('resolves --root against the current directory without asking git', async () => {
    expect(await resolveWithWarnings('sub/..//x', dir)).toEqual({ root: join(dir, 'x'), warnings: [] });
  });

  it('uses the git top-level of a subdirectory', async () => {
    gitInit(dir);
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    expect(await resolveWithWarnings(undefined, join(dir, 'a', 'b'))).toEqual({ root: dir, warnings: [] });
  });

  it('falls back to the current directory quietly outside a git repository', async () => {
    expect(await resolveWithWarnings(undefined, dir)).toEqual({ root: dir, warnings: [] });
  });

  it("falls back to the current directory and says so with git's error when git fails otherwise", async () => {
    gitInit(dir);
    execFileSync('git', ['-C', dir, 'config', 'core.repositoryformatversion', '99']);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const r = await resolveWithWarnings(undefined, sub);
    expect(r.root).toBe(sub);
    expect(r.warnings).toEqual([
      `llmr: git rev-parse --show-toplevel failed in ${sub} (fatal: Expected git repo version <= 1, found 99); using ${sub} as the repository root\nhint: pass --root DIR`,
    ]);
  });

  it('finds the top-level of a repository owned by another user without a dubious-ownership warning', async () => {
    // needs a uid other than ours: the tests run as root on the CI machine (chown fails loudly otherwise)
    gitInit(dir);
    mkdirSync(join(dir, 'sub'));
    execFileSync('chown', ['-R', '65534:65534', dir]);
    const plain = await new Promise<string>((done) => {
      execFile('git', ['rev-parse', '--show-toplevel'], { cwd: join(dir, 'sub') }, (_err, _out, stderr) => done(stderr));
    });
    expect(plain).toMatch(/dubious ownership/); // git itself refuses it, so the retry is what makes this work
    expect(await resolveWithWarnings(undefined, join(dir, 'sub'))).toEqual({ root: dir, warnings: [] });
    const global = spawnSync('git', ['config', '--global', '--get-all', 'safe.directory'], { encoding: 'utf8' });
    expect(global.stdout).not.toContain(dir); // marked safe for that one call, never in the user's config
  });

  it('prints a warning only once per invocation', () => {
    const lines: string[] = [];
    const warn = warnOnce((line) => lines.push(line));
    warn('llmr: a');
    warn('llmr: a');
    warn('llmr: b');
    expect(lines).toEqual(['llmr: a', 'llmr: b']);
  });

  it('accepts an existing directory as root', async () => {
    await expect(checkRoot(dir)).resolves.toBeUndefined();
  });

  it('fails with ROOT_NOT_FOUND when the root does not exist', async () => {
    const missing = join(dir, 'missing');
    const err = await rootError(missing);
    expect([err.code, err.message]).toEqual(['ROOT_NOT_FOUND', `repository root ${missing} does not exist`]);
  });

  it('fails with ROOT_NOT_FOUND when the root is a file or lies below one', async () => {
    const file = join(dir, 'f.txt');
    writeFileSync(file, 'x');
    const err = await rootError(file);
    expect([err.code, err.message]).toEqual(['ROOT_NOT_FOUND', `repository root ${file} is not a directory`]);
    const below = await rootError(join(file, 'x'));
    expect([below.code, below.message]).toEqual(['ROOT_NOT_FOUND', `repository root ${join(file, 'x')} does not exist`]);
  });
});
