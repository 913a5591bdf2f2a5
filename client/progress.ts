import type { Writable } from 'node:stream';

export interface ProgressStep {
  phase: string;
  done: number;
  total: number;
}

const BAR_WIDTH = 30;

/** `indexing [#########.....................] 120/400 (30%)`; a total of 0 shows just the count. */
export function formatProgress(p: ProgressStep): string {
  if (p.total <= 0) return `${p.phase} ${p.done}`;
  const ratio = Math.min(1, Math.max(0, p.done / p.total));
  const filled = Math.round(ratio * BAR_WIDTH);
  return `${p.phase} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${p.done}/${p.total} (${Math.round(ratio * 100)}%)`;
}

export interface ProgressView {
  update(p: ProgressStep): void;
  done(): void;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal; nothing at all when stderr is not a
 * terminal (a pipe, a log file, CI), where the command's one-line summary on stdout is enough.
 */
export function createProgress(stream: Writable & { isTTY?: boolean }): ProgressView {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let drawn = false;
  return {
    update: (p) => {
      drawn = true;
      stream.write(`\r\x1b[2K${formatProgress(p)}`);
    },
    done: () => void (drawn && stream.write('\n')),
  };
}

/** Lines of llmr's own steps in an image build (the rest is the output of debootstrap, gcc, docker). */
const STEP_LINE = /^(building|built|importing|compiling|docker engine|left|cannot unmount)\b/;

export interface LineProgress {
  line(text: string): void;
  done(): void;
}

/**
 * Progress of a long build told as lines: llmr's own steps always get a line of their own; the
 * tools' output is one line redrawn in place on a terminal and left out in a pipe (a failure
 * still carries the tool's last lines in its error).
 */
export function createLineProgress(stream: Writable & { isTTY?: boolean; columns?: number }): LineProgress {
  const tty = stream.isTTY === true;
  let drawn = false;
  const clear = (): void => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    line: (text) => {
      if (STEP_LINE.test(text)) {
        clear();
        stream.write(text + '\n');
      } else if (tty) {
        const width = Math.max(20, (stream.columns ?? 100) - 1);
        stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
        drawn = true;
      }
    },
    done: clear,
  };
}
