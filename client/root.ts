import { execFile, type ExecFileException } from 'node:child_process';
import { safeGitArgs, safeGitEnv } from '../protocol/git.js';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LlmrError } from '../protocol/errors.js';

const GIT_TIMEOUT_MS = 5000;

type TopLevel = { kind: 'top'; dir: string } | { kind: 'none' } | { kind: 'failed'; reason: string };

/**
 * The workspace root as an absolute path: `--root` resolved against `cwd`, else the git
 * top-level of `cwd`, else `cwd` itself. When git fails for another reason than "not a git
 * repository" (say, dubious ownership), `warn` gets a line saying so and how to choose the root.
 */
export async function resolveRoot(flag: string | undefined, cwd: string, warn: (line: string) => void = () => undefined): Promise<string> {
  if (flag !== undefined) return resolve(cwd, flag);
  const top = await gitTopLevel(cwd);
  if (top.kind === 'top') return top.dir;
  const dir = resolve(cwd);
  if (top.kind === 'failed') {
    warn(`llmr: git rev-parse --show-toplevel failed in ${dir} (${top.reason}); using ${dir} as the repository root\nhint: pass --root DIR`);
  }
  return dir;
}

/** Fails with ROOT_NOT_FOUND when `root` does not exist or is not a directory; other problems are left to the daemon. */
export async function checkRoot(root: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new LlmrError('ROOT_NOT_FOUND', `repository root ${root} does not exist`, undefined, { cause: err });
    return; // EACCES and the like: the daemon, which may see more, reports it
  }
  if (!isDir) throw new LlmrError('ROOT_NOT_FOUND', `repository root ${root} is not a directory`);
}

/** {@link resolveRoot} then {@link checkRoot}, warnings on `stderr`: what search, reindex and status start with. */
export async function existingRoot(flag: string | undefined, cwd: string, stderr: { write(text: string): unknown }): Promise<string> {
  const root = await resolveRoot(flag, cwd, (line) => void stderr.write(line + '\n'));
  await checkRoot(root);
  return root;
}

function gitTopLevel(cwd: string): Promise<TopLevel> {
  return new Promise((done) => {
    execFile('git', safeGitArgs(['rev-parse', '--show-toplevel']), { cwd, env: safeGitEnv(process.env), timeout: GIT_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      const top = stdout.trim();
      if (err === null) {
        done(top.startsWith('/') ? { kind: 'top', dir: top } : { kind: 'failed', reason: `unexpected output ${JSON.stringify(top)}` });
        return;
      }
      done(describeGitFailure(err, stderr));
    });
  });
}

function describeGitFailure(err: ExecFileException, stderr: string): TopLevel {
  // no git installed, or not inside a repository: the current directory is the expected root
  if (err.code === 'ENOENT' || /not a git repository/i.test(stderr)) return { kind: 'none' };
  if (err.killed === true) return { kind: 'failed', reason: `no answer within ${GIT_TIMEOUT_MS / 1000}s` };
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0];
  return { kind: 'failed', reason: first ?? `exit status ${String(err.code)}` };
}
