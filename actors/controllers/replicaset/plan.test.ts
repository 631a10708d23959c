import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../protocol/resources/pod.js';
import { makePod, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { BURST_REPLICAS, claimPods, comparePodsForDeletion, planReplicas, slowStartBatches } from './plan.js';

const rs = makeReplicaSet('web').replicas(3).obj();
const other = makeReplicaSet('other').obj();
const pod = (name: string) => makePod(name).labels({ app: 'web' });
const names = (pods: readonly Readonly<Pod>[]) => pods.map((p) => p.metadata.name);

describe('claimPods', () => {
  const owned = pod('owned').ownedBy(rs).obj();
  const orphan = pod('orphan').obj();
  const foreign = pod('foreign').ownedBy(other).obj();
  const strayed = makePod('strayed').labels({ app: 'api' }).ownedBy(rs).obj();
  const unrelated = makePod('unrelated').labels({ app: 'api' }).obj();
  const finished = pod('finished').ownedBy(rs).phase('Succeeded').obj();
  const terminating = pod('terminating').ownedBy(rs).deleting().obj();
  const elsewhere = pod('elsewhere').namespace('other').obj();
  const all = [owned, orphan, foreign, strayed, unrelated, finished, terminating, elsewhere];

  it.each([
    ['a live ReplicaSet', rs, { owned: ['owned', 'orphan'], adopt: ['orphan'], release: ['strayed'] }],
    [
      'a ReplicaSet being deleted adopts and releases nothing',
      makeReplicaSet('web').deleting().obj(),
      { owned: ['owned'], adopt: [], release: [] },
    ],
  ])('%s', (_, set, expected) => {
    const claims = claimPods(set, all);
    expect({
      owned: names(claims.owned),
      adopt: names(claims.adopt),
      release: names(claims.release),
    }).toEqual(expected);
  });
});

describe('planReplicas', () => {
  const pods = (n: number) => Array.from({ length: n }, (_, i) => pod(`p${i}`).ownedBy(rs).obj());
  it.each([
    [3, 0, { action: 'create', count: 3 }],
    [3, 3, { action: 'none' }],
    [1000, 0, { action: 'create', count: BURST_REPLICAS }],
  ])('replicas %i with %i pods → %o', (replicas, have, expected) => {
    expect(planReplicas(replicas, pods(have))).toEqual(expected);
  });

  it('deletes the surplus, cheapest first', () => {
    const plan = planReplicas(1, [
      pod('running').node('n1').ready().obj(),
      pod('pending').node('n1').phase('Pending').obj(),
      pod('unscheduled').obj(),
    ]);
    expect(plan.action === 'delete' && names(plan.pods)).toEqual(['unscheduled', 'pending']);
  });
});

describe('comparePodsForDeletion', () => {
  const ready = (name: string, at: string) =>
    pod(name)
      .node('n1')
      .ready()
      .withStatus({ conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] });
  it.each([
    ['unscheduled before scheduled', pod('a').obj(), pod('b').node('n1').obj()],
    [
      'Pending before Unknown',
      pod('a').node('n1').phase('Pending').obj(),
      pod('b').node('n1').phase('Unknown').obj(),
    ],
    [
      'Unknown before Running',
      pod('a').node('n1').phase('Unknown').obj(),
      pod('b').node('n1').phase('Running').obj(),
    ],
    ['not ready before ready', pod('a').node('n1').phase('Running').obj(), pod('b').node('n1').ready().obj()],
    [
      'ready more recently before ready for longer',
      ready('a', '2024-01-02T00:00:00Z').obj(),
      ready('b', '2024-01-01T00:00:00Z').obj(),
    ],
    [
      'more restarts before fewer',
      pod('a')
        .node('n1')
        .withStatus({
          phase: 'Running',
          containerStatuses: [{ name: 'main', ready: false, restartCount: 5, image: 'x' }],
        })
        .obj(),
      pod('b')
        .node('n1')
        .withStatus({
          phase: 'Running',
          containerStatuses: [{ name: 'main', ready: false, restartCount: 1, image: 'x' }],
        })
        .obj(),
    ],
    [
      'newer before older',
      pod('a').node('n1').phase('Running').createdAt('2024-02-01T00:00:00Z').obj(),
      pod('b').node('n1').phase('Running').createdAt('2024-01-01T00:00:00Z').obj(),
    ],
  ])('%s', (_, first, second) => {
    expect(comparePodsForDeletion(first, second)).toBeLessThan(0);
    expect(comparePodsForDeletion(second, first)).toBeGreaterThan(0);
  });
});

