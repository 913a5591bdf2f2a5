/**
 * Shell-word splitting for `<exec>` (DESIGN §9), pure. Follows a strict subset of POSIX shell-word
 * rules: space and tab separate words; '…' keeps everything literally; "…" keeps everything except
 * that \" \\ \` \$ are unescaped; a backslash outside quotes escapes the next character;
 * adjacent parts join (a'b'"c" → abc). Anything a shell would interpret (operators, expansions,
 * substitutions, a word-initial # comment) stops the scan: {@link splitWords} refuses it, the
 * normaliser (normalize.ts) accepts a few harmless operators. Globs (* ? [), ~ and braces are
 * harmless without a shell and are passed literally.
 */
import { LlmrError } from '../../protocol/errors.js';

/** Model-facing: says what works, never how to turn the shell on (that is the user's decision, in their own config). */
const SHELL_HINT = 'run one whitelisted program with its arguments, without shell operators, redirections or expansions';
/** Longest first, so the message names `&&` rather than `&`. */
const OPERATORS = ['&&', '||', ';;', '>>', '<<', '>&', '<&', '>|', '<>', '|&', '&>', ';', '&', '|', '>', '<', '(', ')'] as const;
const OPERATOR_CHARS = new Set(';&|<>()');
/** After `$`, these make an expansion: `$HOME`, `${x}`, `$(cmd)`, `$?`, `$1`, `$$`, … */
const EXPANDS = /[A-Za-z0-9_{(?#@*!$-]/;
const NAME_CHARS = /^[A-Za-z0-9_]{1,32}/;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Where a scan stopped: a shell feature; `wordComplete` says whether the word before it is whole,
 * `operator` is set for a shell operator, `index` is where the feature starts and `glued` says a
 * word ran right up to it (`2>&1`: the word `2` is glued to `>&`).
 */
export interface Stop { feature: string; wordComplete: boolean; index: number; glued: boolean; operator?: string }
export interface Scan { words: string[]; stop?: Stop }
type Found = Omit<Stop, 'index' | 'glued'>;

export function syntaxError(message: string): LlmrError {
  return new LlmrError('INVALID_SYNTAX', message);
}

export function assertClean(command: string): void {
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
function doubleQuoted(s: string, start: number): { text: string; next: number } | Found {
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
function unquotedStop(s: string, i: number, inWord: boolean): Found | undefined {
  const c = s[i];
  if (OPERATOR_CHARS.has(c)) {
    const operator = operatorAt(s, i);
    return { feature: `shell operator ${operator}`, wordComplete: true, operator };
  }
  if (c === '`') return { feature: 'command substitution `', wordComplete: false };
  if (c === '#' && !inWord) return { feature: 'shell comment #', wordComplete: true };
  if (c === '$') {
    const feature = dollarFeature(s, i, false);
    if (feature !== undefined) return { feature, wordComplete: false };
  }
  return undefined;
}

/**
 * Split words from `start` until the end or the first shell feature. Throws INVALID_SYNTAX on
 * unbalanced quotes. The normaliser resumes after an operator by calling it again.
 */
export function scan(s: string, start = 0): Scan {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = start;
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
      return { words, stop: { ...stop, index: i, glued: inWord } };
    }
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) throw syntaxError('unbalanced single quote in command');
      word += s.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      const part = doubleQuoted(s, i + 1);
      if ('feature' in part) return { words, stop: { ...part, index: i, glued: true } };
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
