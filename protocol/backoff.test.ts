import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BackoffPolicy,
  backoffDelay,
  backoffPolicy,
  supervisionBackoff,
  workQueueBackoff,
} from './backoff.js';

const noJitter: BackoffPolicy = { ...supervisionBackoff, jitter: 0 };

describe('backoffDelay', () => {
  it.each([
    // policy, attempt, random, expected
    [noJitter, 0, 0, 100],
    [noJitter, 1, 0, 200],
    [noJitter, 2, 0, 400],
    [noJitter, 8, 0, 25_600],
    [noJitter, 9, 0, 30_000],
    [noJitter, 500, 0, 30_000],
    [noJitter, 10_000, 0.9, 30_000],
    [noJitter, -3, 0, 100],
    [noJitter, Number.NaN, 0, 100],
    [supervisionBackoff, 0, 0, 100],
    [supervisionBackoff, 0, 0.5, 90],
    [supervisionBackoff, 0, 0.999_999, 80],
    [supervisionBackoff, 20, 1, 24_000],
    [supervisionBackoff, 1, 7, 160],
    [supervisionBackoff, 1, -1, 200],
    [workQueueBackoff, 0, 0.7, 5],
    [workQueueBackoff, 1, 0, 10],
    [workQueueBackoff, 10, 0, 5_120],
    [workQueueBackoff, 30, 0, 1_000_000],
    [{ baseMs: 1000, maxMs: 60_000, factor: 1.5, jitter: 0 }, 2, 0, 2250],
  ])('%j attempt %d random %d → %d ms', (policy, attempt, random, expected) => {
    expect(backoffDelay(policy, attempt, random)).toBe(expected);
  });

  it('stays within [max·(1−jitter), max] once capped, and never exceeds the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, random, jitter) => {
          const policy = { ...supervisionBackoff, jitter };
          const delay = backoffDelay(policy, attempt, random);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(policy.maxMs);
          const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling * (1 - jitter)));
        },
      ),
    );
  });

  it('never shrinks as attempts grow, without jitter', () => {
    const delays = Array.from({ length: 40 }, (_, n) => backoffDelay(noJitter, n));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
  });
});

describe('backoffPolicy', () => {
  it('overrides only the fields given', () => {
    expect(backoffPolicy(supervisionBackoff, { maxMs: 5000 })).toEqual({
      ...supervisionBackoff,
      maxMs: 5000,
    });
    expect(backoffPolicy(workQueueBackoff)).toEqual(workQueueBackoff);
  });
});
