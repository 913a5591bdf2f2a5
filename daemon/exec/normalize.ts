/**
 * The `<exec>` normaliser: the few harmless shell forms agents write, turned into a plan of argv
 * steps that run WITHOUT a shell. Pure: no Docker, no I/O. Accepted, and nothing else:
 *
 * - a leading `cd <root> &&` (root: /workspace, the repository's host path, or `.`): dropped,
 *   commands run in the repository root anyway;
 * - `a && b && …`: successive commands, stopping at the first that fails;
 * - a trailing `2>&1` on a command: its stderr merged into its stdout;
 * - `| head -N` / `| tail -N` (also `-n N`, `-nN`, `tail -n +N`) after a command: applied to its
 *   captured output by the daemon. The exit status stays the command's own (like `pipefail`).
 *
 * Every other operator, redirection, expansion or substitution is refused with an error that names
 * what to use instead (`<grep>`, `<list>`, `<write>`, `<open>`).
 */
import { LlmrError } from '../../protocol/errors.js';
import { scan, type Stop } from './words.js';

/** Applied to a step's captured stdout: `head` keeps the first lines, `tail` the last (or from line N on). */
export interface OutputFilter { kind: 'head' | 'tail'; lines: number; fromLine?: boolean }

/** One command of the plan. */
export interface PlanStep {
  argv: string[];
  /** `2>&1`: stderr goes to stdout, in the order the command wrote it. */
  mergeStderr: boolean;
  /** `| head -N`, `| tail -N`, in order. */
  filters: OutputFilter[];
  /** Runs with network access (a prefix of commands.exec.network_commands; set by policy.ts). */
  networked?: boolean;
}

/** What the runner does: the steps in order, stopping after the first non-zero exit. */
export interface ExecPlan { steps: PlanStep[]; shell: boolean }

type Token = { kind: 'word'; value: string } | { kind: 'op'; op: string } | { kind: 'merge' };

/** The accepted forms, for error details. */
export const ACCEPTED_FORMS = 'accepted without a shell: `cd <root> && …`, `a && b`, `… 2>&1`, `… | head -N`, `… | tail -N`';
const NATIVE = 'search file contents with <grep>, list files with <list>, read a file with <open>, create or change one with <write>';

function refuse(message: string, hint: string = NATIVE): LlmrError {
  return new LlmrError('COMMAND_NOT_WHITELISTED', message, `${hint}; ${ACCEPTED_FORMS}`);
}

/** The refusal for a shell operator the normaliser does not accept. */
function operatorError(op: string, next: string | undefined): LlmrError {
  const noShell = 'commands run without a shell';
  if (op === '|') return refuse(`pipe into ${next ?? 'nothing'} is not allowed: ${noShell}; only | head -N and | tail -N are applied to the output`);
  if (op === ';') return refuse(`; is not allowed: ${noShell}; chain commands with && (each runs when the one before succeeded)`);
  if (['>', '>>', '>|', '&>', '>&'].includes(op)) {
    return refuse(`output redirection ${op} is not allowed: ${noShell}`, 'create or change files with <write>; read output in the result');
  }
  if (['<', '<<', '<>', '<&'].includes(op)) {
    return refuse(`input redirection ${op} is not allowed: ${noShell}`, 'pass the file to the command as an argument, or read it with <open>');
  }
  return refuse(`shell operator ${op} is not allowed: ${noShell}`);
}

function featureError(stop: Stop): LlmrError {
  const hint = stop.feature.startsWith('variable') || stop.feature.startsWith('parameter')
    ? 'write values literally; set environment variables with commands.exec.env'
    : stop.feature.startsWith('command substitution') ? 'run the inner command on its own first, then use its output' : NATIVE;
  return refuse(`${stop.feature} is not allowed: commands run without a shell`, hint);
}

/** `2>&1` at `stop` (a glued, unquoted `2` before `>&`, then `1` ending a word). */
function isMerge(s: string, stop: Stop, words: string[]): boolean {
  if (stop.operator !== '>&' || !stop.glued || words.at(-1) !== '2') return false;
  if (!/(^|[ \t])2$/.test(s.slice(0, stop.index))) return false;
  const after = s[stop.index + 3];
  return s[stop.index + 2] === '1' && (after === undefined || ' \t;&|<>()'.includes(after));
}

/** Words, operators and `2>&1` markers; throws on any other shell feature. */
export function tokenize(command: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    const { words, stop } = scan(command, pos);
    tokens.push(...words.map((value): Token => ({ kind: 'word', value })));
    if (!stop) return tokens;
    if (stop.operator === undefined) throw featureError(stop);
    if (isMerge(command, stop, words)) {
      tokens.pop();
      tokens.push({ kind: 'merge' });
      pos = stop.index + 3;
    } else {
      tokens.push({ kind: 'op', op: stop.operator });
      pos = stop.index + stop.operator.length;
    }
  }
}

