import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../../protocol/resources/pod.js';
import type { TopologySpreadConstraintInput } from '../../../../protocol/resources/scheduling.js';
import { makeNode, makePod } from '../../../../protocol/testing/builders.js';
import { cacheOf, runFilter, runScore } from '../../testing/fixtures.js';
import {
  create,
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  NAME,
} from './pod-topology-spread.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

interface NodeSpec {
  readonly name: string;
  readonly zone?: string;
  /** `app=web` pods on the node, in namespace `default` (`web`) and in `other` (`webElsewhere`). */
  readonly web?: number;
  readonly webElsewhere?: number;
}

function cluster(nodes: readonly NodeSpec[]) {
  const objects = nodes.map((n) =>
    makeNode(n.name)
      .labels(n.zone ? { [ZONE]: n.zone } : {})
      .obj(),
  );
  const pods: Pod[] = nodes.flatMap((n) => [
    ...Array.from({ length: n.web ?? 0 }, (_, i) =>
      makePod(`${n.name}-web-${i}`).node(n.name).labels({ app: 'web' }).obj(),
    ),
    ...Array.from({ length: n.webElsewhere ?? 0 }, (_, i) =>
      makePod(`${n.name}-other-${i}`).namespace('other').node(n.name).labels({ app: 'web' }).obj(),
    ),
  ]);
  return cacheOf(objects, pods).snapshot;
}

const hard = (c: Partial<TopologySpreadConstraintInput> = {}): TopologySpreadConstraintInput => ({
  maxSkew: 1,
  topologyKey: HOST,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { matchLabels: { app: 'web' } },
  ...c,
});

function newPod(constraint: TopologySpreadConstraintInput, labels: Record<string, string> = { app: 'web' }) {
  return makePod('new').labels(labels).spread(constraint).obj();
}

/** The nodes that pass, by name. */
function passing(pod: Pod, snapshot: ReturnType<typeof cluster>): string[] {
  return snapshot.nodes
    .filter((n) => runFilter(create(), pod, n, snapshot).code === 'Success')
    .map((n) => n.name);
}

describe(`${NAME} Filter`, () => {
  it.each<{ name: string; nodes: NodeSpec[]; pod: Pod; fits: string[] }>([
    {
      name: 'hostname: the crowded node is refused',
      nodes: [{ name: 'n1', web: 1 }, { name: 'n2' }, { name: 'n3' }],
      pod: newPod(hard()),
      fits: ['n2', 'n3'],
    },
    {
      name: 'hostname: every node at the minimum fits',
      nodes: [
        { name: 'n1', web: 1 },
        { name: 'n2', web: 1 },
      ],
      pod: newPod(hard()),
      fits: ['n1', 'n2'],
    },
    {
      name: 'maxSkew 2 allows one more',
      nodes: [{ name: 'n1', web: 1 }, { name: 'n2' }],
      pod: newPod(hard({ maxSkew: 2 })),
      fits: ['n1', 'n2'],
    },
    {
      name: 'pods in other namespaces do not count',
      nodes: [{ name: 'n1', webElsewhere: 3 }, { name: 'n2' }],
      pod: newPod(hard()),
      fits: ['n1', 'n2'],
    },
    {
      name: 'a pod outside its own selector adds nothing (selfMatch 0)',
      nodes: [{ name: 'n1', web: 1 }, { name: 'n2' }],
      pod: newPod(hard(), { app: 'batch' }),
      fits: ['n1', 'n2'],
    },
    {
      name: 'zones: the crowded zone is refused',
      nodes: [
        { name: 'n1', zone: 'a', web: 1 },
        { name: 'n2', zone: 'a', web: 1 },
        { name: 'n3', zone: 'b' },
      ],
      pod: newPod(hard({ topologyKey: ZONE })),
      fits: ['n3'],
    },
    {
      name: 'zones: a node without the label is in no domain',
      nodes: [{ name: 'n1', zone: 'a' }, { name: 'n2' }],
      pod: newPod(hard({ topologyKey: ZONE })),
      fits: ['n1'],
    },
    {
      name: 'minDomains above the domain count makes the minimum 0',
      nodes: [
        { name: 'n1', zone: 'a', web: 1 },
        { name: 'n2', zone: 'b', web: 1 },
      ],
      pod: newPod(hard({ topologyKey: ZONE, minDomains: 3 })),
      fits: [],
    },
    {
      name: 'no selector counts nothing',
      nodes: [{ name: 'n1', web: 5 }, { name: 'n2' }],
      pod: newPod(hard({ labelSelector: undefined })),
      fits: ['n1', 'n2'],
    },
    {
      name: 'matchExpressions selectors count by scanning the node',
      nodes: [{ name: 'n1', web: 1 }, { name: 'n2' }],
      pod: newPod(
        hard({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'x'] }] } }),
      ),
      fits: ['n2'],
    },
    {
      name: 'ScheduleAnyway never filters',
      nodes: [{ name: 'n1', web: 4 }, { name: 'n2' }],
      pod: newPod(hard({ whenUnsatisfiable: 'ScheduleAnyway' })),
      fits: ['n1', 'n2'],
    },
  ])('$name', ({ nodes, pod, fits }) => {
    expect(passing(pod, cluster(nodes))).toEqual(fits);
  });

  it('gives the reasons users read', () => {
    const snapshot = cluster([{ name: 'n1', zone: 'a', web: 1 }, { name: 'n2', zone: 'b' }, { name: 'n3' }]);
    const pod = newPod(hard({ topologyKey: ZONE }));
    const statuses = snapshot.nodes.map((n) => runFilter(create(), pod, n, snapshot));
    expect(statuses).toEqual([
      { code: 'Unschedulable', reasons: [ERR_REASON_CONSTRAINTS_NOT_MATCH] },
      { code: 'Success', reasons: [] },
      { code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH] },
    ]);
  });

  it('counts only nodes the pod may use for the minimum', () => {
    // n2 is empty but excluded by the pod's node selector: n1 alone sets the minimum (1).
    const snapshot = cluster([
      { name: 'n1', zone: 'a', web: 1 },
      { name: 'n2', zone: 'b' },
    ]);
    const pod = makePod('new')
      .labels({ app: 'web' })
      .nodeSelector({ [ZONE]: 'a' })
      .spread(hard())
      .obj();
    expect(passing(pod, snapshot)).toEqual(['n1', 'n2']);
  });
});

describe(`${NAME} Score`, () => {
  it('prefers the least crowded domain', () => {
    const snapshot = cluster([{ name: 'n1', web: 2 }, { name: 'n2', web: 1 }, { name: 'n3' }]);
    const pod = newPod(hard({ whenUnsatisfiable: 'ScheduleAnyway' }));
    expect(runScore(create(), pod, snapshot.nodes, snapshot)).toEqual([0, 33, 100]);
  });

  it('scores zones by their whole count, and nodes without the label 0', () => {
    const snapshot = cluster([
      { name: 'n1', zone: 'a', web: 2 },
      { name: 'n2', zone: 'a' },
      { name: 'n3', zone: 'b' },
      { name: 'n4' },
    ]);
    const pod = newPod(hard({ topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway' }));
    const [n1, n2, n3, n4] = runScore(create(), pod, snapshot.nodes, snapshot) ?? [];
    expect(n1).toBe(n2);
    expect(n3).toBe(100);
    expect(n1).toBeLessThan(100);
    expect(n4).toBe(0);
  });

  it('skips pods without soft constraints', () => {
    const snapshot = cluster([{ name: 'n1' }]);
    expect(runScore(create(), newPod(hard()), snapshot.nodes, snapshot)).toBeUndefined();
  });
});
