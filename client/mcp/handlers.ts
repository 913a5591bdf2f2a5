/**
 * What each MCP tool does: checked arguments → one daemon request → text (and structured) result.
 * Failures become `isError` results whose text starts with the llmr code.
 */
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { EditRequest, UndoRequest } from '../../protocol/edit.js';
import { LlmrError } from '../../protocol/errors.js';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { formatGrepLines, GrepRequest, type GrepParams } from '../../protocol/grep.js';
import { ReadRequest, WriteRequest } from '../../protocol/io.js';
import { formatListText, ListRequest } from '../../protocol/list.js';
import { SearchRequest } from '../../protocol/search.js';
import { formatSearchText } from '../../protocol/search-format.js';
import { asClientError } from '../rpc-error.js';
import type { DaemonLink } from './link.js';
import { numberedSlice } from './read-view.js';
import type { ToolName } from './tools.js';

export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface CallContext {
  link: DaemonLink;
  root: () => Promise<string>;
  signal: AbortSignal;
  /** Present when the client asked for progress: one call per output chunk. */
  progress?: (message: string) => void;
}

type Args = Record<string, unknown>;
type Impl = (a: Args, c: CallContext, token: CancellationTokenSource) => Promise<ToolResult>;

/** Largest write_file content sent to the daemon; the daemon's own limit (commands.write.max_file_size) is usually far lower. */
export const MAX_CONTENT_BYTES = 16 * 1024 * 1024;

const text = (t: string, structured?: Record<string, unknown>): ToolResult => ({ content: [{ type: 'text', text: t }], ...(structured !== undefined ? { structuredContent: structured } : {}) });
/** `{ [k]: v }` when the argument was given; the values were checked against the tool's schema already. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const opt = (k: string, v: unknown): Record<string, any> => (v === undefined ? {} : { [k]: v });

/** A failure as the tool result agents see: `CODE: message`, then details. */
export function errorResult(err: unknown): ToolResult {
  const e = asClientError(err);
  const lines = [`${e.code}: ${e.message}`];
  if (e.details !== undefined && e.details !== '') lines.push(e.details);
  if (e.output !== undefined) lines.push(...execLines({ exitCode: -1, durationMs: e.output.durationMs, stdout: e.output.stdout, stderr: e.output.stderr, omittedBytes: 0 }).slice(1));
  return { content: [{ type: 'text', text: lines.join('\n') }], isError: true };
}

function execLines(r: ExecResult): string[] {
  const lines = [`Exit code: ${r.exitCode}`, `Duration: ${(r.durationMs / 1000).toFixed(3)}s`];
  if (r.stdout !== '') lines.push('STDOUT:', r.stdout.replace(/\n$/, ''));
  if (r.stderr !== '') lines.push('STDERR:', r.stderr.replace(/\n$/, ''));
  if (r.omittedBytes > 0) lines.push(`[${r.omittedBytes} bytes of output left out in the middle]`);
  return lines;
}

