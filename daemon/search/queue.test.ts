import { describe, expect, it } from 'vitest';
import { createWorkQueue, type PendingChange } from './queue.js';

describe('search/queue', () => {
  it('collapses a burst of change requests into one run after the running one', async () => {
    const runs: PendingChange[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const q = createWorkQueue(async (c) => { runs.push(c); if (runs.length === 1) await gate; });
    const first = q.request({ full: true });
    await Promise.resolve();
    const burst = Array.from({ length: 500 }, (_, i) => q.request({ paths: [`f${i}.ts`] }));
    release();
    await Promise.all([first, ...burst]);
    expect(runs).toHaveLength(2);
    expect(runs[1].paths.size).toBe(500);
    expect(runs[1].full).toBe(false);
  });

  it('keeps running jobs after one fails', async () => {
    const q = createWorkQueue(async () => { throw new Error('boom'); });
    await expect(q.request({ full: true })).rejects.toThrow('boom');
    await expect(q.exclusive(async () => 42)).resolves.toBe(42);
    await q.idle();
  });
});
