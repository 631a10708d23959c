import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeDeployment, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { canonicalJson, computeHash, equalIgnoringHash } from './hash.js';
import {
  boundsOf,
  isScalingEvent,
  newReplicaSetAnnotations,
  planHistoryCleanup,
  planRollingStep,
  planScale,
  type RolloutBounds,
  type RsCounts,
  resolveFenceposts,
} from './plan.js';

const rs = (name: string, fields: Partial<RsCounts> = {}): RsCounts => ({
  name,
  replicas: 0,
  statusReplicas: 0,
  availableReplicas: 0,
  created: 0,
  ...fields,
});
/** An RS whose status has caught up: `n` pods, `available` of them available. */
const settled = (name: string, n: number, available = n, created = 0) =>
  rs(name, { replicas: n, statusReplicas: n, availableReplicas: available, created });

describe('resolveFenceposts', () => {
  it.each([
    ['25%', '25%', 10, 3, 2],
    ['10%', '10%', 100, 10, 10],
    ['10%', '10%', 5, 1, 0],
    [0, 0, 10, 0, 1],
    ['0%', '0%', 10, 0, 1],
    [2, '50%', 3, 2, 1],
    ['1%', 0, 1, 1, 0],
  ])(
    'maxSurge %s, maxUnavailable %s of %i → surge %i, unavailable %i',
    (surge, unavailable, replicas, s, u) => {
      expect(resolveFenceposts(surge, unavailable, replicas)).toEqual({ maxSurge: s, maxUnavailable: u });
    },
  );

  it('Recreate surges nothing and tolerates no unavailability', () => {
    expect(boundsOf(makeDeployment().replicas(4).recreate().obj())).toEqual({
      replicas: 4,
      maxSurge: 0,
      maxUnavailable: 0,
    });
  });
});

describe('planRollingStep', () => {
  const bounds: RolloutBounds = { replicas: 10, maxSurge: 1, maxUnavailable: 1 };
  it.each<[string, RsCounts, RsCounts[], { name: string; replicas: number }[]]>([
    [
      'a new ReplicaSet grows by the surge',
      settled('new', 0),
      [settled('old', 10)],
      [{ name: 'new', replicas: 1 }],
    ],
    [
      'no growth past replicas + maxSurge',
      settled('new', 1, 0),
      [settled('old', 10)],
      [{ name: 'old', replicas: 9 }],
    ],
    [
      'no growth while an old ReplicaSet still reports the pods it is losing',
      settled('new', 1, 1),
      [rs('old', { replicas: 8, statusReplicas: 10, availableReplicas: 10 })],
      [],
    ],
    [
      'an old ReplicaSet just scaled down is relied on only for what it is asked to keep',
      settled('new', 1, 1),
      [rs('old', { replicas: 9, statusReplicas: 10, availableReplicas: 10 })],
      [{ name: 'old', replicas: 8 }],
    ],
    [
      'old pods are removed only as far as availability allows',
      settled('new', 2, 0),
      [settled('old', 9)],
      [],
    ],
    [
      'unhealthy old replicas go first',
      settled('new', 3, 3),
      [settled('old-1', 2, 0, 1), settled('old-2', 6, 6, 2)],
      [{ name: 'old-1', replicas: 0 }],
    ],
    [
      'then available ones, down to the minimum',
      settled('new', 3, 3),
      [settled('old-1', 1, 0, 1), settled('old-2', 7, 7, 2)],
      [
        { name: 'old-1', replicas: 0 },
        { name: 'old-2', replicas: 6 },
      ],
    ],
    [
      'a new ReplicaSet above replicas shrinks to replicas',
      settled('new', 12),
      [],
      [{ name: 'new', replicas: 10 }],
    ],
    ['done: nothing to do', settled('new', 10), [settled('old', 0, 0)], []],
  ])('%s', (_, newRS, old, expected) => {
    expect(planRollingStep(bounds, newRS, old)).toEqual(expected);
  });
});

