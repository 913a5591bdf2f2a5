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
 * Progress on stderr: a bar redrawn in place on a terminal; otherwise plain lines, one per
 * phase change and per tenth of the way, so logs stay short.
 */
export function createProgress(stream: Writable & { isTTY?: boolean }): ProgressView {
  if (stream.isTTY === true) {
    let drawn = false;
    return {
      update: (p) => {
        drawn = true;
        stream.write(`\r\x1b[2K${formatProgress(p)}`);
      },
      done: () => void (drawn && stream.write('\n')),
    };
  }
  let last = { phase: '', tenth: -1 };
  return {
    update: (p) => {
      const tenth = p.total > 0 ? Math.floor((p.done / p.total) * 10) : -1;
      if (p.phase === last.phase && tenth === last.tenth) return;
      last = { phase: p.phase, tenth };
      stream.write(formatProgress(p) + '\n');
    },
    done: () => undefined,
  };
}
