/**
 * Text frames (DESIGN §3, reference §2) and JSON lines of the tag mode. Pure: strings in, strings out.
 */
import { renderError, type ErrorCode, type ExecOutputSoFar } from '../protocol/errors.js';
import type { ExecResult } from '../protocol/exec.js';
import type { ReadResult, WriteResult } from '../protocol/io.js';
import type { SearchResult } from '../protocol/search.js';
import { formatSearchText } from '../protocol/search-format.js';
import { commandLabel, type EditCommand, type ExecCommand, type GrepCommand, type ListCommand, type OpenCommand, type ParsedItem, type SearchCommand, type WriteCommand } from '../protocol/tags.js';
import type { EditResult } from '../protocol/edit.js';
import type { GrepResult } from '../protocol/grep.js';
import type { ListResult } from '../protocol/list.js';
import { renderEditFrame, renderGrepFrame, renderListFrame } from './render-tools.js';

/** An error as the client shows it. */
export interface ShownError {
  code: ErrorCode;
  message: string;
  details?: string;
  /** What a command printed before it timed out or was cancelled. */
  output?: ExecOutputSoFar;
}

/** What became of one parsed item. */
export type Outcome =
  | { kind: 'open'; item: OpenCommand; result: ReadResult }
  | { kind: 'write'; item: WriteCommand; result: WriteResult }
  | { kind: 'exec'; item: ExecCommand; result: ExecResult }
  | { kind: 'search'; item: SearchCommand; result: SearchResult }
  | { kind: 'edit'; item: EditCommand; result: EditResult }
  | { kind: 'list'; item: ListCommand; result: ListResult }
  | { kind: 'grep'; item: GrepCommand; result: GrepResult }
  | { kind: 'error'; item: ParsedItem; error: ShownError };

export const TOOL_START = '=== LLM TOOL START ===\n';

/** A command that ran but failed counts as failed: errors, and execs with a non-zero exit. */
export function outcomeOk(o: Outcome): boolean {
  if (o.kind === 'error') return false;
  return o.kind !== 'exec' || o.result.exitCode === 0;
}

/** The error a failed outcome stands for (`EXEC_FAILED` for a non-zero exit), or undefined. */
export function outcomeError(o: Outcome): ShownError | undefined {
  if (o.kind === 'error') return o.error;
  if (o.kind === 'exec' && o.result.exitCode !== 0) {
    return { code: 'EXEC_FAILED', message: `command exited with code ${o.result.exitCode}` };
  }
  return undefined;
}

/** One complete `=== COMMAND: … ===` … `=== END COMMAND ===` block. */
export function renderOutcomeText(o: Outcome): string {
  const label = escapeControl(commandLabel(o.item));
  return `=== COMMAND: ${label} ===\n${renderBody(o, label)}=== END COMMAND ===\n`;
}

/**
 * Control characters (below 0x20 except tab, and 0x7f) as `\n`, `\r` or `\xHH`, so a tag
 * argument cannot break a frame line or drive the terminal. Text output only; JSON keeps the string.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

function renderBody(o: Outcome, label: string): string {
  const arg = escapeControl(o.item.arg);
  switch (o.kind) {
    case 'open':
      return `=== FILE: ${arg} ===\n${withNewline(o.result.content)}=== END FILE ===\n${shortRangeNote(o.item, o.result)}`;
    case 'write':
      return renderWrite(arg, o.result);
    case 'exec':
      return renderExec(arg, label, o.result);
    case 'search':
      // `[Showing top N results]` only when the daemon says which cap it applied
      return withNewline(formatSearchText(escapeControl(o.item.query), o.result, { maxResults: o.result.limit ?? Number.POSITIVE_INFINITY }));
    case 'edit':
      return renderEditFrame(arg, o.result);
    case 'list':
      return renderListFrame(arg, o.result);
    case 'grep':
      return renderGrepFrame(arg, o.result);
    case 'error':
      return renderError(o.error, label, o.error.output === undefined ? [] : [
        `Duration: ${formatSeconds(o.error.output.durationMs, 3)}`, ...outputLines(o.error.output.stdout, o.error.output.stderr),
      ]);
  }
}

/** A line after the file frame when fewer lines came back than the tag asked for (the file ends earlier). */
export function shortRangeNote(item: OpenCommand, r: ReadResult): string {
  const asked = item.lines;
  const got = r.lines;
  if (asked === undefined || got === undefined || got.to >= asked.to) return '';
  return `Note: ${r.path} has ${r.lineCount} lines; returned lines ${got.from}-${got.to} of the ${asked.from}-${asked.to} asked for\n`;
}

function renderWrite(arg: string, r: WriteResult): string {
  const lines = [`=== WRITE SUCCESSFUL: ${arg} ===`, `Action: ${r.action}`, `Bytes written: ${r.bytesWritten}`];
  const backup = r.backupPath ?? r.backup;
  if (backup !== undefined && backup !== '') lines.push(`Backup: ${backup}`);
  lines.push('=== END WRITE ===');
  return lines.join('\n') + '\n';
}

