/**
 * The `<exec>` command policy (DESIGN §9): the model's command string becomes an argv that runs
 * WITHOUT a shell, or it is refused. Pure: no Docker, no I/O.
 *
 * Words are split by words.ts; normalize.ts turns the few harmless shell forms agents write into a
 * plan of argv steps. Each step must match a whitelist entry (see profiles.ts for the built-in lists).
 */
import { LlmrError } from '../../protocol/errors.js';
import { assertOffline } from './network.js';
import { normalizeCommand, type ExecPlan } from './normalize.js';
import { assertClean, scan, splitWords, syntaxError } from './words.js';

export { splitWords } from './words.js';

export interface ExecPolicy {
  /** Command prefixes, matched as whole argv tokens (`go test` allows `go test ./...`, not `go testx`). */
  whitelist: string[];
  /** Run the command under `sh -c`; the whitelist then only gates the first simple command. */
  allowShell: boolean;
  /** Largest command in UTF-8 bytes; default 4096. */
  maxCommandBytes?: number;
  /**
   * Prefixes (whole tokens) that run with network access (commands.exec.network_commands, user
   * config only): a step starting with one is allowed without a whitelist entry and is networked.
   */
  networkCommands?: string[];
}

export type PolicyDecision = { argv: string[]; shell: boolean };

export const DEFAULT_MAX_COMMAND_BYTES = 4096;

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const MAX_ECHO = 200;

function echo(command: string): string {
  const t = command.trim();
  return t.length > MAX_ECHO ? `${t.slice(0, MAX_ECHO)}…` : t;
}

/** The whitelist entries as token lists; an empty or unsplittable entry is a configuration error. */
export function parseWhitelist(entries: string[]): string[][] {
  return entries.map((entry) => {
    let tokens: string[];
    try {
      tokens = splitWords(entry);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new LlmrError('CONFIG_INVALID', `whitelist entry ${JSON.stringify(entry)} is invalid: ${reason}`, 'commands.exec.whitelist', { cause: err });
    }
    if (tokens.length === 0) throw new LlmrError('CONFIG_INVALID', `whitelist entry ${JSON.stringify(entry)} is empty`, 'commands.exec.whitelist');
    return tokens;
  });
}

/** Parsed lists, per list (a workspace's policy keeps its arrays): splitting them is most of a short command's check. */
const parsedLists = new WeakMap<readonly string[], { text: string; tokens: string[][] }>();

/** `parseWhitelist(entries)`, parsed once per list while its entries stay the same. */
function parsedOnce(entries: string[]): string[][] {
  const text = entries.join('\0');
  const known = parsedLists.get(entries);
  if (known !== undefined && known.text === text) return known.tokens;
  const tokens = parseWhitelist(entries);
  parsedLists.set(entries, { text, tokens });
  return tokens;
}

function startsWith(argv: string[], prefix: string[]): boolean {
  return prefix.length <= argv.length && prefix.every((token, k) => argv[k] === token);
}

/**
 * The argv of the command's first simple command, for `allowShell`. NOTE: with allow_shell the
 * whitelist only gates the START of the line: `go test; rm -rf /` passes when `go test` is
 * whitelisted, because everything after the first operator goes to `sh -c` unchecked.
 */
function firstSimpleCommand(command: string): string[] {
  return scan(command).words;
}

/** Length, control characters, emptiness and the whitelist itself; returns the parsed entries. */
function preflight(command: string, policy: ExecPolicy): string[][] {
  const max = policy.maxCommandBytes ?? DEFAULT_MAX_COMMAND_BYTES;
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes > max) throw syntaxError(`command too long: ${bytes} bytes (max ${max})`);
  assertClean(command);
  if (command.replace(/[ \t]/g, '') === '') throw syntaxError('empty command');
  const entries = parsedOnce(policy.whitelist);
  if (entries.length === 0) {
    throw new LlmrError('COMMAND_NOT_WHITELISTED', 'no commands are whitelisted', 'add command prefixes to commands.exec.whitelist');
  }
  return entries;
}

const parsedNetwork = new WeakMap<readonly string[], { text: string; tokens: string[][] }>();

/** commands.exec.network_commands as token lists, split once per list while its entries stay the same. */
function networkEntries(policy: ExecPolicy): string[][] {
  const list = policy.networkCommands ?? [];
  if (list.length === 0) return [];
  const text = list.join('\0');
  const known = parsedNetwork.get(list);
  if (known !== undefined && known.text === text) return known.tokens;
  const tokens = list.map((p) => splitWords(p));
  parsedNetwork.set(list, { text, tokens });
  return tokens;
}

/**
 * One argv against the whitelist: no leading assignment, not a networked command (unless it starts
 * with a network_commands prefix: then it is allowed and runs networked), a whitelisted prefix.
 * Returns true for a networked step.
 */
function checkArgv(argv: string[], entries: string[][], policy: ExecPolicy, shown: string): boolean {
  const assignment = argv.length > 0 ? ASSIGNMENT.exec(argv[0]) : null;
  if (assignment) {
    throw new LlmrError('COMMAND_NOT_WHITELISTED', `environment assignments are not allowed: ${assignment[1]}=`, 'set variables with commands.exec.env');
  }
  if (!policy.allowShell && networkEntries(policy).some((p) => startsWith(argv, p))) return true;
  assertOffline(argv);
  if (!entries.some((entry) => startsWith(argv, entry))) {
    throw new LlmrError('COMMAND_NOT_WHITELISTED', `command not in whitelist: ${echo(shown)}`, `whitelist: ${policy.whitelist.join(', ')}`);
  }
  return false;
}

/**
 * Split `command` and check it against `policy` as ONE command (no normalising). Without a shell
 * the decision's argv is the split command; with `allowShell` it is `['sh', '-c', command]`.
 * Throws LlmrError: INVALID_SYNTAX (too long, empty, control characters, unbalanced quotes),
 * COMMAND_NOT_WHITELISTED (shell features when off, environment assignments, not in the
 * whitelist), NETWORK_DISABLED (a command that needs the network), CONFIG_INVALID (a bad entry).
 */
export function checkCommand(command: string, policy: ExecPolicy): PolicyDecision {
  const entries = preflight(command, policy);
  const argv = policy.allowShell ? firstSimpleCommand(command) : splitWords(command);
  checkArgv(argv, entries, policy, command);
  return policy.allowShell ? { argv: ['sh', '-c', command], shell: true } : { argv, shell: false };
}

/**
 * The plan `<exec>` runs for `command`: without a shell, the normaliser's steps (normalize.ts),
 * EVERY step checked against the whitelist before anything runs; with `allowShell`, one
 * `sh -c` step (see {@link checkCommand}). `roots` are the repository's names a leading `cd` may use.
 * Throws as {@link checkCommand}; refusals of shell syntax name the native alternative.
 */
export function planCommand(command: string, policy: ExecPolicy & { roots?: readonly string[] }): ExecPlan {
  if (policy.allowShell) {
    const { argv } = checkCommand(command, policy);
    return { steps: [{ argv, mergeStderr: false, filters: [] }], shell: true };
  }
  const entries = preflight(command, policy);
  const plan = normalizeCommand(command, policy.roots);
  const many = plan.steps.length > 1;
  plan.steps.forEach((step, i) => {
    if (checkArgv(step.argv, entries, policy, many ? `${step.argv.join(' ')} (command ${i + 1} of ${plan.steps.length})` : step.argv.join(' '))) step.networked = true;
  });
  return plan;
}
