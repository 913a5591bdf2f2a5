import { describe, expect, it } from 'vitest';
import { LatencyWindow } from './latency.js';

describe('containers/latency', () => {
  it('reports nearest-rank percentiles of the kept samples', () => {
    const w = new LatencyWindow(100);
    for (let i = 1; i <= 100; i += 1) w.add(i);
    expect(w.percentile(50)).toBe(50);
    expect(w.percentile(95)).toBe(95);
  });

  it('forgets the oldest samples once full', () => {
    const w = new LatencyWindow(3);
    [100, 100, 100, 1, 2, 3].forEach((v) => w.add(v));
    expect(w.percentile(95)).toBe(3);
  });

  it('reports zero with no samples', () => {
    expect(new LatencyWindow(5).percentile(50)).toBe(0);
  });
});
