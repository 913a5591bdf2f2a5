import { describe, expect, it } from 'vitest';
import type { ExecResult } from '../protocol/exec.js';
import type { ExecCommand, OpenCommand, SearchCommand, TagError, WriteCommand } from '../protocol/tags.js';
import {
  escapeControl, formatSeconds, outcomeOk, renderComplete, renderFatal, renderOutcomeJson, renderOutcomeText,
  renderOutputEventJson, renderSearchJson, renderSummaryJson, TOOL_START,
} from './render.js';

const open = (arg: string, path = arg): OpenCommand => ({ kind: 'open', arg, path, line: 1 });
const write = (path: string, content: string): WriteCommand => ({ kind: 'write', arg: path, path, content, line: 1 });
const exec = (command: string): ExecCommand => ({ kind: 'exec', arg: command, command, line: 1 });
const execResult = (over: Partial<ExecResult>): ExecResult => ({ exitCode: 0, durationMs: 412, stdout: '', stderr: '', omittedBytes: 0, ...over });
const read = { path: 'src/a.go', size: 12, lineCount: 1, sha256: 'ab' };

describe('client/render', () => {
  it('shows what a timed-out command printed before it was killed, in text and JSON', () => {
    const item: ExecCommand = { kind: 'exec', arg: 'sleep-test', command: 'sleep-test', line: 1 };
    const error = { code: 'COMMAND_TIMEOUT', message: 'command timed out after 2.0s and was killed', output: { stdout: 'partial\n', stderr: '', durationMs: 2012 } } as const;
    expect(renderOutcomeText({ kind: 'error', item, error })).toBe([
      '=== COMMAND: <exec sleep-test> ===', '=== ERROR: COMMAND_TIMEOUT ===', 'Message: command timed out after 2.0s and was killed',
      'Command: <exec sleep-test>', 'Duration: 2.012s', 'Output:', 'partial', '=== END ERROR ===', '=== END COMMAND ===', '',
    ].join('\n'));
    expect(JSON.parse(renderOutcomeJson({ kind: 'error', item, error })).error.output.stdout).toBe('partial\n');
  });

  it('lists what a read-write command changed, with the full count past the cap', () => {
    const changes = {
      created: ['gen/a.go'], changed: ['x.go', 'y.go'], deleted: [], counts: { created: 1, changed: 25, deleted: 0 },
      refused: ['.llmr/state'], unrestorable: [], undoId: '1',
    };
    const text = renderOutcomeText({ kind: 'exec', item: exec('gofmt -w .'), result: { exitCode: 0, durationMs: 120, stdout: '', stderr: '', omittedBytes: 0, changes } });
    expect(text).toBe([
      '=== COMMAND: <exec gofmt -w .> ===', '=== EXEC SUCCESSFUL: gofmt -w . ===', 'Exit code: 0', 'Duration: 0.120s',
      'Created: gen/a.go', 'Changed: x.go, y.go (+23 more)', 'Refused and put back: .llmr/state', 'Undo: llmr exec undo',
      '=== END EXEC ===', '=== END COMMAND ===', '',
    ].join('\n'));
  });

  it('frames a file read and appends a newline only when the content lacks one', () => {
    const o = { kind: 'open', item: open('src/a.go'), result: { ...read, content: 'package a' } } as const;
    expect(renderOutcomeText(o)).toBe(
      '=== COMMAND: <open src/a.go> ===\n=== FILE: src/a.go ===\npackage a\n=== END FILE ===\n=== END COMMAND ===\n',
    );
    const withNl = { ...o, result: { ...o.result, content: 'package a\n\n' } };
    expect(renderOutcomeText(withNl)).toBe(
      '=== COMMAND: <open src/a.go> ===\n=== FILE: src/a.go ===\npackage a\n\n=== END FILE ===\n=== END COMMAND ===\n',
    );
  });

  it('shows the open argument as typed, line range included', () => {
    const item: OpenCommand = { kind: 'open', arg: 'a.go#L2-L3', path: 'a.go', lines: { from: 2, to: 3 }, line: 1 };
    const text = renderOutcomeText({ kind: 'open', item, result: { ...read, content: 'b\nc\n', lines: { from: 2, to: 3 } } });
    expect(text).toBe('=== COMMAND: <open a.go#L2-L3> ===\n=== FILE: a.go#L2-L3 ===\nb\nc\n=== END FILE ===\n=== END COMMAND ===\n');
  });

  it('says after the frame when the file ends before the asked range does', () => {
    const item: OpenCommand = { kind: 'open', arg: 'f#L660-L700', path: 'f', lines: { from: 660, to: 700 }, line: 1 };
    const text = renderOutcomeText({ kind: 'open', item, result: { ...read, path: 'f', lineCount: 673, content: 'x\n', lines: { from: 660, to: 673 } } });
    expect(text).toBe('=== COMMAND: <open f#L660-L700> ===\n=== FILE: f#L660-L700 ===\nx\n=== END FILE ===\n'
      + 'Note: f has 673 lines; returned lines 660-673 of the 660-700 asked for\n=== END COMMAND ===\n');
  });

  it('frames an empty file with a single newline like the original', () => {
    const text = renderOutcomeText({ kind: 'open', item: open('empty'), result: { ...read, content: '' } });
    expect(text).toBe('=== COMMAND: <open empty> ===\n=== FILE: empty ===\n\n=== END FILE ===\n=== END COMMAND ===\n');
  });

  it('frames a write with action, byte count and the backup when there is one', () => {
    const result = { path: 'a.txt', action: 'UPDATED' as const, bytesWritten: 6, sha256: 'x', backup: 'a.txt.1700000000.bak' };
    expect(renderOutcomeText({ kind: 'write', item: write('a.txt', 'hello\n'), result })).toBe(
      '=== COMMAND: <write a.txt> ===\n=== WRITE SUCCESSFUL: a.txt ===\nAction: UPDATED\nBytes written: 6\nBackup: a.txt.1700000000.bak\n=== END WRITE ===\n=== END COMMAND ===\n',
    );
    const absolute = { ...result, backupPath: '/home/u/.local/state/llmr/a.txt.1700000000.bak' };
    expect(renderOutcomeText({ kind: 'write', item: write('a.txt', 'hello\n'), result: absolute })).toContain('\nBackup: /home/u/.local/state/llmr/a.txt.1700000000.bak\n');
    const created = { path: 'a.txt', action: 'CREATED' as const, bytesWritten: 0, sha256: 'x' };
    expect(renderOutcomeText({ kind: 'write', item: write('a.txt', ''), result: created })).toBe(
      '=== COMMAND: <write a.txt> ===\n=== WRITE SUCCESSFUL: a.txt ===\nAction: CREATED\nBytes written: 0\n=== END WRITE ===\n=== END COMMAND ===\n',
    );
  });

  it('frames a successful exec with stdout only', () => {
    const text = renderOutcomeText({ kind: 'exec', item: exec('go test ./...'), result: execResult({ stdout: 'ok  ex  0.002s\n' }) });
    expect(text).toBe(
      '=== COMMAND: <exec go test ./...> ===\n=== EXEC SUCCESSFUL: go test ./... ===\nExit code: 0\nDuration: 0.412s\nOutput:\nok  ex  0.002s\n=== END EXEC ===\n=== END COMMAND ===\n',
    );
  });

  it('omits the output section when both streams are empty and shows stderr alone when stdout is empty', () => {
    expect(renderOutcomeText({ kind: 'exec', item: exec('true'), result: execResult({ durationMs: 5 }) })).toBe(
      '=== COMMAND: <exec true> ===\n=== EXEC SUCCESSFUL: true ===\nExit code: 0\nDuration: 0.005s\n=== END EXEC ===\n=== END COMMAND ===\n',
    );
    expect(renderOutcomeText({ kind: 'exec', item: exec('w'), result: execResult({ stderr: 'warning' }) })).toBe(
      '=== COMMAND: <exec w> ===\n=== EXEC SUCCESSFUL: w ===\nExit code: 0\nDuration: 0.412s\nOutput:\nwarning\n=== END EXEC ===\n=== END COMMAND ===\n',
    );
  });

  it('shows STDOUT and STDERR sections when both streams have output', () => {
    const text = renderOutcomeText({ kind: 'exec', item: exec('make'), result: execResult({ stdout: 'built\n', stderr: 'warn\n', durationMs: 1234.5 }) });
    expect(text).toBe(
      '=== COMMAND: <exec make> ===\n=== EXEC SUCCESSFUL: make ===\nExit code: 0\nDuration: 1.234s\nOutput:\nSTDOUT:\nbuilt\n\nSTDERR:\nwarn\n=== END EXEC ===\n=== END COMMAND ===\n',
    );
  });

  it('renders a non-zero exit as an EXEC_FAILED error block that still shows the output', () => {
    const o = { kind: 'exec', item: exec('go test ./...'), result: execResult({ exitCode: 1, stdout: '--- FAIL: TestA\n', stderr: 'exit status 1\n' }) } as const;
    expect(renderOutcomeText(o)).toBe(
      [
        '=== COMMAND: <exec go test ./...> ===',
        '=== ERROR: EXEC_FAILED ===',
        'Message: command exited with code 1',
        'Command: <exec go test ./...>',
        'Exit code: 1',
        'Duration: 0.412s',
        'Output:',
        'STDOUT:',
        '--- FAIL: TestA',
        '',
        'STDERR:',
        'exit status 1',
        '=== END ERROR ===',
        '=== END COMMAND ===',
        '',
      ].join('\n'),
    );
    expect(outcomeOk(o)).toBe(false);
  });

  it('prints a truncation marker inserted by the daemon as it is', () => {
    const stdout = 'head\n[… 5000 bytes omitted …]\ntail\n';
    const text = renderOutcomeText({ kind: 'exec', item: exec('cat big'), result: execResult({ stdout, omittedBytes: 5000 }) });
    expect(text).toContain('Output:\nhead\n[… 5000 bytes omitted …]\ntail\n=== END EXEC ===\n');
  });

  it('renders daemon errors and parser errors as error blocks with the command label', () => {
    const err = { kind: 'error', item: open('../etc/passwd'), error: { code: 'PATH_OUTSIDE_REPO', message: 'path ../etc/passwd escapes /repo' } } as const;
    expect(renderOutcomeText(err)).toBe(
      '=== COMMAND: <open ../etc/passwd> ===\n=== ERROR: PATH_OUTSIDE_REPO ===\nMessage: path ../etc/passwd escapes /repo\nCommand: <open ../etc/passwd>\n=== END ERROR ===\n=== END COMMAND ===\n',
    );
    const tagError: TagError = { kind: 'error', tag: 'write', arg: 'a.txt', line: 3, code: 'INVALID_SYNTAX', message: 'unterminated <write a.txt>' };
    const withDetails = { kind: 'error', item: tagError, error: { code: 'INVALID_SYNTAX', message: tagError.message, details: 'add </write>' } } as const;
    expect(renderOutcomeText(withDetails)).toBe(
      '=== COMMAND: <write a.txt> ===\n=== ERROR: INVALID_SYNTAX ===\nMessage: unterminated <write a.txt>\nDetails: add </write>\nCommand: <write a.txt>\n=== END ERROR ===\n=== END COMMAND ===\n',
    );
  });

  it('passes search results through the search frame', () => {
    const item: SearchCommand = { kind: 'search', arg: 'parse config', query: 'parse config', line: 1 };
    const result = { results: [{ path: 'a.go', score: 0.5, startLine: 1, endLine: 4, snippet: 'func parse()' }], durationMs: 10, mode: 'lexical' as const };
    expect(renderOutcomeText({ kind: 'search', item, result })).toBe(
      [
        '=== COMMAND: <search parse config> ===',
        '=== SEARCH: parse config ===',
        '=== SEARCH RESULTS (0.01s) ===',
        '1. a.go (score: 0.5000)',
        '   Lines: 1-4',
        '   Preview: "  1: func parse()"',
        '',
        '=== END SEARCH ===',
        '=== END COMMAND ===',
        '',
      ].join('\n'),
    );
    const none = renderOutcomeText({ kind: 'search', item, result: { results: [], durationMs: 1234, mode: 'lexical' } });
    expect(none).toBe(
      '=== COMMAND: <search parse config> ===\n=== SEARCH: parse config ===\n=== SEARCH RESULTS (1.23s) ===\nNo files found matching query.\nTry broader search terms or check if files are indexed.\n=== END SEARCH ===\n=== END COMMAND ===\n',
    );
  });

  it('shows [Showing top N results] when the results reach the cap the daemon reports', () => {
    const item: SearchCommand = { kind: 'search', arg: 'q', query: 'q', line: 1 };
    const hit = (path: string) => ({ path, score: 0.5, startLine: 1, endLine: 1, snippet: 'x' });
    const capped = renderOutcomeText({ kind: 'search', item, result: { results: [hit('a'), hit('b')], durationMs: 1, mode: 'lexical', limit: 2 } });
    expect(capped).toContain('\n[Showing top 2 results]\n=== END SEARCH ===\n');
    const below = renderOutcomeText({ kind: 'search', item, result: { results: [hit('a')], durationMs: 1, mode: 'lexical', limit: 2 } });
    expect(below).not.toContain('[Showing top');
  });

  it('escapes control characters as \\xHH, \\n and \\r, keeping tabs and other text', () => {
    expect(escapeControl('a\u0000b\tc\nd\re\u001bf\u007fg\u00e9\u2028')).toBe('a\\x00b\tc\\nd\\re\\x1bf\\x7fg\u00e9\u2028');
    expect(escapeControl('src/a.go#L1-L2')).toBe('src/a.go#L1-L2');
  });

  it('escapes control characters of the argument in text frame lines but keeps them in JSON', () => {
    const bad = 'a\u0000b\u001b[2J';
    const failed = { kind: 'error', item: open(bad), error: { code: 'PATH_INVALID', message: 'path is invalid' } } as const;
    expect(renderOutcomeText(failed)).toBe(
      '=== COMMAND: <open a\\x00b\\x1b[2J> ===\n=== ERROR: PATH_INVALID ===\nMessage: path is invalid\nCommand: <open a\\x00b\\x1b[2J>\n=== END ERROR ===\n=== END COMMAND ===\n',
    );
    expect(JSON.parse(renderOutcomeJson(failed)).command).toBe(`<open ${bad}>`);
    const ran = renderOutcomeText({ kind: 'exec', item: exec('printf \u0007'), result: execResult({ stdout: '\u0007' }) });
    expect(ran).toBe('=== COMMAND: <exec printf \\x07> ===\n=== EXEC SUCCESSFUL: printf \\x07 ===\nExit code: 0\nDuration: 0.412s\nOutput:\n\u0007\n=== END EXEC ===\n=== END COMMAND ===\n');
    const search: SearchCommand = { kind: 'search', arg: 'a\rb', query: 'a\rb', line: 1 };
    expect(renderOutcomeText({ kind: 'search', item: search, result: { results: [], durationMs: 0, mode: 'lexical' } })).toMatch(/^=== COMMAND: <search a\\rb> ===\n=== SEARCH: a\\rb ===\n/);
  });

  it('renders the start and completion frames with seconds to two decimals', () => {
    expect(TOOL_START).toBe('=== LLM TOOL START ===\n');
    expect(renderComplete(2, 450)).toBe('=== LLM TOOL COMPLETE ===\nCommands executed: 2\nTime elapsed: 0.45s\n=== END ===\n');
    expect(renderComplete(0, 1234)).toBe('=== LLM TOOL COMPLETE ===\nCommands executed: 0\nTime elapsed: 1.23s\n=== END ===\n');
    expect(formatSeconds(-3, 3)).toBe('0.000s');
  });

  it('writes one JSON line per result, failure and output chunk, then a summary', () => {
    const ok = renderOutcomeJson({ kind: 'write', item: write('a', 'x'), result: { path: 'a', action: 'CREATED', bytesWritten: 1, sha256: 's' } });
    expect(ok).toBe('{"command":"<write a>","ok":true,"result":{"path":"a","action":"CREATED","bytesWritten":1,"sha256":"s"}}\n');
    const failed = renderOutcomeJson({ kind: 'error', item: open('x'), error: { code: 'FILE_NOT_FOUND', message: 'file x not found', details: 'd' } });
    expect(failed).toBe('{"command":"<open x>","ok":false,"error":{"code":"FILE_NOT_FOUND","message":"file x not found","details":"d"}}\n');
    const execFailed = JSON.parse(renderOutcomeJson({ kind: 'exec', item: exec('false'), result: execResult({ exitCode: 2 }) }));
    expect(execFailed).toMatchObject({ command: '<exec false>', ok: false, error: { code: 'EXEC_FAILED', message: 'command exited with code 2' }, result: { exitCode: 2 } });
    expect(renderOutputEventJson('<exec ls>', 'stdout', 'a\n')).toBe('{"event":"output","command":"<exec ls>","stream":"stdout","data":"a\\n"}\n');
    expect(renderSummaryJson(3, 1, 12.6)).toBe('{"summary":{"executed":3,"failed":1,"elapsedMs":13}}\n');
  });

  it('keeps exactly path, score, startLine, endLine and snippet in search JSON', () => {
    const hit = { path: 'a.go', score: 1.5, startLine: 3, endLine: 9, snippet: 's', ranges: [{ startLine: 1, endLine: 2 }], size: 9, lineCount: 20 };
    expect(renderSearchJson({ results: [hit], durationMs: 3, mode: 'hybrid' })).toBe(
      '{"results":[{"path":"a.go","score":1.5,"startLine":3,"endLine":9,"snippet":"s"}]}\n',
    );
  });

  it('renders fatal errors as llmr: message with a hint, and usage errors with their usage lines', () => {
    expect(renderFatal({ code: 'DAEMON_UNAVAILABLE', message: 'no llmr daemon answers on /s', details: 'start it with: llmr daemon start' })).toBe(
      'llmr: no llmr daemon answers on /s\nhint: start it with: llmr daemon start\n',
    );
    expect(renderFatal({ code: 'USAGE', message: 'unknown option --x', details: 'usage: llmr search QUERY' })).toBe('llmr: unknown option --x\nusage: llmr search QUERY\n');
    expect(renderFatal({ code: 'INTERNAL', message: 'boom' })).toBe('llmr: boom\n');
  });
});
