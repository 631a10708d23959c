import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DaemonSet, DaemonSetSchema } from '../../../protocol/resources/daemonset.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { Taint } from '../../../protocol/resources/scheduling.js';
import { nodeShouldRunDaemonPod, REASON_NODE_SELECTOR, REASON_UNTOLERATED_TAINT } from './eligibility.js';
import {
  type DaemonSetWorld,
  planDaemonSet,
  podsToAdopt,
  REVISION_HASH_LABEL,
  templateHash,
} from './plan.js';
import { calculateDaemonSetStatus } from './status.js';

const NOW = Date.UTC(2026, 0, 1, 12);

function makeDs(spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): DaemonSet {
  return DaemonSetSchema.parse({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ds', namespace: 'default', uid: 'ds-uid', generation: 3 },
    spec: {
      selector: { matchLabels: { app: 'd' } },
      template: {
        metadata: { labels: { app: 'd' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }], ...podSpec },
      },
      ...spec,
    },
  });
}

/** A node builder: `node('n1').labels({...}).taint(...).obj()`. */
function node(name: string) {
  const n: { labels: Record<string, string>; taints: Taint[] } = { labels: {}, taints: [] };
  const builder = {
    labels(l: Record<string, string>) {
      Object.assign(n.labels, l);
      return builder;
    },
    taint(key: string, effect: Taint['effect'], value?: string) {
      n.taints.push({ key, effect, ...(value ? { value } : {}) });
      return builder;
    },
    obj(): Node {
      return {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: n.labels },
        spec: { taints: n.taints },
      } as unknown as Node;
    },
  };
  return builder;
}

let seq = 0;
/** A daemon pod on `nodeName`, of template `hash`, ready or not. */
function pod(nodeName: string, hash: string, opts: { ready?: boolean; phase?: string } = {}): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `p${seq}`,
      namespace: 'default',
      uid: `u${seq}`,
      creationTimestamp: new Date(NOW - 100_000 + seq * 1000).toISOString(),
      labels: { app: 'd', [REVISION_HASH_LABEL]: hash },
    },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  } as unknown as Pod;
}

const world = (ds: DaemonSet, nodes: Node[], pods: Pod[]): DaemonSetWorld => ({ ds, nodes, pods, now: NOW });
const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata.name).sort();

describe('nodeShouldRunDaemonPod', () => {
  it.each([
    ['a plain node', node('n').obj(), {}, true, true, undefined],
    [
      'a matching nodeSelector',
      node('n').labels({ disk: 'ssd' }).obj(),
      { nodeSelector: { disk: 'ssd' } },
      true,
      true,
      undefined,
    ],
    [
      'a mismatching nodeSelector',
      node('n').obj(),
      { nodeSelector: { disk: 'ssd' } },
      false,
      false,
      REASON_NODE_SELECTOR,
    ],
    [
      'an untolerated NoSchedule taint',
      node('n').taint('dedicated', 'NoSchedule').obj(),
      {},
      false,
      true,
      REASON_UNTOLERATED_TAINT,
    ],
    [
      'an untolerated NoExecute taint',
      node('n').taint('dedicated', 'NoExecute').obj(),
      {},
      false,
      false,
      REASON_UNTOLERATED_TAINT,
    ],
    [
      'a PreferNoSchedule taint',
      node('n').taint('dedicated', 'PreferNoSchedule').obj(),
      {},
      true,
      true,
      undefined,
    ],
    [
      'a tolerated taint',
      node('n').taint('dedicated', 'NoSchedule', 'x').obj(),
      { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' }] },
      true,
      true,
      undefined,
    ],
    [
      'not-ready (default toleration)',
      node('n').taint('node.kubernetes.io/not-ready', 'NoExecute').obj(),
      {},
      true,
      true,
      undefined,
    ],
    [
      'unreachable (default toleration)',
      node('n').taint('node.kubernetes.io/unreachable', 'NoExecute').obj(),
      {},
      true,
      true,
      undefined,
    ],
    [
      'cordoned (default toleration)',
      node('n').taint('node.kubernetes.io/unschedulable', 'NoSchedule').obj(),
      {},
      true,
      true,
      undefined,
    ],
    [
      'a required affinity term that matches',
      node('n').labels({ zone: 'a' }).obj(),
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
              ],
            },
          },
        },
      },
      true,
      true,
      undefined,
    ],
    [
      'a required affinity term that does not',
      node('n').labels({ zone: 'c' }).obj(),
      {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
              ],
            },
          },
        },
      },
      false,
      false,
      REASON_NODE_SELECTOR,
    ],
  ] as const)('%s', (_, n, podSpec, shouldRun, shouldContinueRunning, reason) => {
    const ds = makeDs({}, podSpec as Record<string, unknown>);
    expect(nodeShouldRunDaemonPod(n, ds.spec.template.spec)).toEqual({
      shouldRun,
      shouldContinueRunning,
      ...(reason ? { reason } : {}),
    });
  });
});

