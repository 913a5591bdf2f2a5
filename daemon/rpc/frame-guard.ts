/**
 * Checks the JSON-RPC base-protocol framing before vscode-jsonrpc sees it: a header block of at
 * most 8 KiB with one valid Content-Length no larger than the limit, and a body that is JSON.
 * A violation ends the connection with one error message instead of letting a client make the
 * daemon buffer gigabytes or wait forever for an answer to a message it could not read.
 */
import { Transform, type TransformCallback } from 'node:stream';

const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export type Violation = 'too-large' | 'malformed' | 'not-json';

export class FrameGuard extends Transform {
  private header = Buffer.alloc(0);
  private bodyLeft = 0;
  private frame: Buffer[] = [];

  constructor(private readonly maxBody: number, private readonly onViolation: (message: string, kind: Violation) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let rest = chunk;
    while (rest.length > 0) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, rest.length);
        this.frame.push(rest.subarray(0, take));
        this.bodyLeft -= take;
        rest = rest.subarray(take);
        if (this.bodyLeft === 0 && !this.flushFrame()) return done();
        continue;
      }
      this.header = Buffer.concat([this.header, rest]);
      rest = Buffer.alloc(0);
      const end = this.header.indexOf(HEADER_END);
      if (end < 0) {
        if (this.header.length > MAX_HEADER_BYTES) return this.violate(`header block longer than ${MAX_HEADER_BYTES} bytes`, 'malformed', done);
        break;
      }
      const length = parseContentLength(this.header.subarray(0, end).toString('ascii'));
      if (typeof length === 'string') return this.violate(length, 'malformed', done);
      if (length > this.maxBody) return this.violate(`message of ${length} bytes exceeds the limit of ${this.maxBody} bytes`, 'too-large', done);
      this.frame = [this.header.subarray(0, end + HEADER_END.length)];
      rest = this.header.subarray(end + HEADER_END.length);
      this.header = Buffer.alloc(0);
      this.bodyLeft = length;
      if (length === 0 && !this.flushFrame()) return done();
    }
    done();
  }

  /** Pass a complete frame on when its body is JSON; otherwise report it. */
  private flushFrame(): boolean {
    const [head, ...body] = this.frame;
    this.frame = [];
    try {
      JSON.parse(Buffer.concat(body).toString('utf8'));
    } catch (err) {
      this.onViolation(`message body is not valid JSON: ${(err as Error).message.slice(0, 120)}`, 'not-json');
      return false;
    }
    this.push(Buffer.concat([head, ...body]));
    return true;
  }

  private violate(message: string, kind: Violation, done: TransformCallback): void {
    this.onViolation(message, kind);
    done();
  }
}

/** The Content-Length of a header block, or a message saying what is wrong with it. */
export function parseContentLength(block: string): number | string {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed header line ${JSON.stringify(line.slice(0, 80))}`;
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,15}$/.test(value)) return `invalid Content-Length ${JSON.stringify(value.slice(0, 40))}`;
    if (length !== undefined) return 'duplicate Content-Length header';
    length = Number(value);
  }
  return length ?? 'missing Content-Length header';
}