describe('planScale', () => {
  const bounds: RolloutBounds = { replicas: 12, maxSurge: 3, maxUnavailable: 3 };
  it('gives the whole count to the only active ReplicaSet', () => {
    expect(planScale(bounds, true, settled('new', 10), [settled('old', 0)])).toEqual([
      { name: 'new', replicas: 12 },
    ]);
  });

  it('zeroes old ReplicaSets once the new one is saturated', () => {
    const saturated = rs('new', {
      replicas: 12,
      statusReplicas: 12,
      availableReplicas: 12,
      desiredReplicas: 12,
    });
    expect(planScale(bounds, true, saturated, [settled('old', 2)])).toEqual([{ name: 'old', replicas: 0 }]);
  });

  it('spreads a resize over the active ReplicaSets in proportion, leftovers to the largest', () => {
    // Was 10 replicas + 3 surge = 13 (6 new + 7 old); now 12 + 3 = 15.
    const changes = planScale(
      { replicas: 12, maxSurge: 3, maxUnavailable: 3 },
      true,
      rs('new', { replicas: 6, maxReplicas: 13, created: 2 }),
      [rs('old', { replicas: 7, maxReplicas: 13, created: 1 })],
    );
    expect(changes).toEqual([
      { name: 'old', replicas: 8 },
      { name: 'new', replicas: 7 },
    ]);
  });

  it('never hands out more than the resize when spreading', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 0, max: 100 }),
        (sizes, replicas) => {
          const all = sizes.map((n, i) =>
            rs(`rs-${i}`, { replicas: n, maxReplicas: sizes.reduce((a, b) => a + b), created: i }),
          );
          const [newRS, ...old] = all as [RsCounts, ...RsCounts[]];
          const b = { replicas, maxSurge: 0, maxUnavailable: 0 };
          const changes = planScale(b, true, newRS, old);
          const after = all.map((r) => changes.find((c) => c.name === r.name)?.replicas ?? r.replicas);
          expect(after.every((n) => n >= 0)).toBe(true);
          expect(after.reduce((a, n) => a + n, 0)).toBe(replicas);
        },
      ),
    );
  });
});

describe('isScalingEvent', () => {
  it.each([
    [[rs('a', { replicas: 3, desiredReplicas: 3 })], 3, false],
    [[rs('a', { replicas: 3, desiredReplicas: 3 })], 5, true],
    [[rs('a', { replicas: 0, desiredReplicas: 3 })], 5, false],
    [[rs('a', { replicas: 3 })], 5, false],
  ])('%o at %i replicas → %s', (all, replicas, expected) => {
    expect(isScalingEvent(replicas, all)).toBe(expected);
  });
});

describe('planHistoryCleanup', () => {
  const old = (name: string, revision: number, replicas = 0) =>
    makeReplicaSet(name)
      .replicas(replicas)
      .annotations({ 'deployment.kubernetes.io/revision': String(revision) })
      .generation(1)
      .withStatus({ replicas, observedGeneration: 1 })
      .obj();
  it.each([
    [2, ['r3', 'r1', 'r2', 'r4'], ['r1', 'r2']],
    [10, ['r1', 'r2'], []],
    [0, ['r1'], ['r1']],
  ])('limit %i over %o deletes %o', (limit, names, expected) => {
    const rss = names.map((n) => old(n, Number(n.slice(1))));
    expect(planHistoryCleanup(limit, rss).map((r) => r.metadata.name)).toEqual(expected);
  });

  it('keeps an old ReplicaSet that still has replicas, or whose status lags', () => {
    const busy = old('r1', 1, 2);
    const lagging = makeReplicaSet('r2')
      .replicas(0)
      .generation(3)
      .withStatus({ replicas: 0, observedGeneration: 2 })
      .obj();
    expect(planHistoryCleanup(0, [busy, lagging])).toEqual([]);
  });
});

describe('newReplicaSetAnnotations', () => {
  const d = makeDeployment('web')
    .replicas(4)
    .annotations({ 'kubernetes.io/change-cause': 'v2', 'deployment.kubernetes.io/revision': '7' })
    .obj();
  const bounds = boundsOf(d);
  it('copies the change cause, raises the revision, and sets replica annotations on creation', () => {
    expect(newReplicaSetAnnotations(d, {}, 3, bounds, true)).toEqual({
      annotations: {
        'kubernetes.io/change-cause': 'v2',
        'deployment.kubernetes.io/revision': '3',
        'deployment.kubernetes.io/desired-replicas': '4',
        'deployment.kubernetes.io/max-replicas': '5',
      },
      changed: true,
    });
  });
  it('never lowers a revision', () => {
    const current = { 'kubernetes.io/change-cause': 'v2', 'deployment.kubernetes.io/revision': '5' };
    expect(newReplicaSetAnnotations(d, current, 3, bounds, false)).toEqual({
      annotations: current,
      changed: false,
    });
  });
});