describe('planDaemonSet', () => {
  const ds = makeDs();
  const hash = templateHash(ds.spec.template);

  it('creates one pod per eligible node, none on a tainted one', () => {
    const nodes = [
      node('a').obj(),
      node('b').obj(),
      node('c').obj(),
      node('t').taint('x', 'NoSchedule').obj(),
    ];
    expect(planDaemonSet(world(ds, nodes, []))).toEqual({ create: ['a', 'b', 'c'], delete: [] });
  });

  it('deletes pods on nodes that vanished, on ineligible nodes, failed pods and duplicates', () => {
    const stray = pod('gone', hash);
    const evicted = pod('t', hash);
    const failed = pod('a', hash, { phase: 'Failed' });
    const first = pod('b', hash);
    const dup = pod('b', hash);
    const nodes = [node('a').obj(), node('b').obj(), node('t').taint('x', 'NoExecute').obj()];
    const plan = planDaemonSet(world(ds, nodes, [stray, evicted, failed, first, dup]));
    expect(names(plan.delete)).toEqual(names([stray, evicted, failed, dup]));
    expect(plan.create).toEqual([]);
  });

  it('leaves a pod on a node tainted NoSchedule after it started', () => {
    const p = pod('t', hash);
    expect(planDaemonSet(world(ds, [node('t').taint('x', 'NoSchedule').obj()], [p]))).toEqual({
      create: [],
      delete: [],
    });
  });

  it('rolls old pods maxUnavailable at a time, unavailable old pods at once', () => {
    const rolling = makeDs({
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } },
    });
    const nodes = ['a', 'b', 'c', 'd'].map((n) => node(n).obj());
    const old = nodes.map((n) => pod(n.metadata.name as string, 'old'));
    let plan = planDaemonSet(world(rolling, nodes, old));
    expect(plan.delete).toHaveLength(2);
    // One new pod not ready yet: only one more old pod may go.
    const fresh = pod('a', templateHash(rolling.spec.template), { ready: false });
    plan = planDaemonSet(world(rolling, nodes, [fresh, ...old.slice(1)]));
    expect(plan.delete).toHaveLength(1);
    // An old pod that is not ready goes whatever the budget.
    const sick = pod('b', 'old', { ready: false });
    plan = planDaemonSet(world(rolling, nodes, [fresh, sick, old[2] as Pod, old[3] as Pod]));
    expect(plan.delete).toContain(sick);
  });

  it('surges: a new pod beside the old, the old goes once the new is available', () => {
    const surge = makeDs({
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    });
    const h = templateHash(surge.spec.template);
    const nodes = [node('a').obj(), node('b').obj()];
    const old = [pod('a', 'old'), pod('b', 'old')];
    expect(planDaemonSet(world(surge, nodes, old))).toEqual({ create: ['a'], delete: [] });
    const notYet = pod('a', h, { ready: false });
    expect(planDaemonSet(world(surge, nodes, [...old, notYet]))).toEqual({ create: [], delete: [] });
    const ready = pod('a', h);
    expect(planDaemonSet(world(surge, nodes, [...old, ready]))).toEqual({ create: ['b'], delete: [old[0]] });
  });

  it('OnDelete leaves old pods alone, and still keeps one pod per node', () => {
    const onDelete = makeDs({ updateStrategy: { type: 'OnDelete' } });
    const nodes = [node('a').obj()];
    expect(planDaemonSet(world(onDelete, nodes, [pod('a', 'old')]))).toEqual({ create: [], delete: [] });
    const first = pod('a', 'old');
    const second = pod('a', templateHash(onDelete.spec.template));
    expect(planDaemonSet(world(onDelete, nodes, [first, second]))).toEqual({ create: [], delete: [second] });
  });

  it('after the plan, exactly one pod runs per eligible node and none elsewhere (property)', () => {
    const nodeArb = fc.record({
      selected: fc.boolean(),
      taint: fc.constantFrom<Taint['effect'] | undefined>(
        undefined,
        'NoSchedule',
        'NoExecute',
        'PreferNoSchedule',
      ),
      pods: fc.array(fc.record({ old: fc.boolean(), ready: fc.boolean(), failed: fc.boolean() }), {
        maxLength: 3,
      }),
    });
    const strategyArb = fc.oneof(
      fc.integer({ min: 1, max: 3 }).map((maxUnavailable) => ({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable },
      })),
      fc.integer({ min: 1, max: 3 }).map((maxSurge) => ({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 0, maxSurge },
      })),
      fc.constant({ type: 'OnDelete' }),
    );
    fc.assert(
      fc.property(fc.array(nodeArb, { maxLength: 8 }), strategyArb, (drawn, updateStrategy) => {
        const d = makeDs({ updateStrategy }, { nodeSelector: { daemon: 'yes' } });
        const onDelete = updateStrategy.type === 'OnDelete';
        const h = templateHash(d.spec.template);
        const nodes: Node[] = [];
        const pods: Pod[] = [];
        drawn.forEach((n, i) => {
          const b = node(`n${i}`);
          if (n.selected) b.labels({ daemon: 'yes' });
          if (n.taint) b.taint('x', n.taint);
          nodes.push(b.obj());
          for (const p of n.pods) {
            pods.push(
              pod(`n${i}`, p.old ? 'old' : h, { ready: p.ready, ...(p.failed ? { phase: 'Failed' } : {}) }),
            );
          }
        });
        // Apply the plan, then keep planning (as the syncs would) until it has nothing to do, with
        // every new pod becoming ready; a few rounds always suffice.
        let current = pods;
        let counter = 0;
        for (let round = 0; round < 60; round++) {
          const plan = planDaemonSet(world(d, nodes, current));
          if (plan.create.length === 0 && plan.delete.length === 0) break;
          current = current.filter((p) => !plan.delete.includes(p));
          for (const n of plan.create) {
            counter++;
            current.push({
              ...pod(n, h),
              metadata: { ...pod(n, h).metadata, name: `new${counter}` },
            } as Pod);
          }
        }
        expect(planDaemonSet(world(d, nodes, current))).toEqual({ create: [], delete: [] });
        // A new pod that never becomes ready holds the rollout (that is what maxUnavailable is for).
        const stuck = drawn.some(
          (n) =>
            n.selected &&
            n.taint !== 'NoSchedule' &&
            n.taint !== 'NoExecute' &&
            n.pods.some((p) => !p.old && !p.ready && !p.failed),
        );
        drawn.forEach((n, i) => {
          const on = current.filter((p) => p.spec.nodeName === `n${i}`);
          const eligible = n.selected && n.taint !== 'NoSchedule' && n.taint !== 'NoExecute';
          const surging =
            updateStrategy.type === 'RollingUpdate' && 'maxSurge' in updateStrategy.rollingUpdate;
          const nodeStuck = n.pods.some((p) => !p.old && !p.ready && !p.failed);
          if (eligible && surging && nodeStuck) {
            // A surge keeps the serving old pod beside a new one that never becomes ready.
            expect(on.length).toBeGreaterThanOrEqual(1);
            expect(on.length).toBeLessThanOrEqual(2);
          } else if (eligible) {
            expect(on).toHaveLength(1);
            if (!stuck && !onDelete) expect(on[0]?.metadata.labels?.[REVISION_HASH_LABEL]).toBe(h);
          } else if (!n.selected || n.taint === 'NoExecute') {
            expect(on).toHaveLength(0);
          } else {
            // NoSchedule after the fact: at most the pods that were there keep running.
            expect(on.length).toBeLessThanOrEqual(1);
          }
        });
      }),
    );
  });

  it('a single plan never leaves more than maxUnavailable eligible nodes without an available pod (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        (count, maxUnavailable) => {
          const d = makeDs({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } } });
          const nodes = Array.from({ length: count }, (_, i) => node(`n${i}`).obj());
          const pods = nodes.map((n) => pod(n.metadata.name as string, 'old'));
          const plan = planDaemonSet(world(d, nodes, pods));
          expect(plan.delete.length).toBe(Math.min(count, maxUnavailable));
        },
      ),
    );
  });
});