describe('slowStartBatches', () => {
  it.each([
    [0, []],
    [1, [1]],
    [3, [1, 2]],
    [10, [1, 2, 4, 3]],
    [16, [1, 2, 4, 8, 1]],
  ])('%i pods → %o', (count, batches) => {
    expect(slowStartBatches(count)).toEqual(batches);
  });
});

describe('properties', () => {
  const owners = [rs, other];
  /** A random pod: any owner (ours, another's, none), any labels, any lifecycle stage. */
  const arbPod = fc.record({
    owner: fc.constantFrom(0, 1, 2),
    app: fc.constantFrom('web', 'api'),
    node: fc.boolean(),
    phase: fc.constantFrom('Pending', 'Running', 'Unknown', 'Succeeded', 'Failed'),
    ready: fc.boolean(),
    terminating: fc.boolean(),
  });
  const arbPods = fc.array(arbPod, { maxLength: 40 }).map((specs) =>
    specs.map((p, i) => {
      let b = makePod(`p${i}`).labels({ app: p.app });
      const owner = owners[p.owner];
      if (owner) b = b.ownedBy(owner);
      // Only a scheduled pod can be ready (a kubelet reports readiness).
      if (p.node || p.ready) b = b.node('n1');
      b = p.ready ? b.ready() : b.phase(p.phase as 'Pending');
      if (p.terminating) b = b.deleting();
      return b.obj();
    }),
  );

  it('after the plan, active pods equal replicas (within one burst)', () => {
    fc.assert(
      fc.property(arbPods, fc.nat({ max: 60 }), (pods, replicas) => {
        const { owned } = claimPods(rs, pods);
        const plan = planReplicas(replicas, owned);
        const after =
          plan.action === 'create'
            ? owned.length + plan.count
            : plan.action === 'delete'
              ? owned.length - plan.pods.length
              : owned.length;
        expect(after).toBe(replicas);
      }),
    );
  });

  it('a plan never deletes a pod it does not own, nor one already going', () => {
    fc.assert(
      fc.property(arbPods, fc.nat({ max: 10 }), (pods, replicas) => {
        const { owned } = claimPods(rs, pods);
        const plan = planReplicas(replicas, owned);
        if (plan.action !== 'delete') return;
        for (const victim of plan.pods) {
          const ref = victim.metadata.ownerReferences?.find((r) => r.controller);
          const adoptable = !ref && victim.metadata.labels?.app === 'web';
          expect(ref?.uid === rs.metadata.uid || adoptable).toBe(true);
          expect(victim.metadata.deletionTimestamp).toBeUndefined();
          expect(['Succeeded', 'Failed']).not.toContain(victim.status?.phase);
        }
      }),
    );
  });

  it('deletes ready pods only when no pod that is not ready is left to delete', () => {
    fc.assert(
      fc.property(arbPods, fc.nat({ max: 10 }), (pods, replicas) => {
        const { owned } = claimPods(rs, pods);
        const plan = planReplicas(replicas, owned);
        if (plan.action !== 'delete') return;
        const isReady = (p: Readonly<Pod>) =>
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        const kept = owned.filter((p) => !plan.pods.includes(p));
        if (plan.pods.some(isReady)) expect(kept.every(isReady)).toBe(true);
      }),
    );
  });
});