function renderExec(arg: string, label: string, r: ExecResult): string {
  const info = [`Exit code: ${r.exitCode}`, `Duration: ${formatSeconds(r.durationMs, 3)}`, ...changeLines(r), ...outputLines(r.stdout, r.stderr)];
  if (r.exitCode !== 0) {
    return renderError({ code: 'EXEC_FAILED', message: `command exited with code ${r.exitCode}` }, label, info);
  }
  return [`=== EXEC SUCCESSFUL: ${arg} ===`, ...info, '=== END EXEC ==='].join('\n') + '\n';
}

/** What a read-write command changed: one line per kind, the list capped by the daemon with the full count. */
function changeLines(r: ExecResult): string[] {
  const c = r.changes;
  if (c === undefined) return [];
  const list = (label: string, paths: string[], count = paths.length): string[] =>
    (count === 0 ? [] : [`${label}: ${paths.map(escapeControl).join(', ')}${count > paths.length ? ` (+${count - paths.length} more)` : ''}`]);
  return [
    ...list('Created', c.created, c.counts.created), ...list('Changed', c.changed, c.counts.changed), ...list('Deleted', c.deleted, c.counts.deleted),
    ...list('Refused and put back', c.refused), ...list('Not restorable (too large)', c.unrestorable),
    ...(c.counts.created + c.counts.changed + c.counts.deleted > 0 ? ['Undo: llmr exec undo'] : []),
  ];
}

/**
 * `Output:` then stdout, or stderr, or `STDOUT:\n…\n\nSTDERR:\n…` when both are non-empty;
 * nothing when both are empty. One final newline of each part is folded into the frame's own.
 */
function outputLines(stdout: string, stderr: string): string[] {
  if (stdout === '' && stderr === '') return [];
  if (stdout !== '' && stderr !== '') {
    return ['Output:', `STDOUT:\n${dropFinalNewline(stdout)}\n\nSTDERR:\n${dropFinalNewline(stderr)}`];
  }
  return ['Output:', dropFinalNewline(stdout !== '' ? stdout : stderr)];
}

/** `=== LLM TOOL COMPLETE ===`, `Commands executed: N` (successful commands), `Time elapsed: 1.23s`, `=== END ===`. */
export function renderComplete(executed: number, elapsedMs: number): string {
  return `=== LLM TOOL COMPLETE ===\nCommands executed: ${executed}\nTime elapsed: ${formatSeconds(elapsedMs, 2)}\n=== END ===\n`;
}

/** One JSON line for a command result. */
export function renderOutcomeJson(o: Outcome): string {
  const command = commandLabel(o.item);
  const error = outcomeError(o);
  if (o.kind === 'error') return jsonLine({ command, ok: false, error: errorJson(o.error) });
  if (error !== undefined) return jsonLine({ command, ok: false, error: errorJson(error), result: o.result });
  return jsonLine({ command, ok: true, result: o.result });
}

/** One JSON line for a chunk of a running command's output. */
export function renderOutputEventJson(command: string, stream: 'stdout' | 'stderr', data: string): string {
  return jsonLine({ event: 'output', command, stream, data });
}

/** The final JSON line of the tag mode. */
export function renderSummaryJson(executed: number, failed: number, elapsedMs: number): string {
  return jsonLine({ summary: { executed, failed, elapsedMs: Math.round(elapsedMs) } });
}

/** `llmr search --json`: exactly `{"results":[{"path","score","startLine","endLine","snippet"}…]}`. */
export function renderSearchJson(result: SearchResult): string {
  const results = result.results.map((h) => ({ path: h.path, score: h.score, startLine: h.startLine, endLine: h.endLine, snippet: h.snippet }));
  return jsonLine({ results });
}

/**
 * An error that stops the whole run, for stderr: `llmr: <message>`, then for usage errors the
 * usage lines and otherwise `hint: <details>` (the fix) when there is one.
 */
export function renderFatal(err: ShownError): string {
  const lines = [`llmr: ${err.message}`];
  if (err.details !== undefined && err.details !== '') {
    lines.push(err.code === 'USAGE' ? err.details : `hint: ${err.details}`);
  }
  return lines.join('\n') + '\n';
}

/** Seconds with a fixed number of decimals and an `s` suffix: `0.412s`. */
export function formatSeconds(ms: number, decimals: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(decimals)}s`;
}

function errorJson(e: ShownError): ShownError {
  return {
    code: e.code, message: e.message,
    ...(e.details !== undefined ? { details: e.details } : {}),
    ...(e.output !== undefined ? { output: e.output } : {}),
  };
}

function jsonLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

/** Like the original: a newline is appended when the text does not end with one (an empty text too). */
function withNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}

function dropFinalNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