describe('podsToAdopt', () => {
  const ds = makeDs();
  const base = () => pod('a', 'h');
  it.each([
    ['a matching orphan', (p: Pod) => p, true],
    ['another namespace', (p: Pod) => ({ ...p, metadata: { ...p.metadata, namespace: 'other' } }), false],
    [
      'labels that do not match',
      (p: Pod) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'x' } } }),
      false,
    ],
    ['being deleted', (p: Pod) => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: 't' } }), false],
    [
      'with a controller',
      (p: Pod) => ({
        ...p,
        metadata: {
          ...p.metadata,
          ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x', controller: true }],
        },
      }),
      false,
    ],
    [
      'with a non-controller owner',
      (p: Pod) => ({
        ...p,
        metadata: { ...p.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x' }] },
      }),
      true,
    ],
  ] as const)('%s', (_, edit, adopted) => {
    expect(podsToAdopt(ds, [edit(base()) as Pod])).toHaveLength(adopted ? 1 : 0);
  });
});

describe('calculateDaemonSetStatus', () => {
  it('counts nodes: desired, current, misscheduled, ready, available, updated', () => {
    const ds = makeDs({}, { nodeSelector: { daemon: 'yes' } });
    const hash = templateHash(ds.spec.template);
    const nodes = [
      node('a').labels({ daemon: 'yes' }).obj(),
      node('b').labels({ daemon: 'yes' }).obj(),
      node('c').labels({ daemon: 'yes' }).obj(),
      node('x').obj(),
    ];
    const pods = [pod('a', hash), pod('b', 'old', { ready: false }), pod('x', hash)];
    expect(calculateDaemonSetStatus(world(ds, nodes, pods))).toEqual({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 1,
      numberAvailable: 1,
      numberUnavailable: 2,
      updatedNumberScheduled: 1,
      observedGeneration: 3,
    });
  });
});
