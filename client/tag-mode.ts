/**
 * `llmr` without a subcommand: model output in, one command at a time to the daemon in input
 * order (each as soon as its tag closes), framed results out.
 */
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { exitStatus, EXIT } from '../protocol/errors.js';
import { ExecOutputNotification, ExecRequest } from '../protocol/exec.js';
import { ReadRequest, WriteRequest } from '../protocol/io.js';
import { SearchRequest } from '../protocol/search.js';
import { EditRequest } from '../protocol/edit.js';
import { GrepRequest } from '../protocol/grep.js';
import { ListRequest } from '../protocol/list.js';
import { TagParser } from '../protocol/tags-parser.js';
import { commandLabel, type ParsedCommand, type ParsedItem } from '../protocol/tags.js';
import type { TagModeArgs } from './args.js';
import type { DaemonClient } from './connect.js';
import { describeFileError, inputError, openInput, openOutput } from './io-files.js';
import {
  outcomeError, outcomeOk, renderComplete, renderFatal, renderOutcomeJson, renderOutcomeText,
  renderOutputEventJson, renderSummaryJson, TOOL_START, type Outcome, type ShownError,
} from './render.js';
import { checkRoot, resolveRoot, warnOnce } from './root.js';
import { asClientError } from './rpc-error.js';

export interface TagModeIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  /** Connects (and starts the daemon when allowed); called once, at the first command that needs it. */
  connect: () => Promise<DaemonClient>;
}

const PROMPT = [
  'LLM Tool - Interactive Mode',
  'Waiting for input (each command runs as soon as its tag closes; Ctrl+D ends)...',
  'Supports commands: <open filepath>, <write filepath>content</write>, <exec command args>, <search query>, <edit filepath>SEARCH/REPLACE blocks</edit>, <list path>, <grep pattern [-- path]>',
].join('\n');

/** After this long, the first command's wait (for the workspace's first containers) is mentioned on a terminal. */
const SLOW_FIRST_MS = 1500;

/** `llmr` typed at a terminal with nothing piped in would otherwise wait in silence. */
const TTY_HINT = "llmr: reading a model's reply from the terminal; end it with Ctrl+D (or pipe one in: some-llm-cli … | llmr; llmr --help)\n";

/** Exit status after Ctrl+C, as shells report a SIGINT death. */
const EXIT_INTERRUPTED = 130;

/** Errors after which no further command is sent: the daemon is gone or the user interrupted. */
const STOPPING = new Set(['DAEMON_UNAVAILABLE', 'PROTOCOL_MISMATCH', 'CANCELLED']);

/** Run the tag mode; resolves with the process exit status. */
export async function runTagMode(args: TagModeArgs, io: TagModeIo): Promise<number> {
  const input = args.input === undefined ? io.stdin : openInput(args.input);
  const out = openOutput(args.output, io.stdout);
  const session = new Session(args, out.write, io);
  const onSigint = () => session.interrupt();
  process.on('SIGINT', onSigint);
  try {
    if (args.interactive) io.stderr.write(PROMPT + '\n');
    else if (args.input === undefined && (io.stdin as { isTTY?: boolean }).isTTY === true) io.stderr.write(TTY_HINT);
    await session.consume(input);
    return session.finish();
  } finally {
    process.off('SIGINT', onSigint);
    session.close();
    out.close();
  }
}

/** The daemon and the checked root, from the first command that needs them. */
type Ready = { client: DaemonClient; root: string };

class Session {
  private readonly started = performance.now();
  private readonly parser = new TagParser();
  private ready: Ready | undefined;
  private executed = 0;
  private failed = 0;
  private exit: number = EXIT.OK;
  private framed = false;
  private fatal: ShownError | undefined;
  private current: { token: string; label: string; cancel: CancellationTokenSource } | undefined;
  private seq = 0;

  constructor(
    private readonly args: TagModeArgs,
    private readonly write: (text: string) => void,
    private readonly io: TagModeIo,
  ) {}

  async consume(input: Readable): Promise<void> {
    const decoder = new StringDecoder('utf8');
    try {
      for await (const chunk of input as AsyncIterable<Buffer | string>) {
        await this.handleAll(this.parser.push(typeof chunk === 'string' ? chunk : decoder.write(chunk)));
        if (this.fatal !== undefined) return;
      }
    } catch (err) {
      const file = this.args.input;
      const message = file !== undefined ? inputError(file, err).message : `cannot read standard input: ${describeFileError(err, 'read')}`;
      this.fatal ??= { code: 'USAGE', message };
      return;
    }
    await this.handleAll([...this.parser.push(decoder.end()), ...this.parser.end()]);
  }

  /** The trailer (or summary line), stderr for a fatal error; returns the exit status. */
  finish(): number {
    const elapsed = performance.now() - this.started;
    if (this.args.json) this.write(renderSummaryJson(this.executed, this.failed, elapsed));
    else if (this.framed) this.write(renderComplete(this.executed, elapsed));
    if (this.fatal !== undefined) {
      this.io.stderr.write(renderFatal(this.fatal));
      return this.fatal.code === 'CANCELLED' ? EXIT_INTERRUPTED : exitStatus(this.fatal.code);
    }
    return this.exit;
  }

