/**
 * The incremental tag parser. Input is kept only as far as it is undecided: at most a few
 * characters of an unfinished tag start or closing tag, plus the argument, write body or exec
 * look-ahead being collected (each bounded by its limit). Every character is looked at a
 * constant number of times, so the total work is linear in the input whatever the chunking.
 */
import { LlmrError } from './errors.js';
import type { ParsedItem, TagError, TagName, TagParserOptions } from './tags.js';
import {
  EDIT_CLOSE, EXEC_CLOSE, MAX_PARTIAL, MESSAGES, WRITE_CLOSE, countNewlines, isPartialClose, matchTagStart,
  pairSafeEnd, parseGrepTarget, parseOpenTarget, utf8Bytes,
} from './tags-text.js';
import { parseEditBlocks } from './edit-blocks.js';

export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_ARG_BYTES = 4096;
/** How much of an over-long argument an error item keeps as its `arg`. */
const ERROR_ARG_CHARS = 64;
const ARG_END = /[>\n]/g;

interface ArgState { kind: 'arg'; tag: TagName; line: number; text: string; bytes: number; tooLong: boolean }
/** `bytes` is the UTF-8 size collected so far; above the limit (or Infinity) nothing more is kept. */
interface BodyBase { line: number; arg: string; parts: string[]; bytes: number; atStart: boolean }
/**
 * The body of `<write>` or `<edit>`, up to `</write>` / `</edit>`.
 * `discard`: the tag was invalid (reported already); its body is skipped up to the close unkept.
 */
interface WriteState extends BodyBase { kind: 'write'; tag: 'write' | 'edit'; tooLarge: boolean; discard: boolean }
interface ExecState extends BodyBase { kind: 'exec' }
type State = { kind: 'text' } | ArgState | WriteState | ExecState | { kind: 'ended' };

const TEXT: State = { kind: 'text' };

/** Incremental parser of the tag language; see DESIGN §2. */
export class TagParser {
  private readonly maxBody: number;
  private readonly maxArg: number;
  private buf = '';
  private pos = 0;
  private line = 1;
  private state: State = TEXT;
  private out: ParsedItem[] = [];

  constructor(options: TagParserOptions = {}) {
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxArg = options.maxArgBytes ?? DEFAULT_MAX_ARG_BYTES;
  }

  /** Feed a chunk (split anywhere); returns the items it completed, in input order. */
  push(chunk: string): ParsedItem[] {
    this.assertOpen();
    this.buf = this.buf.slice(this.pos) + chunk;
    this.pos = 0;
    this.run(false);
    return this.drain();
  }

  /** End of input: returns the remaining items (a pending plain exec, errors for unterminated tags). */
  end(): ParsedItem[] {
    this.assertOpen();
    this.run(true);
    const st = this.state;
    if (st.kind === 'arg') this.argError(st, st.tooLong ? MESSAGES.argTooLong(st.tag, this.maxArg) : MESSAGES.argEnd(st.tag));
    else if (st.kind === 'exec') this.emitPlainExec(st);
    else if (st.kind === 'write' && !st.discard) {
      if (st.tooLarge) this.error(st.tag, st.line, st.arg, 'FILE_TOO_LARGE', MESSAGES.bodyTooLarge(st.arg, this.maxBody, st.tag));
      else this.error(st.tag, st.line, st.arg, 'INVALID_SYNTAX', MESSAGES.writeUnclosed(st.arg, st.tag));
    }
    this.state = { kind: 'ended' };
    this.buf = '';
    this.pos = 0;
    return this.drain();
  }

  private assertOpen(): void {
    if (this.state.kind === 'ended') throw new LlmrError('INTERNAL', 'tag parser used after end');
  }

  private drain(): ParsedItem[] {
    const items = this.out;
    this.out = [];
    return items;
  }

  /** Runs state steps until one needs more input. */
  private run(final: boolean): void {
    for (;;) {
      const st = this.state;
      let more: boolean;
      if (st.kind === 'text') more = this.stepText(final);
      else if (st.kind === 'arg') more = this.stepArg(st, final);
      else if (st.kind === 'write') more = this.stepWrite(st, final);
      else if (st.kind === 'exec') more = this.stepExec(st, final);
      else more = false;
      if (!more) return;
    }
  }

