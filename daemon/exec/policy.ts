/**
 * The `<exec>` command policy (DESIGN §9): the model's command string becomes an argv that runs
 * WITHOUT a shell, or it is refused. Pure: no Docker, no I/O.
 *
 * Splitting follows a strict subset of POSIX shell-word rules: space and tab separate words;
 * '…' keeps everything literally; "…" keeps everything except that \" \\ \` \$ are unescaped;
 * a backslash outside quotes escapes the next character; adjacent parts join (a'b'"c" → abc).
 * Anything a shell would interpret (operators, expansions, substitutions, a word-initial # comment)
 * is refused rather than passed literally, because the model clearly meant a shell.
 * Globs (* ? [), ~ and braces are harmless without a shell and are passed literally.
 */
import { LlmrError } from '../../protocol/errors.js';

export interface ExecPolicy {
  /** Command prefixes, matched as whole argv tokens (`go test` allows `go test ./...`, not `go testx`). */
  whitelist: string[];
  /** Run the command under `sh -c`; the whitelist then only gates the first simple command. */
  allowShell: boolean;
  /** Largest command in UTF-8 bytes; default 4096. */
  maxCommandBytes?: number;
}

export type PolicyDecision = { argv: string[]; shell: boolean };

export const DEFAULT_MAX_COMMAND_BYTES = 4096;

/** Model-facing: says what works, never how to turn the shell on (that is the user's decision, in their own config). */
const SHELL_HINT = 'run one whitelisted program with its arguments, without shell operators, redirections or expansions';
/** Longest first, so the message names `&&` rather than `&`. */
const OPERATORS = ['&&', '||', ';;', '>>', '<<', '>&', '<&', '>|', '<>', '|&', '&>', ';', '&', '|', '>', '<', '(', ')'] as const;
const OPERATOR_CHARS = new Set(';&|<>()');
/** After `$`, these make an expansion: `$HOME`, `${x}`, `$(cmd)`, `$?`, `$1`, `$$`, … */
const EXPANDS = /[A-Za-z0-9_{(?#@*!$-]/;
const NAME_CHARS = /^[A-Za-z0-9_]{1,32}/;
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_ECHO = 200;

/** Where the scan stopped: a shell feature; `wordComplete` says whether the word before it is whole. */
interface Stop { feature: string; wordComplete: boolean }
interface Scan { words: string[]; stop?: Stop }

function syntaxError(message: string): LlmrError {
  return new LlmrError('INVALID_SYNTAX', message);
}

function echo(command: string): string {
  const t = command.trim();
  return t.length > MAX_ECHO ? `${t.slice(0, MAX_ECHO)}…` : t;
}

function assertClean(command: string): void {
  const m = CONTROL.exec(command);
  if (m) {
    const hex = m[0].charCodeAt(0).toString(16).padStart(2, '0');
    throw syntaxError(`command contains control character 0x${hex} at offset ${m.index}`);
  }
  if (LONE_SURROGATE.test(command)) throw syntaxError('command is not valid unicode');
}

/** The shell feature an unquoted `$` at `i` starts, or undefined when the `$` is literal. */
function dollarFeature(s: string, i: number, quoted: boolean): string | undefined {
  const next = s[i + 1];
  if (next === undefined || next === ' ' || next === '\t') return undefined;
  if (next === '(') return 'command substitution $(';
  if (next === '{') return 'parameter expansion ${';
  if (EXPANDS.test(next)) return `variable expansion $${NAME_CHARS.exec(s.slice(i + 1))?.[0] ?? next}`;
  // bash reads $'…' and $"…" as quoting forms; sh would not. Ambiguous, so refused outside quotes.
  if (!quoted && (next === "'" || next === '"')) return `quoting $${next}`;
  return undefined;
}

/** Double-quoted text starting after the opening quote at `start`; returns the text and the index after the closing quote. */
function doubleQuoted(s: string, start: number): { text: string; next: number } | Stop {
  let text = '';
  for (let j = start; j < s.length; j += 1) {
    const c = s[j];
    if (c === '"') return { text, next: j + 1 };
    if (c === '\\' && j + 1 < s.length && '"\\`$'.includes(s[j + 1])) {
      text += s[j + 1];
      j += 1;
    } else if (c === '`') {
      return { feature: 'command substitution ` inside double quotes', wordComplete: false };
    } else {
      const feature = c === '$' ? dollarFeature(s, j, true) : undefined;
      if (feature !== undefined) return { feature: `${feature} inside double quotes`, wordComplete: false };
      text += c;
    }
  }
  throw syntaxError('unbalanced double quote in command');
}

function operatorAt(s: string, i: number): string {
  return OPERATORS.find((op) => s.startsWith(op, i)) ?? s[i];
}

/** The shell feature that starts at `i` outside quotes, if any. */
function unquotedStop(s: string, i: number, inWord: boolean): Stop | undefined {
  const c = s[i];
  if (OPERATOR_CHARS.has(c)) return { feature: `shell operator ${operatorAt(s, i)}`, wordComplete: true };
  if (c === '`') return { feature: 'command substitution `', wordComplete: false };
  if (c === '#' && !inWord) return { feature: 'shell comment #', wordComplete: true };
  if (c === '$') {
    const feature = dollarFeature(s, i, false);
    if (feature !== undefined) return { feature, wordComplete: false };
  }
  return undefined;
}

/** Split words until the end or the first shell feature. Throws INVALID_SYNTAX on unbalanced quotes. */
function scan(s: string): Scan {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i += 1;
      continue;
    }
    const stop = unquotedStop(s, i, inWord);
    if (stop) {
      // A word cut by an expansion is not the word the shell would see, so it is dropped.
      if (inWord && stop.wordComplete) words.push(word);
      return { words, stop };
    }
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) throw syntaxError('unbalanced single quote in command');
      word += s.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      const part = doubleQuoted(s, i + 1);
      if ('feature' in part) return { words, stop: part };
      word += part.text;
      i = part.next;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw syntaxError('command ends with a backslash');
      word += s[i + 1];
      i += 2;
    } else {
      word += c;
      i += 1;
    }
    inWord = true;
  }
  if (inWord) words.push(word);
  return { words };
}