  interrupt(): void {
    if (this.fatal?.code === 'CANCELLED') process.exit(EXIT_INTERRUPTED);
    this.io.stderr.write('llmr: interrupted; cancelling the running command (Ctrl+C again quits at once)\n');
    this.fatal = { code: 'CANCELLED', message: 'interrupted' };
    this.current?.cancel.cancel();
  }

  close(): void {
    this.ready?.client.close();
  }

  private async handleAll(items: ParsedItem[]): Promise<void> {
    for (const item of items) {
      if (this.fatal !== undefined) return;
      const outcome = await this.run(item);
      if (outcome !== undefined) this.emit(outcome);
    }
  }

  private emit(o: Outcome): void {
    if (outcomeOk(o)) this.executed++;
    else {
      this.failed++;
      const code = outcomeError(o)?.code ?? 'INTERNAL';
      this.exit = Math.max(this.exit, exitStatus(code));
      if (STOPPING.has(code)) this.fatal ??= outcomeError(o);
    }
    if (this.args.json) this.write(renderOutcomeJson(o));
    else {
      if (!this.framed) this.write(TOOL_START);
      this.framed = true;
      this.write(renderOutcomeText(o));
    }
    if (this.args.interactive) this.io.stderr.write('\nWaiting for more input...\n');
  }

  /** One item to its outcome; undefined when the run stops before it (no daemon at all). */
  private async run(item: ParsedItem): Promise<Outcome | undefined> {
    if (item.kind === 'error') return { kind: 'error', item, error: { code: item.code, message: item.message } };
    let ready: Ready;
    try {
      ready = await this.connected();
    } catch (err) {
      this.fatal = asClientError(err);
      return undefined;
    }
    const label = commandLabel(item);
    const cancel = new CancellationTokenSource();
    this.current = { token: `${process.pid}-${++this.seq}`, label, cancel };
    const slow = this.seq === 1 ? this.slowFirstNote(label) : undefined;
    try {
      return await this.send(ready, item, this.current.token, cancel);
    } catch (err) {
      const e = asClientError(err);
      const shown = { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}), ...(e.output !== undefined ? { output: e.output } : {}) };
      return { kind: 'error', item, error: shown };
    } finally {
      if (slow !== undefined) clearTimeout(slow);
      this.current = undefined;
      cancel.dispose();
    }
  }

  /** On a terminal, a line when the first command of the run is slow: it waits for the repository's first containers. */
  private slowFirstNote(label: string): NodeJS.Timeout | undefined {
    if ((this.io.stderr as { isTTY?: boolean }).isTTY !== true) return undefined;
    const timer = setTimeout(() => {
      this.io.stderr.write(`llmr: ${label} is waiting for this repository's first containers to start…\n`);
    }, SLOW_FIRST_MS);
    timer.unref();
    return timer;
  }

  private async send(ready: Ready, item: ParsedCommand, token: string, cancel: CancellationTokenSource): Promise<Outcome> {
    const { client, root } = ready;
    const t = cancel.token;
    switch (item.kind) {
      case 'open': {
        const params = { root, path: item.path, ...(item.lines !== undefined ? { lines: item.lines, literalPath: item.arg } : {}) };
        return { kind: 'open', item, result: await client.call(ReadRequest, params, t) };
      }
      case 'write':
        return { kind: 'write', item, result: await client.call(WriteRequest, { root, path: item.path, content: item.content }, t) };
      case 'exec': {
        const params = { root, command: item.command, ...(item.stdin !== undefined ? { stdin: item.stdin } : {}), ...(this.args.json ? { streamToken: token } : {}) };
        return { kind: 'exec', item, result: await client.call(ExecRequest, params, t) };
      }
      case 'search':
        return { kind: 'search', item, result: await client.call(SearchRequest, { root, query: item.query }, t) };
      case 'edit': {
        const edits = item.blocks.map((b) => ({ oldString: b.search, newString: b.replace }));
        return { kind: 'edit', item, result: await client.call(EditRequest, { root, path: item.path, edits }, t) };
      }
      case 'list':
        return { kind: 'list', item, result: await client.call(ListRequest, { root, path: item.path }, t) };
      case 'grep':
        return { kind: 'grep', item, result: await client.call(GrepRequest, { root, pattern: item.pattern, ...(item.path !== undefined ? { path: item.path } : {}) }, t) };
    }
  }

  /** Resolve and check the root (once, for the whole run), then connect. */
  private async connected(): Promise<Ready> {
    if (this.ready !== undefined) return this.ready;
    const root = await resolveRoot(this.args.root, this.io.cwd, warnOnce((line) => void this.io.stderr.write(line + '\n')));
    await checkRoot(root);
    const client = await this.io.connect();
    client.onNotification(ExecOutputNotification, (p) => {
      if (this.args.json && this.current?.token === p.token) this.write(renderOutputEventJson(this.current.label, p.stream, p.data));
    });
    this.ready = { client, root };
    return this.ready;
  }
}
