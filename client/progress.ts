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