  /** Moves `pos` to `to`, counting the newlines passed. */
  private advance(to: number): void {
    this.line += countNewlines(this.buf, this.pos, to);
    this.pos = to;
  }

  private stepText(final: boolean): boolean {
    const i = this.buf.indexOf('<', this.pos);
    if (i < 0) {
      this.advance(this.buf.length);
      return false;
    }
    this.advance(i);
    const start = matchTagStart(this.buf, i);
    if (start === 'partial' && !final) return false;
    if (start === undefined || start === 'partial') {
      this.pos = i + 1;
      return true;
    }
    this.pos = i + 1 + start.tag.length;
    if (start.delimiter === '>') {
      this.pos += 1;
      this.finishArg({ kind: 'arg', tag: start.tag, line: this.line, text: '', bytes: 0, tooLong: false });
    } else {
      this.state = { kind: 'arg', tag: start.tag, line: this.line, text: '', bytes: 0, tooLong: false };
    }
    return true;
  }

  private stepArg(st: ArgState, final: boolean): boolean {
    ARG_END.lastIndex = this.pos;
    const found = ARG_END.exec(this.buf);
    const end = found ? found.index : final ? this.buf.length : pairSafeEnd(this.buf, this.pos, this.buf.length);
    if (!st.tooLong) {
      st.bytes += utf8Bytes(this.buf, this.pos, end);
      st.text += this.buf.slice(this.pos, end);
      st.tooLong = st.bytes > this.maxArg;
    } else if (st.text.length < ERROR_ARG_CHARS) {
      st.text += this.buf.slice(this.pos, Math.min(end, this.pos + ERROR_ARG_CHARS));
    }
    if (st.tooLong && st.text.length > ERROR_ARG_CHARS) st.text = st.text.slice(0, ERROR_ARG_CHARS);
    this.pos = end;
    if (!found) return false;
    this.pos = end + 1;
    if (found[0] === '>') {
      this.finishArg(st);
    } else {
      this.line += 1;
      this.argError(st, st.tooLong ? MESSAGES.argTooLong(st.tag, this.maxArg) : MESSAGES.argNewline(st.tag));
      this.state = TEXT;
    }
    return true;
  }

  /** The tag's `>` has been consumed: emit or start collecting its body. */
  private finishArg(st: ArgState): void {
    const arg = st.text.trim();
    const invalid = st.tooLong ? MESSAGES.argTooLong(st.tag, this.maxArg) : arg === '' ? MESSAGES.emptyArg(st.tag) : undefined;
    this.state = TEXT;
    if (invalid !== undefined) this.argError(st, invalid);
    if (st.tag === 'write' || st.tag === 'edit') {
      const discard = invalid !== undefined;
      const bytes = discard ? Number.POSITIVE_INFINITY : 0;
      this.state = { kind: 'write', tag: st.tag, line: st.line, arg, parts: [], bytes, atStart: true, tooLarge: false, discard };
    } else if (invalid !== undefined) {
      return;
    } else if (st.tag === 'exec') {
      this.state = { kind: 'exec', line: st.line, arg, parts: [], bytes: 0, atStart: true };
    } else if (st.tag === 'search') {
      this.out.push({ kind: 'search', arg, line: st.line, query: arg });
    } else if (st.tag === 'list') {
      this.out.push({ kind: 'list', arg, line: st.line, path: arg });
    } else if (st.tag === 'grep') {
      const target = parseGrepTarget(arg);
      if ('error' in target) this.error('grep', st.line, arg, 'INVALID_SYNTAX', target.error);
      else this.out.push({ kind: 'grep', arg, line: st.line, ...target });
    } else {
      const target = parseOpenTarget(arg);
      if ('error' in target) this.error('open', st.line, arg, 'INVALID_SYNTAX', target.error);
      else this.out.push({ kind: 'open', arg, line: st.line, ...target });
    }
  }

  /**
   * Drops the one newline (`\n` or `\r\n`) right after a body tag's `>`.
   * False when the text ends before that can be decided.
   */
  private dropLeadingNewline(st: BodyBase, final: boolean): boolean {
    const c = this.buf[this.pos];
    if (c === undefined || (c === '\r' && this.pos + 1 >= this.buf.length)) {
      if (!final) return false;
    } else if (c === '\n') {
      this.advance(this.pos + 1);
    } else if (c === '\r' && this.buf[this.pos + 1] === '\n') {
      this.advance(this.pos + 2);
    }
    st.atStart = false;
    return true;
  }

