import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Toleration } from '../../../protocol/resources/scheduling.js';
import { HeartbeatTracker } from './heartbeats.js';
import {
  type NodeHealthInput,
  planEviction,
  planNodeAction,
  planNodeHealth,
  UNREACHABLE_TAINT_KEY,
} from './plan.js';

const GRACE = 40_000;
const T0 = 1_000_000;

/** A node heard `ago` ms before `now` (undefined: never heard), first seen at T0. */
function node(name: string, heardAt?: number): NodeHealthInput {
  return { name, firstSeenAt: T0, ...(heardAt !== undefined ? { heardAt } : {}) };
}

describe('planNodeHealth', () => {
  it.each([
    {
      case: 'a node heard within the grace period is Healthy',
      now: T0 + 100_000,
      nodes: [node('a', T0 + 99_000), node('b', T0 + 99_000), node('c', T0 + 70_000)],
      verdicts: { a: 'Healthy', b: 'Healthy', c: 'Healthy' },
      disruption: undefined,
    },
    {
      case: 'silent for the grace period exactly: Unreachable',
      now: T0 + 100_000,
      nodes: [node('a', T0 + 99_000), node('b', T0 + 99_000), node('c', T0 + 60_000)],
      verdicts: { a: 'Healthy', b: 'Healthy', c: 'Unreachable' },
      disruption: undefined,
    },
    {
      case: 'never heard: the grace period counts from the baseline (the controller start)',
      now: T0 + 30_000,
      nodes: [node('a', T0 + 29_000), node('b', T0 + 29_000), node('never')],
      verdicts: { a: 'Healthy', b: 'Healthy', never: 'Healthy' },
      disruption: undefined,
    },
    {
      case: 'never heard for a whole grace period after the start: Unreachable',
      now: T0 + 45_000,
      nodes: [node('a', T0 + 44_000), node('b', T0 + 44_000), node('never')],
      verdicts: { a: 'Healthy', b: 'Healthy', never: 'Unreachable' },
      disruption: undefined,
    },
    {
      case: 'more than 55% unreachable at once: the guard holds',
      now: T0 + 100_000,
      nodes: [node('a', T0 + 99_000), node('b', T0 + 50_000), node('c', T0 + 50_000)],
      verdicts: { a: 'Healthy', b: 'Unreachable', c: 'Unreachable' },
      disruption: 'MostNodesUnreachable',
    },
    {
      case: 'half unreachable is not more than 55%',
      now: T0 + 100_000,
      nodes: [node('a', T0 + 99_000), node('b', T0 + 50_000)],
      verdicts: { a: 'Healthy', b: 'Unreachable' },
      disruption: undefined,
    },
  ])('$case', ({ now, nodes, verdicts, disruption }) => {
    const lastHeardAnyAt = Math.max(...nodes.map((n) => n.heardAt ?? 0));
    const plan = planNodeHealth({
      now,
      gracePeriodMs: GRACE,
      baselineAt: T0,
      lastHeardAnyAt,
      unhealthyThreshold: 0.55,
      nodes,
    });
    expect(Object.fromEntries(plan.verdicts)).toEqual(verdicts);
    expect(plan.disruption).toBe(disruption);
  });

  it('holds when the controller itself heard nothing for the grace period (its own outage)', () => {
    const plan = planNodeHealth({
      now: T0 + 100_000,
      gracePeriodMs: GRACE,
      baselineAt: T0,
      lastHeardAnyAt: T0 + 59_000,
      unhealthyThreshold: 1, // the fraction alone would not hold
      nodes: [node('a', T0 + 59_000), node('b', T0 + 59_000)],
    });
    expect(plan.disruption).toBe('OwnOutage');
  });

  it('property: with the guard off, a node is Unreachable exactly when silent for the grace period', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: 0, max: 200_000 })), { minLength: 1, maxLength: 20 }),
        (heard) => {
          const now = T0 + 200_000;
          const nodes = heard.map((h, i) => node(`n${i}`, h === null ? undefined : T0 + h));
          const plan = planNodeHealth({
            now,
            gracePeriodMs: GRACE,
            baselineAt: T0,
            lastHeardAnyAt: now,
            unhealthyThreshold: 1,
            nodes,
          });
          for (const n of nodes) {
            const since = Math.max(n.heardAt ?? T0, T0);
            expect(plan.verdicts.get(n.name)).toBe(now - since >= GRACE ? 'Unreachable' : 'Healthy');
          }
        },
      ),
    );
  });

  it('property: when the guard holds, no node is marked (a node heard again may still be untainted)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (heard, threshold, tainted) => {
          const now = T0 + 200_000;
          const nodes = heard.map((h, i) => node(`n${i}`, T0 + h));
          const plan = planNodeHealth({
            now,
            gracePeriodMs: GRACE,
            baselineAt: T0,
            lastHeardAnyAt: Math.max(...nodes.map((n) => n.heardAt ?? 0)),
            unhealthyThreshold: threshold,
            nodes,
          });
          if (!plan.disruption) return;
          for (const n of nodes) {
            const action = planNodeAction(plan, n.name, tainted);
            expect(action === 'Taint' || action === 'KeepTainted').toBe(false);
          }
        },
      ),
    );
  });
});

