/**
 * argv → {@link Invocation}. Pure: no I/O, no process access. Every problem is an
 * `LlmrError('USAGE', message, 'usage: <usage line>')`.
 */
import { parseArgs } from 'node:util';
import { LlmrError } from '../protocol/errors.js';
import { COMMAND_SPECS, helpText, type CommandKey } from './usage.js';
import { TOOL_COMMANDS, parseToolInvocation, type ToolCommand, type ToolInvocation } from './args-tools.js';

export type ImageSource = 'auto' | 'debian' | 'dockerfile';
export type ImageKind = 'io' | 'exec';
export type DaemonAction = 'start' | 'stop' | 'status' | 'run';

export interface TagModeArgs {
  command: 'tags';
  root?: string;
  input?: string;
  output?: string;
  interactive: boolean;
  json: boolean;
  noSpawn: boolean;
}

export type Invocation =
  | TagModeArgs
  | { command: 'search'; query: string; root?: string; limit?: number; json: boolean; noSpawn: boolean }
  | { command: 'reindex'; root?: string; noSpawn: boolean }
  | { command: 'status'; root?: string; json: boolean; noSpawn: boolean }
  | { command: 'daemon'; action: DaemonAction; json: boolean }
  | { command: 'images'; source: ImageSource; only?: ImageKind; tag?: string }
  | { command: 'doctor'; root?: string; json: boolean; noSpawn: boolean }
  | { command: 'audit'; file?: string; root?: string; json: boolean; noSpawn: boolean }
  | { command: 'config'; action: 'show' | 'path'; root?: string; json: boolean; noSpawn: boolean }
  | { command: 'cache-clear' | 'exec-undo'; root?: string; json: boolean; noSpawn: boolean }
  | { command: 'help'; text: string }
  | { command: 'version' }
  | Exclude<ToolInvocation, { command: 'help' }>;

type Values = Record<string, string | boolean | undefined>;

const GROUPS = { daemon: ['start', 'stop', 'status', 'run'], images: ['build'], audit: ['verify'], cache: ['clear'], exec: ['undo'] } as const;
const SIMPLE = ['search', 'reindex', 'status', 'doctor'] as const;

/** Turn `process.argv.slice(2)` into what to do. Throws a USAGE LlmrError for bad input. */
export function parseInvocation(argv: string[]): Invocation {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return parseTagMode(argv);
  if (first === 'help') return parseHelp(argv.slice(1));
  if (first === 'config') return parseConfig(argv.slice(1));
  if (TOOL_COMMANDS.includes(first)) return parseToolInvocation(first as ToolCommand, argv.slice(1));
  if ((SIMPLE as readonly string[]).includes(first)) return parseSimple(first as (typeof SIMPLE)[number], argv.slice(1));
  if (first in GROUPS) return parseGroup(first as keyof typeof GROUPS, argv.slice(1));
  throw usageError(`unknown command ${first}`, 'tags');
}

function parseTagMode(argv: string[]): Invocation {
  const { values } = parse('tags', argv);
  if (values.help === true) return { command: 'help', text: helpText('tags') };
  if (values.version === true) return { command: 'version' };
  return {
    command: 'tags',
    ...optionalString('root', values.root),
    ...optionalString('input', values.input),
    ...optionalString('output', values.output),
    interactive: values.interactive === true,
    json: values.json === true,
    noSpawn: values['no-spawn'] === true,
  };
}

function parseConfig(argv: string[]): Invocation {
  const key = argv[0] === 'path' ? 'config path' : 'config';
  const { values } = parse(key, key === 'config path' ? argv.slice(1) : argv);
  if (values.help === true) return { command: 'help', text: helpText(key) };
  const action = key === 'config path' ? 'path' : 'show';
  return { command: 'config', action, ...optionalString('root', values.root), json: values.json === true, noSpawn: values['no-spawn'] === true };
}

function parseHelp(rest: string[]): Invocation {
  // `llmr help search --help` is help about search: flags asking for help add nothing
  const words = rest.filter((w) => w !== '--help' && w !== '-h');
  if (words.length === 0) return { command: 'help', text: helpText(rest.length === 0 ? 'tags' : 'help') };
  const key = words.join(' ');
  if (key === 'help') return { command: 'help', text: helpText('help') };
  if (!isCommandKey(key) || key === 'tags') throw usageError(`unknown command ${key}`, 'help');
  return { command: 'help', text: helpText(key) };
}

