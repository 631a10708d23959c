import { describe, expect, it } from 'vitest';
import {
  decideRestart,
  defaultSupervisionPolicy,
  emptyHistory,
  type RestartHistory,
  type SupervisionPolicy,
  supervisionPolicy,
} from './supervision.js';

const policy: SupervisionPolicy = supervisionPolicy(defaultSupervisionPolicy, {
  maxRestarts: 3,
  windowMs: 10_000,
  stableAfterMs: 5_000,
  backoff: { jitter: 0 },
});

/** Feeds failures at the given times (each instance having run since `since`) and returns the verdicts. */
function replay(failures: ReadonlyArray<{ at: number; since?: number }>): string[] {
  let history: RestartHistory = emptyHistory;
  return failures.map(({ at, since }) => {
    const decision = decideRestart(history, { now: at, runningSince: since }, policy, 0);
    history = decision.history;
    return decision.type === 'restart' ? `restart#${decision.restarts} in ${decision.delayMs}` : 'escalate';
  });
}

describe('decideRestart', () => {
  it('restarts with doubling delays, then escalates past maxRestarts in the window', () => {
    expect(replay([{ at: 0 }, { at: 100 }, { at: 300 }, { at: 700 }])).toEqual([
      'restart#1 in 100',
      'restart#2 in 200',
      'restart#3 in 400',
      'escalate',
    ]);
  });

  it('forgets failures that left the window, but keeps growing the delay while unstable', () => {
    expect(replay([{ at: 0 }, { at: 4_000 }, { at: 8_000 }, { at: 12_000, since: 11_000 }])).toEqual([
      'restart#1 in 100',
      'restart#2 in 200',
      'restart#3 in 400',
      'restart#3 in 800',
    ]);
  });

  it('resets history after the instance ran for the stable period', () => {
    expect(replay([{ at: 0 }, { at: 100 }, { at: 300 }, { at: 5_400, since: 400 }])).toEqual([
      'restart#1 in 100',
      'restart#2 in 200',
      'restart#3 in 400',
      'restart#1 in 100',
    ]);
  });

  it('escalates on the first failure when maxRestarts is 0', () => {
    const strict = { ...policy, maxRestarts: 0 };
    expect(decideRestart(emptyHistory, { now: 0, runningSince: undefined }, strict, 0).type).toBe('escalate');
  });

  it('applies jitter from the draw it is given', () => {
    const jittery = supervisionPolicy(policy, { backoff: { jitter: 0.5 } });
    const decision = decideRestart(emptyHistory, { now: 0, runningSince: undefined }, jittery, 0.5);
    expect(decision).toMatchObject({ type: 'restart', delayMs: 75 });
  });
});

describe('supervisionPolicy', () => {
  it('merges backoff overrides field by field', () => {
    const merged = supervisionPolicy(defaultSupervisionPolicy, { backoff: { baseMs: 1 } });
    expect(merged.backoff).toEqual({ ...defaultSupervisionPolicy.backoff, baseMs: 1 });
    expect(merged.maxRestarts).toBe(defaultSupervisionPolicy.maxRestarts);
  });
});
