import { execFile, type ExecFileException } from 'node:child_process';
import { safeGitArgs, safeGitEnv } from '../protocol/git.js';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LlmrError } from '../protocol/errors.js';

const GIT_TIMEOUT_MS = 5000;
const ROOT_HINT = 'pass --root DIR naming the repository directory, or run llmr inside it';

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
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new LlmrError('ROOT_NOT_FOUND', `repository root ${root} does not exist`, ROOT_HINT, { cause: err });
    return; // EACCES and the like: the daemon, which may see more, reports it
  }
  if (!isDir) throw new LlmrError('ROOT_NOT_FOUND', `repository root ${root} is not a directory`, ROOT_HINT);
}

/** {@link resolveRoot} then {@link checkRoot}, warnings on `stderr`: what search, reindex and status start with. */
export async function existingRoot(flag: string | undefined, cwd: string, stderr: { write(text: string): unknown }): Promise<string> {
  const root = await resolveRoot(flag, cwd, warnOnce((line) => void stderr.write(line + '\n')));
  await checkRoot(root);
  return root;
}

/** Warnings already printed by this process: the same one never twice per invocation. */
const warned = new Set<string>();

/** `warn`, but each distinct line only once per process. */
export function warnOnce(warn: (line: string) => void): (line: string) => void {
  return (line) => {
    if (warned.has(line)) return;
    warned.add(line);
    warn(line);
  };
}

/**
 * The top-level of the work tree around `cwd`. When git refuses a repository the user does not
 * own ("dubious ownership"), it is asked once more with that one directory marked safe for this
 * call only (`-c safe.directory=DIR`, never the user's config): `rev-parse --show-toplevel` runs no
 * hooks or filters, and the daemon, not git, guards everything llmr does in the repository.
 */
async function gitTopLevel(cwd: string): Promise<TopLevel> {
  const first = await revParse(cwd, []);
  if (first.kind !== 'dubious') return first.top;
  const again = await revParse(cwd, ['-c', `safe.directory=${first.dir}`]);
  return again.kind === 'dubious' ? { kind: 'failed', reason: `git sees dubious ownership of ${first.dir}` } : again.top;
}

type RevParse = { kind: 'done'; top: TopLevel } | { kind: 'dubious'; dir: string };

function revParse(cwd: string, config: string[]): Promise<RevParse> {
  return new Promise((done) => {
    execFile('git', safeGitArgs([...config, 'rev-parse', '--show-toplevel']), { cwd, env: safeGitEnv(process.env), timeout: GIT_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      const top = stdout.trim();
      if (err === null) {
        done({ kind: 'done', top: top.startsWith('/') ? { kind: 'top', dir: top } : { kind: 'failed', reason: `unexpected output ${JSON.stringify(top)}` } });
        return;
      }
      const dubious = /dubious ownership in repository at '([^']+)'/.exec(stderr)?.[1];
      done(dubious !== undefined ? { kind: 'dubious', dir: dubious } : { kind: 'done', top: describeGitFailure(err, stderr) });
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