const IMPLS: Record<ToolName, Impl> = {
  read_file: async (a, c, t) => {
    const r = await c.link.call(ReadRequest, { root: await c.root(), path: a.path as string }, t.token);
    const view = numberedSlice(r.content, r.lineCount, a.start_line as number | undefined, a.end_line as number | undefined);
    const header = view.partial ? `lines ${view.from}–${view.to} of ${r.lineCount} · sha256 ${r.sha256}` : `${r.path} · ${r.lineCount} lines · sha256 ${r.sha256}`;
    return text(`${header}\n${view.text}`, { path: r.path, start_line: view.from, end_line: view.to, total_lines: r.lineCount, size: r.size, sha256: r.sha256 });
  },
  write_file: async (a, c, t) => {
    const bytes = Buffer.byteLength(a.content as string, 'utf8');
    if (bytes > MAX_CONTENT_BYTES) throw new LlmrError('FILE_TOO_LARGE', `content is ${bytes} bytes, limit ${MAX_CONTENT_BYTES}`);
    const r = await c.link.call(WriteRequest, { root: await c.root(), path: a.path as string, content: a.content as string, ...opt('expectedSha256', a.expected_sha256) }, t.token);
    return text(`${r.action} ${r.path} (${r.bytesWritten} bytes, sha256 ${r.sha256})${r.backup !== undefined ? `\nbackup: ${r.backup}` : ''}`, { ...r });
  },
  edit_file: async (a, c, t) => {
    const edits = (a.edits as Args[]).map((e) => ({ oldString: e.old_string as string, newString: e.new_string as string, ...opt('replaceAll', e.replace_all) }));
    const r = await c.link.call(EditRequest, { root: await c.root(), path: a.path as string, edits, ...opt('dryRun', a.dry_run), ...opt('expectedSha256', a.expected_sha256) }, t.token);
    const head = `${r.dryRun ? 'dry run: would make' : 'made'} ${r.replacements} replacement${r.replacements === 1 ? '' : 's'} in ${r.path} (sha256 ${r.sha256After})`;
    return text(`${head}\n${r.diff}`, { ...r });
  },
  list_directory: async (a, c, t) => {
    const r = await c.link.call(ListRequest, { root: await c.root(), ...opt('path', a.path), ...opt('depth', a.depth), ...opt('name', a.name) }, t.token);
    return text(r.entries.length === 0 && r.note === undefined ? '(no entries)' : formatListText(r));
  },
  search_code: async (a, c, t) => {
    const r = await c.link.call(SearchRequest, { root: await c.root(), query: a.query as string, ...opt('limit', a.limit) }, t.token);
    return text(formatSearchText(a.query as string, r, { maxResults: r.limit ?? Number.POSITIVE_INFINITY }));
  },
  grep: async (a, c, t) => {
    const params: GrepParams = {
      root: await c.root(), pattern: a.pattern as string, ...opt('path', a.path), ...opt('include', a.include), ...opt('exclude', a.exclude),
      ...opt('ignoreCase', a.ignore_case), ...opt('context', a.context), ...opt('filesOnly', a.files_only), ...opt('count', a.count), ...opt('maxResults', a.max_results),
    } as GrepParams;
    const r = await c.link.call(GrepRequest, params, t.token);
    const lines = formatGrepLines(r);
    if (lines.length === 0) lines.push(`no matches (${r.filesSearched} files searched)`);
    if (r.note !== undefined) lines.push(`[${r.note}]`);
    return text(lines.join('\n'), { matches: r.matches, files: r.files.map((f) => ({ path: f.path, count: f.count })), truncated: r.truncated });
  },
  undo_edit: async (a, c, t) => {
    const r = await c.link.call(UndoRequest, { root: await c.root(), path: a.path as string }, t.token);
    return text(`restored ${r.path} from backup ${r.restored} (taken ${r.takenAt}; ${r.bytesWritten} bytes)\n${r.diff}`, { ...r });
  },
  run_command: async (a, c, t) => {
    const token = c.progress === undefined ? undefined : `mcp-${process.pid}-${++streamSeq}`;
    if (token !== undefined) streams.set(token, c.progress!);
    try {
      const r = await c.link.call(ExecRequest, {
        root: await c.root(), command: a.command as string, ...opt('stdin', a.stdin),
        ...opt('timeoutMs', a.timeout_seconds === undefined ? undefined : (a.timeout_seconds as number) * 1000), ...opt('streamToken', token),
      }, t.token);
      const body = execLines(r).join('\n');
      if (r.exitCode !== 0) return { content: [{ type: 'text', text: `EXEC_FAILED: command exited with code ${r.exitCode}\n${body}` }], structuredContent: { ...r }, isError: true };
      return text(body, { ...r });
    } finally {
      if (token !== undefined) streams.delete(token);
    }
  },
};

let streamSeq = 0;
/** Output chunks of running commands, by stream token → the call's progress reporter. */
export const streams = new Map<string, (message: string) => void>();

/** Run one tool; never throws (failures are `isError` results). */
export async function callTool(name: ToolName, args: Args, c: CallContext): Promise<ToolResult> {
  const cancel = new CancellationTokenSource();
  const onAbort = (): void => cancel.cancel();
  c.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await IMPLS[name](args, c, cancel);
  } catch (err) {
    return errorResult(err);
  } finally {
    c.signal.removeEventListener('abort', onAbort);
    cancel.dispose();
  }
}
