/**
 * Docker's multiplexed attach stream (8-byte header: stream type, 3 zero bytes, u32be length,
 * then the payload), split into stdout and stderr without copying: payload pieces are passed on
 * as they arrive. (dockerode's own demuxer concatenates its whole buffer on every chunk, which is
 * quadratic in the size of one Docker frame, and turns a misaligned stream into raw stdout.)
 */
import { LlmrError } from '../../protocol/errors.js';

export type DemuxSink = (stream: 'stdout' | 'stderr', data: Buffer) => void;

const HEADER = 8;

/** Feed chunks in order; a header with an unknown stream type throws (the stream is not in step). */
export class Demuxer {
  private header = Buffer.alloc(HEADER);
  private headerFill = 0;
  private left = 0;
  private stream: 'stdout' | 'stderr' | undefined;

  constructor(private readonly sink: DemuxSink) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.left === 0) {
        const n = Math.min(HEADER - this.headerFill, chunk.length - off);
        chunk.copy(this.header, this.headerFill, off, off + n);
        this.headerFill += n;
        off += n;
        if (this.headerFill < HEADER) return;
        this.headerFill = 0;
        this.stream = streamOf(this.header[0]);
        this.left = this.header.readUInt32BE(4);
        continue;
      }
      const n = Math.min(this.left, chunk.length - off);
      this.left -= n;
      const piece = off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n);
      off += n;
      if (this.stream !== undefined) this.sink(this.stream, piece);
    }
  }
}

/** stdout (1) and stderr (2); stdin (0) is never sent by Docker but is harmless: dropped. */
function streamOf(type: number): 'stdout' | 'stderr' | undefined {
  if (type === 1) return 'stdout';
  if (type === 2) return 'stderr';
  if (type === 0) return undefined;
  throw new LlmrError('CONTAINER_FAILED', `docker attach stream header has stream type ${type}: the stream is not multiplexed or out of step`);
}
