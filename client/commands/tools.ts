/**
 * `llmr edit`, `llmr ls`, `llmr grep`: the daemon's io/edit, io/list and search/grep from the shell,
 * printed as the tag mode's frames or, with --json, as the method's result object.
 */
import { EXIT, LlmrError } from '../../protocol/errors.js';
import { EditRequest, type EditOperation } from '../../protocol/edit.js';
import { parseEditBlocks } from '../../protocol/edit-blocks.js';
import { GrepRequest } from '../../protocol/grep.js';
import { ListRequest } from '../../protocol/list.js';
import type { ToolInvocation } from '../args-tools.js';
import { withClient, type CliIo } from '../cli-io.js';
import { renderEditFrame, renderGrepFrame, renderListFrame } from '../render-tools.js';
import { existingRoot } from '../root.js';

type Of<K extends ToolInvocation['command']> = Extract<ToolInvocation, { command: K }>;

async function readStdin(io: CliIo): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts).toString('utf8');
}

async function editsOf(args: Of<'edit'>, io: CliIo): Promise<EditOperation[]> {
  if (args.old !== undefined) return [{ oldString: args.old, newString: args.new ?? '', ...(args.replaceAll ? { replaceAll: true } : {}) }];
  const parsed = parseEditBlocks(await readStdin(io));
  if ('error' in parsed) throw new LlmrError('INVALID_SYNTAX', `standard input: ${parsed.error}`, 'give --old and --new, or pipe <<<<<<< SEARCH / ======= / >>>>>>> REPLACE blocks');
  return parsed.blocks.map((b) => ({ oldString: b.search, newString: b.replace }));
}

function print(io: CliIo, json: boolean, result: unknown, text: () => string): number {
  io.stdout.write(json ? `${JSON.stringify(result)}\n` : text());
  return EXIT.OK;
}

/** `llmr edit PATH`. */
export async function runEdit(args: Of<'edit'>, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const edits = await editsOf(args, io);
  const result = await withClient(io, args.noSpawn, (c) => c.call(EditRequest, { root, path: args.path, edits, ...(args.dryRun ? { dryRun: true } : {}) }));
  return print(io, args.json, result, () => renderEditFrame(args.path, result));
}

/** `llmr ls [PATH]`. */
export async function runList(args: Of<'ls'>, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const params = { root, ...(args.path !== undefined ? { path: args.path } : {}), ...(args.depth !== undefined ? { depth: args.depth } : {}), ...(args.name !== undefined ? { name: args.name } : {}) };
  const result = await withClient(io, args.noSpawn, (c) => c.call(ListRequest, params));
  return print(io, args.json, result, () => renderListFrame(args.path ?? '.', result));
}

/** `llmr grep PATTERN [PATH]`; exit status 1 when nothing matched, as grep does. */
export async function runGrep(args: Of<'grep'>, io: CliIo): Promise<number> {
  const root = await existingRoot(args.root, io.cwd, io.stderr);
  const params = {
    root, pattern: args.pattern, ...(args.path !== undefined ? { path: args.path } : {}), ignoreCase: args.ignoreCase, filesOnly: args.filesOnly, count: args.count,
    ...(args.context !== undefined ? { context: args.context } : {}), ...(args.include.length > 0 ? { include: args.include } : {}),
    ...(args.exclude.length > 0 ? { exclude: args.exclude } : {}), ...(args.maxResults !== undefined ? { maxResults: args.maxResults } : {}),
  };
  const result = await withClient(io, args.noSpawn, (c) => c.call(GrepRequest, params));
  print(io, args.json, result, () => renderGrepFrame(args.path === undefined ? args.pattern : `${args.pattern} -- ${args.path}`, result));
  return result.files.length > 0 ? EXIT.OK : EXIT.COMMAND_FAILED;
}
