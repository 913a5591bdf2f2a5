/**
 * How llmr runs `git` on the host (the daemon's file listing, the client's root detection): a
 * repository is untrusted input, so no program it configures may run. Command-line `-c` options
 * take precedence over every config file, so they switch off the config keys that name programs
 * git would run for these read-only commands; the environment drops the system config, pagers,
 * prompts and every inherited `GIT_*` variable. Pure data: callers pass their own environment.
 */

/** Options placed before the git subcommand. */
export const SAFE_GIT_OPTIONS: readonly string[] = [
  '--no-pager', '--no-optional-locks', '--literal-pathspecs',
  '-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', 'core.untrackedCache=false',
  '-c', 'core.pager=cat', '-c', 'core.sshCommand=false', '-c', 'core.askPass=', '-c', 'credential.helper=',
  '-c', 'diff.external=', '-c', 'protocol.allow=never', '-c', 'core.alternateRefsCommand=false',
  '-c', 'uploadpack.packObjectsHook=', '-c', 'gpg.program=false', '-c', 'sequence.editor=false', '-c', 'core.editor=false',
];

/** `git` argv for a subcommand with the safe options in front. */
export function safeGitArgs(args: readonly string[]): string[] {
  return [...SAFE_GIT_OPTIONS, ...args];
}

/** Variables kept from the caller's environment (everything else, `GIT_*` included, is dropped). */
const KEPT = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'XDG_CONFIG_HOME'];

/** A minimal environment for host-side git: no system config, no pager, no prompt, no askpass. */
export function safeGitEnv(from: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of KEPT) {
    const v = from[k];
    if (v !== undefined) env[k] = v;
  }
  return {
    ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', GIT_PAGER: 'cat', PAGER: 'cat',
    GIT_ASKPASS: '', SSH_ASKPASS: '', GIT_EDITOR: 'false', GIT_NO_REPLACE_OBJECTS: '1', GIT_PROTOCOL_FROM_USER: '0',
  };
}