/** `head`/`tail` argv as a filter, or undefined when it is not one of the accepted forms. */
export function parseFilter(argv: string[]): OutputFilter | undefined {
  const kind = argv[0];
  if (kind !== 'head' && kind !== 'tail') return undefined;
  const rest = argv.slice(1);
  let spec: string | undefined;
  if (rest.length === 0) spec = '10';
  else if (rest.length === 1 && /^-\d+$/.test(rest[0])) spec = rest[0].slice(1);
  else if (rest.length === 1 && /^-n\+?\d+$/.test(rest[0])) spec = rest[0].slice(2);
  else if (rest.length === 2 && rest[0] === '-n' && /^\+?\d+$/.test(rest[1])) spec = rest[1];
  if (spec === undefined) return undefined;
  const fromLine = spec.startsWith('+');
  if (fromLine && kind === 'head') return undefined;
  const lines = Number(fromLine ? spec.slice(1) : spec);
  if (!Number.isSafeInteger(lines)) return undefined;
  return fromLine ? { kind, lines, fromLine } : { kind, lines };
}

function splitOn<T>(items: T[], isSep: (t: T) => boolean): T[][] {
  const parts: T[][] = [[]];
  for (const t of items) {
    if (isSep(t)) parts.push([]);
    else parts[parts.length - 1].push(t);
  }
  return parts;
}

function words(tokens: Token[]): string[] {
  return tokens.map((t) => (t.kind === 'word' ? t.value : ''));
}

/** One `&&` item: `cmd [2>&1] [| head -N | tail -N …]`. */
function parseItem(item: Token[]): PlanStep {
  const stray = item.find((t) => t.kind === 'op' && t.op !== '|');
  if (stray && stray.kind === 'op') throw operatorError(stray.op, undefined);
  const parts = splitOn(item, (t) => t.kind === 'op');
  if (parts.some((p) => p.length === 0)) throw new LlmrError('INVALID_SYNTAX', 'a pipe | needs a command on both sides');
  const [first, ...pipes] = parts;
  if (pipes.some((p) => p.some((t) => t.kind === 'merge'))) throw refuse('2>&1 is accepted only at the end of a command, before any | head or | tail');
  const mergeAt = first.findIndex((t) => t.kind === 'merge');
  if (mergeAt >= 0 && mergeAt !== first.length - 1) throw refuse('2>&1 is accepted only at the end of a command');
  const argv = words(mergeAt >= 0 ? first.slice(0, -1) : first);
  if (argv.length === 0) throw new LlmrError('INVALID_SYNTAX', '2>&1 needs a command before it');
  const filters = pipes.map((p) => {
    const filter = p.every((t) => t.kind === 'word') ? parseFilter(words(p)) : undefined;
    if (!filter) throw operatorError('|', words(p).filter((w) => w !== '').join(' ') || '2>&1');
    return filter;
  });
  return { argv, mergeStderr: mergeAt >= 0, filters };
}

/** True when `dir` names the repository root: `/workspace`, one of `roots`, or `.` (each with an optional trailing slash). */
function isRoot(dir: string, roots: readonly string[]): boolean {
  const trimmed = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
  return trimmed === '.' || trimmed === '/workspace' || roots.some((r) => r.replace(/\/+$/, '') === trimmed);
}

/**
 * The plan for `command`. `roots` are the names a leading `cd` may use for the repository root
 * (its host path; `/workspace` and `.` always count). Throws COMMAND_NOT_WHITELISTED for shell
 * syntax outside the accepted forms, INVALID_SYNTAX for empty parts and bad quoting.
 */
export function normalizeCommand(command: string, roots: readonly string[] = []): ExecPlan {
  const items = splitOn(tokenize(command), (t) => t.kind === 'op' && t.op === '&&');
  if (items.some((i) => i.length === 0)) throw new LlmrError('INVALID_SYNTAX', '&& needs a command on both sides');
  const steps = items.map(parseItem);
  const head = steps[0];
  if (head.argv[0] === 'cd') {
    const plain = head.argv.length === 2 && !head.mergeStderr && head.filters.length === 0;
    if (!plain || !isRoot(head.argv[1], roots)) {
      throw refuse(`cd ${head.argv.slice(1).join(' ')} is not allowed: commands run in the repository root (/workspace)`,
        'drop the cd and use paths relative to the repository root');
    }
    if (steps.length === 1) throw refuse('cd alone does nothing: commands always run in the repository root', 'give the command to run after cd <root> &&');
    steps.shift();
  }
  return { steps, shell: false };
}

/** `text` with the filters applied in order, line by line as head/tail would. */
export function applyFilters(text: string, filters: readonly OutputFilter[]): string {
  let out = text;
  for (const f of filters) {
    const lines = out.split(/(?<=\n)/);
    if (f.kind === 'head') out = lines.slice(0, f.lines).join('');
    else if (f.fromLine) out = lines.slice(Math.max(0, f.lines - 1)).join('');
    else out = f.lines === 0 ? '' : lines.slice(-f.lines).join('');
  }
  return out;
}
