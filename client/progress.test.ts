import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLineProgress, createProgress, formatProgress } from './progress.js';

class Sink extends Writable {
  text = '';
  isTTY?: boolean;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('client/progress', () => {
  it('draws a bar with count and percentage', () => {
    expect(formatProgress({ phase: 'indexing', done: 30, total: 100 })).toBe(`indexing [${'#'.repeat(9)}${'.'.repeat(21)}] 30/100 (30%)`);
    expect(formatProgress({ phase: 'scanning', done: 12, total: 0 })).toBe('scanning 12');
    expect(formatProgress({ phase: 'x', done: 7, total: 5 })).toBe(`x [${'#'.repeat(30)}] 7/5 (100%)`);
  });

  it('stays quiet when stderr is not a terminal', () => {
    const sink = new Sink();
    const p = createProgress(sink);
    for (let i = 0; i <= 100; i++) p.update({ phase: 'indexing', done: i, total: 100 });
    p.done();
    expect(sink.text).toBe('');
  });

  it('redraws one line in place on a terminal and ends it', () => {
    const sink = new Sink();
    sink.isTTY = true;
    const p = createProgress(sink);
    p.update({ phase: 'indexing', done: 1, total: 2 });
    p.update({ phase: 'indexing', done: 2, total: 2 });
    p.done();
    expect(sink.text).toBe(`\r\x1b[2K${formatProgress({ phase: 'indexing', done: 1, total: 2 })}\r\x1b[2K${formatProgress({ phase: 'indexing', done: 2, total: 2 })}\n`);
  });

  it('keeps build steps and drops tool output in a pipe', () => {
    const sink = new Sink();
    const p = createLineProgress(sink);
    for (const l of ['building llmr-io from Debian packages', 'I: Retrieving InRelease', 'compiling llmr-helper (gcc -static)', 'built llmr-io:latest']) p.line(l);
    p.done();
    expect(sink.text).toBe('building llmr-io from Debian packages\ncompiling llmr-helper (gcc -static)\nbuilt llmr-io:latest\n');
  });

  it('redraws tool output in place on a terminal, truncated to its width, with steps on lines of their own', () => {
    const sink = new Sink() as Sink & { columns?: number };
    sink.isTTY = true;
    sink.columns = 30;
    const p = createLineProgress(sink);
    p.line('I: Retrieving InRelease from a mirror far away');
    p.line('built llmr-exec:latest');
    p.done();
    expect(sink.text).toBe(`\r\x1b[2KI: Retrieving InRelease from…\r\x1b[2Kbuilt llmr-exec:latest\n`);
  });
});