describe('planNodeAction', () => {
  const plan = planNodeHealth({
    now: T0 + 100_000,
    gracePeriodMs: GRACE,
    baselineAt: T0,
    lastHeardAnyAt: T0 + 99_000,
    unhealthyThreshold: 0.55,
    nodes: [node('up', T0 + 99_000), node('up2', T0 + 99_000), node('down', T0 + 10_000)],
  });
  it.each([
    ['down', false, 'Taint'],
    ['down', true, 'KeepTainted'],
    ['up', true, 'Untaint'],
    ['up', false, 'None'],
    ['unknown-node', true, 'None'],
  ] as const)('%s (tainted: %s) → %s', (name, tainted, action) => {
    expect(planNodeAction(plan, name, tainted)).toBe(action);
  });
});

it('under the guard, marks nothing but still untaints a node heard again', () => {
  const plan = planNodeHealth({
    now: T0 + 100_000,
    gracePeriodMs: GRACE,
    baselineAt: T0,
    lastHeardAnyAt: T0 + 99_000,
    unhealthyThreshold: 0.55,
    nodes: [node('back', T0 + 99_000), node('down1', T0 + 10_000), node('down2', T0 + 10_000)],
  });
  expect(plan.disruption).toBe('MostNodesUnreachable');
  expect(planNodeAction(plan, 'back', true)).toBe('Untaint');
  expect(planNodeAction(plan, 'down1', false)).toBe('None');
  expect(planNodeAction(plan, 'down2', true)).toBe('None');
});

describe('planEviction', () => {
  const tol = (t: Partial<Toleration>): Toleration => ({ operator: 'Equal', ...t }) as Toleration;
  it.each([
    {
      case: 'no toleration: the default (300 s)',
      tolerations: undefined,
      after: 299_000,
      plan: { kind: 'Wait', ms: 1_000 },
    },
    {
      case: 'no toleration, default elapsed',
      tolerations: undefined,
      after: 300_000,
      plan: { kind: 'Evict' },
    },
    {
      case: 'a matching toleration with seconds',
      tolerations: [
        tol({ key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }),
      ],
      after: 10_000,
      plan: { kind: 'Evict' },
    },
    {
      case: 'tolerated forever (no seconds)',
      tolerations: [tol({ key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute' })],
      after: 10_000_000,
      plan: { kind: 'Stay' },
    },
    {
      case: 'the catch-all toleration (empty key, Exists) is forever',
      tolerations: [tol({ operator: 'Exists' })],
      after: 10_000_000,
      plan: { kind: 'Stay' },
    },
    {
      case: 'a toleration of another taint does not count',
      tolerations: [tol({ key: 'other', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 })],
      after: 5_000,
      plan: { kind: 'Wait', ms: 295_000 },
    },
    {
      case: 'a NoSchedule toleration of the key does not count',
      tolerations: [tol({ key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' })],
      after: 5_000,
      plan: { kind: 'Wait', ms: 295_000 },
    },
    {
      case: 'several matching: the shortest',
      tolerations: [
        tol({ key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }),
        tol({ key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 20 }),
      ],
      after: 5_000,
      plan: { kind: 'Wait', ms: 15_000 },
    },
  ])('$case', ({ tolerations, after, plan }) => {
    expect(
      planEviction({ now: T0 + after, taintedAt: T0, tolerations, defaultTolerationSeconds: 300 }),
    ).toEqual(plan);
  });

  it('property: a pod is never evicted before its toleration ends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        (seconds, after) => {
          const plan = planEviction({
            now: T0 + after,
            taintedAt: T0,
            tolerations: [
              tol({
                key: UNREACHABLE_TAINT_KEY,
                operator: 'Exists',
                effect: 'NoExecute',
                tolerationSeconds: seconds,
              }),
            ],
            defaultTolerationSeconds: 300,
          });
          expect(plan.kind === 'Evict').toBe(after >= seconds * 1000);
        },
      ),
    );
  });
});

describe('HeartbeatTracker', () => {
  it('forgives the silence of its own outage: the first heartbeat after it resets the baseline', () => {
    const tracker = new HeartbeatTracker(T0, GRACE);
    tracker.heard('a', T0 + 1_000);
    tracker.heard('b', T0 + 1_000);
    tracker.heard('c', T0 + 1_000);
    // Nothing heard for 100 s (the manager's bus was down); then only `a` speaks first.
    tracker.heard('a', T0 + 101_000);
    const plan = planNodeHealth(
      tracker.planInput(['a', 'b', 'c'], T0 + 102_000, { unhealthyThreshold: 0.55 }),
    );
    expect(plan.disruption).toBeUndefined();
    expect(Object.fromEntries(plan.verdicts)).toEqual({ a: 'Healthy', b: 'Healthy', c: 'Healthy' });
    const later = planNodeHealth(tracker.planInput(['a', 'b', 'c'], T0 + 141_000, { unhealthyThreshold: 1 }));
    expect(later.verdicts.get('b')).toBe('Unreachable');
  });

  it('counts a node first seen after the start from when it was seen', () => {
    const tracker = new HeartbeatTracker(T0, GRACE);
    tracker.heard('a', T0 + 50_000);
    tracker.saw('late', T0 + 30_000);
    const plan = planNodeHealth(tracker.planInput(['a', 'late'], T0 + 60_000, { unhealthyThreshold: 1 }));
    expect(plan.verdicts.get('late')).toBe('Healthy');
  });
});