describe('computeHash', () => {
  const template = makeDeployment('web').obj().spec.template;
  it('is stable, safe for names, and changes with the template and the collision count', () => {
    const hash = computeHash(template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(computeHash(structuredClone(template))).toBe(hash);
    expect(computeHash(makeDeployment('web').image('other').obj().spec.template)).not.toBe(hash);
    expect(computeHash(template, 1)).not.toBe(hash);
  });
  it('ignores key order, and templates compare equal but for the hash label', () => {
    const reordered = JSON.parse(canonicalJson(template));
    expect(computeHash(reordered)).toBe(computeHash(template));
    const labelled = {
      ...template,
      metadata: { ...template.metadata, labels: { ...template.metadata.labels, 'pod-template-hash': 'x' } },
    };
    expect(equalIgnoringHash(labelled, template)).toBe(true);
  });
});

/**
 * A model of a rollout: the Deployment controller's steps interleaved at random with the ReplicaSet
 * controllers (each sync creates or deletes pods, unavailable first, and reports) and pods becoming
 * ready. Whatever the order, the pods never exceed replicas + maxSurge nor the available ones fall
 * below replicas - maxUnavailable; and once everything runs to completion, the new ReplicaSet has
 * them all.
 */
describe('rolling update, modelled', () => {
  interface SimRs {
    spec: number;
    ready: number;
    notReady: number;
    reported: { replicas: number; available: number };
    created: number;
  }
  const counts = (name: string, r: SimRs): RsCounts =>
    rs(name, {
      replicas: r.spec,
      statusReplicas: r.reported.replicas,
      availableReplicas: r.reported.available,
      created: r.created,
    });

  type Move = { kind: 'step' } | { kind: 'sync'; rs: number } | { kind: 'ready'; rs: number };
  const move: fc.Arbitrary<Move> = fc.oneof(
    fc.constant({ kind: 'step' } as const),
    fc.record({ kind: fc.constant('sync' as const), rs: fc.nat({ max: 2 }) }),
    fc.record({ kind: fc.constant('ready' as const), rs: fc.nat({ max: 2 }) }),
  );

  it('stays within the bounds at every moment and completes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('10%', '25%', '50%')),
        fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('10%', '25%', '50%')),
        fc.array(move, { maxLength: 300 }),
        (replicas, maxSurge, maxUnavailable, moves) => {
          const fence = resolveFenceposts(maxSurge, maxUnavailable, replicas);
          const bounds: RolloutBounds = {
            replicas,
            ...fence,
            maxUnavailable: Math.min(fence.maxUnavailable, replicas),
          };
          // Two old ReplicaSets (one fully scaled down) and the new one, as after two template changes.
          const sets: SimRs[] = [
            { spec: 0, ready: 0, notReady: 0, reported: { replicas: 0, available: 0 }, created: 1 },
            {
              spec: replicas,
              ready: replicas,
              notReady: 0,
              reported: { replicas, available: replicas },
              created: 2,
            },
            { spec: 0, ready: 0, notReady: 0, reported: { replicas: 0, available: 0 }, created: 3 },
          ];
          const check = () => {
            const pods = sets.reduce((n, s) => n + s.ready + s.notReady, 0);
            const available = sets.reduce((n, s) => n + s.ready, 0);
            expect(pods).toBeLessThanOrEqual(replicas + bounds.maxSurge);
            expect(available).toBeGreaterThanOrEqual(replicas - bounds.maxUnavailable);
          };
          const apply = (m: Move) => {
            if (m.kind === 'step') {
              const [o1, o2, n] = sets as [SimRs, SimRs, SimRs];
              const changes = planRollingStep(bounds, counts('n', n), [counts('o1', o1), counts('o2', o2)]);
              for (const c of changes) ({ o1, o2, n })[c.name as 'o1' | 'o2' | 'n'].spec = c.replicas;
            } else {
              const s = sets[m.rs] as SimRs;
              if (m.kind === 'ready') {
                if (s.notReady > 0) {
                  s.notReady--;
                  s.ready++;
                }
                return;
              }
              // The ReplicaSet controller: delete surplus (not ready first) or create, then report.
              let surplus = s.ready + s.notReady - s.spec;
              const dropNotReady = Math.min(Math.max(surplus, 0), s.notReady);
              s.notReady -= dropNotReady;
              surplus -= dropNotReady;
              if (surplus > 0) s.ready -= surplus;
              else if (surplus < 0) s.notReady += -surplus;
              s.reported = { replicas: s.ready + s.notReady, available: s.ready };
            }
          };
          check();
          for (const m of moves) {
            apply(m);
            check();
          }
          // Then run fairly until nothing moves: the rollout must complete.
          for (let round = 0; round < 10 * (replicas + 10); round++) {
            for (const m of [
              { kind: 'step' } as Move,
              ...[0, 1, 2].flatMap((i) => [
                { kind: 'sync', rs: i } as Move,
                { kind: 'ready', rs: i } as Move,
              ]),
            ]) {
              apply(m);
              check();
            }
          }
          expect(sets.map((s) => [s.spec, s.ready])).toEqual([
            [0, 0],
            [0, 0],
            [replicas, replicas],
          ]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
