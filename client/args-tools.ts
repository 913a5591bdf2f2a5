/**
 * argv of `llmr edit`, `llmr ls`, `llmr grep` and `llmr mcp` → invocation. Pure. Problems are
 * `LlmrError('USAGE', …)` with the command's usage line, like the other commands.
 */
import { parseArgs } from 'node:util';
import { LlmrError } from '../protocol/errors.js';
import { COMMAND_SPECS, helpText } from './usage.js';

export type ToolCommand = 'edit' | 'ls' | 'grep' | 'mcp';
export const TOOL_COMMANDS: readonly string[] = ['edit', 'ls', 'grep', 'mcp'];

interface Common { root?: string; json: boolean; noSpawn: boolean }
export type ToolInvocation =
  | ({ command: 'edit'; path: string; old?: string; new?: string; replaceAll: boolean; dryRun: boolean } & Common)
  | ({ command: 'ls'; path?: string; depth?: number; name?: string } & Common)
  | ({ command: 'grep'; pattern: string; path?: string; ignoreCase: boolean; context?: number; filesOnly: boolean; count: boolean;
      include: string[]; exclude: string[]; maxResults?: number } & Common)
  | { command: 'mcp'; root?: string; noSpawn: boolean }
  | { command: 'help'; text: string };

const COMMON = { root: { type: 'string' }, json: { type: 'boolean' }, 'no-spawn': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const OPTIONS = {
  edit: { ...COMMON, old: { type: 'string' }, new: { type: 'string' }, 'replace-all': { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  ls: { ...COMMON, depth: { type: 'string' }, name: { type: 'string' } },
  grep: {
    ...COMMON, 'ignore-case': { type: 'boolean', short: 'i' }, context: { type: 'string', short: 'C' }, 'files-only': { type: 'boolean', short: 'l' },
    count: { type: 'boolean', short: 'c' }, include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true }, 'max-results': { type: 'string' },
  },
  mcp: { root: { type: 'string' }, 'no-spawn': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
} as const;

function usage(cmd: ToolCommand, message: string): LlmrError {
  return new LlmrError('USAGE', message, `usage: ${COMMAND_SPECS[cmd].usage}\nrun 'llmr ${cmd} --help' for details`);
}

function int(cmd: ToolCommand, flag: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw usage(cmd, `--${flag} must be an integer of at least ${min}, got ${String(value)}`);
  return n;
}

/** Node's parseArgs messages in the house style (lowercase, the thing and the value). */
function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(e.message ?? '')?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return /argument missing/.test(e.message ?? '') ? `option ${quoted.split(' ')[0]} needs a value` : `option ${quoted.split(' ')[0]} takes no value`;
  return (e.message ?? String(err)).toLowerCase().replace(/\.$/, '');
}

/** Parse the arguments after `llmr edit|ls|grep|mcp`. */
export function parseToolInvocation(cmd: ToolCommand, argv: string[]): ToolInvocation {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS[cmd], strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw usage(cmd, describe(err));
  }
  const v = parsed.values;
  const pos = parsed.positionals;
  if (v.help === true) return { command: 'help', text: helpText(cmd) };
  const common: Common = { ...(typeof v.root === 'string' ? { root: v.root } : {}), json: v.json === true, noSpawn: v['no-spawn'] === true };
  if (cmd === 'mcp') {
    if (pos.length > 0) throw usage(cmd, `unexpected argument ${pos[0]}`);
    return { command: 'mcp', ...(common.root !== undefined ? { root: common.root } : {}), noSpawn: common.noSpawn };
  }
  if (cmd === 'edit') {
    if (pos.length !== 1) throw usage(cmd, pos.length === 0 ? 'missing file path' : `unexpected argument ${pos[1]}`);
    if ((v.old === undefined) !== (v.new === undefined)) throw usage(cmd, '--old and --new go together');
    return { command: 'edit', path: pos[0]!, ...(typeof v.old === 'string' ? { old: v.old, new: v.new as string } : {}),
      replaceAll: v['replace-all'] === true, dryRun: v['dry-run'] === true, ...common };
  }
  if (cmd === 'ls') {
    if (pos.length > 1) throw usage(cmd, `unexpected argument ${pos[1]}`);
    const depth = int(cmd, 'depth', v.depth, 1);
    return { command: 'ls', ...(pos[0] !== undefined ? { path: pos[0] } : {}), ...(depth !== undefined ? { depth } : {}),
      ...(typeof v.name === 'string' ? { name: v.name } : {}), ...common };
  }
  if (pos.length === 0) throw usage(cmd, 'missing pattern');
  if (pos.length > 2) throw usage(cmd, `unexpected argument ${pos[2]}`);
  const context = int(cmd, 'context', v.context, 0);
  const maxResults = int(cmd, 'max-results', v['max-results'], 1);
  return {
    command: 'grep', pattern: pos[0]!, ...(pos[1] !== undefined ? { path: pos[1] } : {}), ignoreCase: v['ignore-case'] === true,
    ...(context !== undefined ? { context } : {}), filesOnly: v['files-only'] === true, count: v.count === true,
    include: (v.include as string[] | undefined) ?? [], exclude: (v.exclude as string[] | undefined) ?? [],
    ...(maxResults !== undefined ? { maxResults } : {}), ...common,
  };
}