function parseSimple(name: (typeof SIMPLE)[number], argv: string[]): Invocation {
  const { values, positionals } = parse(name, argv);
  if (values.help === true) return { command: 'help', text: helpText(name) };
  const root = optionalString('root', values.root);
  const json = values.json === true;
  const noSpawn = values['no-spawn'] === true;
  switch (name) {
    case 'search': {
      const query = positionals.join(' ').trim();
      if (query === '') throw usageError('missing search query', 'search');
      const limit = values.limit === undefined ? {} : { limit: positiveInt(values.limit, 'search') };
      return { command: 'search', query, ...root, ...limit, json, noSpawn };
    }
    case 'reindex':
      return { command: 'reindex', ...root, noSpawn };
    case 'status':
      return { command: 'status', ...root, json, noSpawn };
    case 'doctor':
      return { command: 'doctor', ...root, json, noSpawn };
  }
}

function parseGroup(group: keyof typeof GROUPS, argv: string[]): Invocation {
  const sub = argv[0];
  if (sub === undefined) throw usageError(`missing ${group} command`, group);
  if (sub === '--help' || sub === '-h') return { command: 'help', text: helpText(group) };
  const key = `${group} ${sub}`;
  if (!isCommandKey(key)) throw usageError(`unknown ${group} command ${sub}`, group);
  const { values } = parse(key, argv.slice(1));
  if (values.help === true) return { command: 'help', text: helpText(key) };
  if (group === 'daemon') return { command: 'daemon', action: sub as DaemonAction, json: values.json === true };
  if (group === 'cache' || group === 'exec') {
    return { command: group === 'cache' ? 'cache-clear' : 'exec-undo', ...optionalString('root', values.root), json: values.json === true, noSpawn: values['no-spawn'] === true };
  }
  if (group === 'audit') {
    const file = optionalString('file', values.file);
    const root = optionalString('root', values.root);
    return { command: 'audit', ...file, ...root, json: values.json === true, noSpawn: values['no-spawn'] === true };
  }
  const source = oneOf(values.source ?? 'auto', ['auto', 'debian', 'dockerfile'] as const, '--source', key);
  const only = values.only === undefined ? {} : { only: oneOf(values.only, ['io', 'exec'] as const, '--only', key) };
  if (values.tag !== undefined && values.only === undefined) throw usageError('--tag needs --only io|exec', key);
  return { command: 'images', source, ...only, ...optionalString('tag', values.tag) };
}

function parse(key: CommandKey, argv: string[]): { values: Values; positionals: string[] } {
  const spec = COMMAND_SPECS[key];
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [name, 'short' in o ? { type: o.type, short: o.short } : { type: o.type }]),
  );
  const allowPositionals = key === 'search';
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: values as Values, positionals };
  } catch (err) {
    throw usageError(describeParseError(err), key);
  }
}

/** Node's parseArgs messages, reworded in the house style (lowercase, the thing and the value). */
function describeParseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(e.message ?? '')?.[1] ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(e.message ?? '')
        ? `option ${quoted.split(' ')[0]} needs a value`
        : `option ${quoted.split(' ')[0]} takes no value`;
    default:
      return (e.message ?? String(err)).toLowerCase().replace(/\.$/, '');
  }
}

function usageError(message: string, key: CommandKey): LlmrError {
  const help = key === 'tags' ? 'llmr --help' : `llmr ${key} --help`;
  return new LlmrError('USAGE', message, `usage: ${COMMAND_SPECS[key].usage}\nrun '${help}' for details`);
}

function isCommandKey(key: string): key is CommandKey {
  return Object.prototype.hasOwnProperty.call(COMMAND_SPECS, key);
}

function optionalString<K extends string>(key: K, value: string | boolean | undefined): { [P in K]?: string } {
  return (typeof value === 'string' ? { [key]: value } : {}) as { [P in K]?: string };
}

function positiveInt(value: string | boolean, key: CommandKey): number {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`--limit must be a positive integer, got ${String(value)}`, key);
  return n;
}

function oneOf<T extends string>(value: string | boolean, allowed: readonly T[], flag: string, key: CommandKey): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw usageError(`${flag} must be one of ${allowed.join(', ')}, got ${String(value)}`, key);
}