/**
 * Split `command` into words with shell-word rules (see the file comment).
 * Throws INVALID_SYNTAX on control characters and unbalanced quotes, COMMAND_NOT_WHITELISTED on
 * any shell operator, expansion or substitution.
 */
export function splitWords(command: string): string[] {
  assertClean(command);
  const { words, stop } = scan(command);
  if (stop) throw new LlmrError('COMMAND_NOT_WHITELISTED', `${stop.feature} is not allowed: shell features are off`, SHELL_HINT);
  return words;
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

/**
 * Split `command` and check it against `policy`. Without a shell the decision's argv is the
 * split command; with `allowShell` it is `['sh', '-c', command]`. Throws LlmrError:
 * INVALID_SYNTAX (too long, empty, control characters, unbalanced quotes), COMMAND_NOT_WHITELISTED
 * (shell features when off, environment assignments, not in the whitelist), CONFIG_INVALID (a bad entry).
 */
export function checkCommand(command: string, policy: ExecPolicy): PolicyDecision {
  const max = policy.maxCommandBytes ?? DEFAULT_MAX_COMMAND_BYTES;
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes > max) throw syntaxError(`command too long: ${bytes} bytes (max ${max})`);
  assertClean(command);
  if (command.replace(/[ \t]/g, '') === '') throw syntaxError('empty command');
  const entries = parseWhitelist(policy.whitelist);
  if (entries.length === 0) {
    throw new LlmrError('COMMAND_NOT_WHITELISTED', 'no commands are whitelisted', 'add command prefixes to commands.exec.whitelist');
  }
  const argv = policy.allowShell ? firstSimpleCommand(command) : splitWords(command);
  const assignment = argv.length > 0 ? ASSIGNMENT.exec(argv[0]) : null;
  if (assignment) {
    throw new LlmrError('COMMAND_NOT_WHITELISTED', `environment assignments are not allowed: ${assignment[1]}=`, 'set variables with commands.exec.env');
  }
  if (!entries.some((entry) => startsWith(argv, entry))) {
    throw new LlmrError('COMMAND_NOT_WHITELISTED', `command not in whitelist: ${echo(command)}`, `whitelist: ${policy.whitelist.join(', ')}`);
  }
  return policy.allowShell ? { argv: ['sh', '-c', command], shell: true } : { argv, shell: false };
}