  /** Adds `buf[pos, to)` to a body; false once the body is larger than the limit (and then keeps nothing). */
  private collect(st: BodyBase, to: number): boolean {
    if (to > this.pos && st.bytes <= this.maxBody) {
      st.bytes += utf8Bytes(this.buf, this.pos, to);
      if (st.bytes <= this.maxBody) st.parts.push(this.buf.slice(this.pos, to));
      else st.parts = [];
    }
    this.advance(to);
    return st.bytes <= this.maxBody;
  }

  private stepWrite(st: WriteState, final: boolean): boolean {
    if (st.atStart && !this.dropLeadingNewline(st, final)) return false;
    const closeTag = st.tag === 'write' ? WRITE_CLOSE : EDIT_CLOSE;
    const close = this.buf.indexOf(closeTag, this.pos);
    if (close < 0) {
      const keep = final ? this.buf.length : pairSafeEnd(this.buf, this.pos, Math.max(this.pos, this.buf.length - MAX_PARTIAL));
      st.tooLarge = !this.collect(st, keep);
      return false;
    }
    st.tooLarge = !this.collect(st, close);
    this.pos = close + closeTag.length;
    this.state = TEXT;
    if (st.discard) return true;
    if (st.tooLarge) this.error(st.tag, st.line, st.arg, 'FILE_TOO_LARGE', MESSAGES.bodyTooLarge(st.arg, this.maxBody, st.tag));
    else if (st.tag === 'write') this.out.push({ kind: 'write', arg: st.arg, line: st.line, path: st.arg, content: st.parts.join('') });
    else this.emitEdit(st);
    return true;
  }

  private emitEdit(st: WriteState): void {
    const parsed = parseEditBlocks(st.parts.join(''));
    if ('error' in parsed) this.error('edit', st.line, st.arg, 'INVALID_SYNTAX', `<edit ${st.arg}>: ${parsed.error}`);
    else this.out.push({ kind: 'edit', arg: st.arg, line: st.line, path: st.arg, blocks: parsed.blocks });
  }

  /**
   * Look-ahead after `<exec CMD>`: `</exec>` before any other tag start makes it the stdin form;
   * another tag start, a look-ahead over the body limit or the end of input makes it a plain exec.
   */
  private stepExec(st: ExecState, final: boolean): boolean {
    if (st.atStart && !this.dropLeadingNewline(st, final)) return false;
    for (;;) {
      const lt = this.buf.indexOf('<', this.pos);
      const end = lt >= 0 ? lt : final ? this.buf.length : pairSafeEnd(this.buf, this.pos, this.buf.length);
      if (!this.collect(st, end)) return this.emitPlainExec(st);
      if (lt < 0) return false;
      if (this.buf.startsWith(EXEC_CLOSE, lt)) {
        this.pos = lt + EXEC_CLOSE.length;
        this.state = TEXT;
        this.out.push({ kind: 'exec', arg: st.arg, line: st.line, command: st.arg, stdin: st.parts.join('') });
        return true;
      }
      const start = matchTagStart(this.buf, lt);
      if (!final && (start === 'partial' || isPartialClose(this.buf, lt, EXEC_CLOSE))) return false;
      if (start !== undefined && start !== 'partial') return this.emitPlainExec(st);
      if (!this.collect(st, lt + 1)) return this.emitPlainExec(st);
    }
  }

  /** Emits the pending exec without stdin; what followed it is scanned as ordinary text. */
  private emitPlainExec(st: ExecState): true {
    this.out.push({ kind: 'exec', arg: st.arg, line: st.line, command: st.arg });
    this.state = TEXT;
    return true;
  }

  private argError(st: ArgState, message: string): void {
    const arg = st.tooLong ? `${st.text.slice(0, pairSafeEnd(st.text, 0, st.text.length)).trim()}…` : st.text.trim();
    this.error(st.tag, st.line, arg, 'INVALID_SYNTAX', message);
  }

  private error(tag: TagName, line: number, arg: string, code: TagError['code'], message: string): void {
    this.out.push({ kind: 'error', tag, arg, line, code, message });
  }
}
