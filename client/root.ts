import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The workspace root as an absolute path: `--root` resolved against `cwd`, else the git
 * top-level of `cwd`, else `cwd` itself.
 */
export async function resolveRoot(flag: string | undefined, cwd: string): Promise<string> {
  if (flag !== undefined) return resolve(cwd, flag);
  return (await gitTopLevel(cwd)) ?? resolve(cwd);
}

function gitTopLevel(cwd: string): Promise<string | undefined> {
  return new Promise((done) => {
    execFile('git', ['rev-parse', '--show-toplevel'], { cwd, timeout: 5000, encoding: 'utf8' }, (err, stdout) => {
      const top = stdout.trim();
      done(err === null && top.startsWith('/') ? top : undefined);
    });
  });
}
