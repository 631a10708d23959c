import { describe, expect, it } from 'vitest';
import { measure, percentile } from './stats.js';

describe('bench stats', () => {
  it.each([
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4], 0.99, 4],
    [[5], 0.5, 5],
    [[], 0.5, 0],
  ])('percentile(%j, %d) = %d', (values, q, expected) => {
    expect(percentile(values, q)).toBe(expected);
  });

  it('runs every operation once, with the given concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const figures = await measure(50, 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => setImmediate(resolve));
      seen.push(i);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(peak).toBe(4);
    expect(figures.ops).toBe(50);
  });
});
