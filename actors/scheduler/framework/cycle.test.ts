import { describe, expect, it } from 'vitest';
import { FrameworkConfigError } from '../../../protocol/errors.js';
import type { Node } from '../../../protocol/resources/node.js';
import { makeNode, makePod, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { cacheOf } from '../testing/fixtures.js';
import { numFeasibleNodesToFind, type ScheduleResult, schedulePod } from './cycle.js';
import { newFramework } from './framework.js';
import { newPodInfo, type PodInfo } from './pod-info.js';
import { defaultProfile } from './profile.js';
import { defaultRegistry } from './registry.js';
import { errorStatus, type NodeInfo, type Plugin, SKIP, SUCCESS, unresolvable } from './types.js';

/** `count` copies of one node fixture, renamed (parsing 5,000 fixtures through the schema is slow). */
function manyNodes(count: number, template: Node = makeNode('template').obj()): Node[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `node-${String(i).padStart(5, '0')}`;
    return {
      ...template,
      metadata: { ...template.metadata, name, labels: { 'kubernetes.io/hostname': name } },
    };
  });
}

function boom(): never {
  throw new Error('plugin bug');
}

function scheduled(result: ScheduleResult) {
  if (result.kind !== 'scheduled') throw new Error(`expected scheduled, got ${JSON.stringify(result)}`);
  return result;
}

describe('schedulePod', () => {
  it('explains a pod that fits nowhere, in kube-scheduler words', () => {
    const small = ['n1', 'n2', 'n3'].map((n) =>
      makeNode(n).capacity({ cpu: '1', memory: '8Gi', pods: '110' }).obj(),
    );
    const tainted = ['n4', 'n5'].map((n) =>
      makeNode(n).taint({ key: 'node-role', value: 'db', effect: 'NoSchedule' }).obj(),
    );
    const { snapshot } = cacheOf([...small, ...tainted]);
    const pod = newPodInfo(makePod('big').requests({ cpu: '2' }).obj());
    const result = schedulePod(newFramework(), snapshot, pod, { nextStartIndex: 0 });
    expect(result.kind).toBe('unschedulable');
    if (result.kind !== 'unschedulable') return;
    expect(result.fitError.message()).toBe(
      '0/5 nodes are available: 2 node(s) had untolerated taint {node-role: db}, 3 Insufficient cpu.',
    );
    expect(result.fitError.unschedulablePlugins).toEqual(new Set(['NodeResourcesFit', 'TaintToleration']));
    expect(result.fitError.preemptionCandidates).toEqual(['n1', 'n2', 'n3']);
    expect(result.evaluatedNodes).toBe(5);
  });

  it('says so when the cluster has no node', () => {
    const { snapshot } = cacheOf([]);
    const result = schedulePod(newFramework(), snapshot, newPodInfo(makePod('p').obj()), {
      nextStartIndex: 3,
    });
    expect(result.kind === 'unschedulable' && result.fitError.message()).toBe(
      'no nodes available to schedule pods',
    );
  });

  it('samples 10% of 5,000 nodes and rotates the start', () => {
    const { snapshot } = cacheOf(manyNodes(5000));
    const framework = newFramework();
    const pod = newPodInfo(makePod('p').requests({ cpu: '100m' }).obj());
    const first = scheduled(schedulePod(framework, snapshot, pod, { nextStartIndex: 0 }));
    expect(first).toMatchObject({ evaluatedNodes: 500, feasibleNodes: 500, nextStartIndex: 500 });
    const second = scheduled(schedulePod(framework, snapshot, pod, { nextStartIndex: first.nextStartIndex }));
    expect(second.nextStartIndex).toBe(1000);
    // The chosen node lies in the window the cycle looked at.
    const index = snapshot.nodes.findIndex((n) => n.name === second.node);
    expect(index).toBeGreaterThanOrEqual(500);
    expect(index).toBeLessThan(1000);
    // Wrapping around the end of the list.
    const wrapped = scheduled(schedulePod(framework, snapshot, pod, { nextStartIndex: 4800 }));
    expect(wrapped.nextStartIndex).toBe(300);
  });

  it('looks at every node when few are feasible', () => {
    const fitting = manyNodes(10, makeNode('big').capacity({ cpu: '8', memory: '8Gi', pods: '110' }).obj());
    const others = manyNodes(
      200,
      makeNode('small').capacity({ cpu: '1', memory: '8Gi', pods: '110' }).obj(),
    ).map((n, i) => ({ ...n, metadata: { ...n.metadata, name: `small-${i}` } }));
    const { snapshot } = cacheOf([...others, ...fitting]);
    const pod = newPodInfo(makePod('p').requests({ cpu: '4' }).obj());
    const result = scheduled(schedulePod(newFramework(), snapshot, pod, { nextStartIndex: 0 }));
    expect(result).toMatchObject({ evaluatedNodes: 210, feasibleNodes: 10 });
  });

  it('honours the profile percentage', () => {
    const { snapshot } = cacheOf(manyNodes(1000));
    const framework = newFramework({ ...defaultProfile(), percentageOfNodesToScore: 30 });
    const result = scheduled(
      schedulePod(framework, snapshot, newPodInfo(makePod('p').obj()), { nextStartIndex: 0 }),
    );
    expect(result.evaluatedNodes).toBe(300);
  });

  it('picks the least allocated node', () => {
    const nodes = ['busy', 'idle', 'half'].map((n) => makeNode(n).obj());
    const pods = [
      makePod('b').node('busy').requests({ cpu: '3', memory: '6Gi' }).obj(),
      makePod('h').node('half').requests({ cpu: '2', memory: '4Gi' }).obj(),
    ];
    const { snapshot } = cacheOf(nodes, pods);
    const pod = newPodInfo(makePod('p').requests({ cpu: '500m', memory: '1Gi' }).obj());
    expect(scheduled(schedulePod(newFramework(), snapshot, pod, { nextStartIndex: 0 })).node).toBe('idle');
  });

  it("spreads a ReplicaSet's pods over nodes even where one node is much larger", () => {
    const big = makeNode('big').capacity({ cpu: '64', memory: '256Gi', pods: '110' }).obj();
    const { cache, snapshot } = cacheOf([big, makeNode('s1').obj(), makeNode('s2').obj()]);
    const rs = makeReplicaSet('web').obj();
    const framework = newFramework();
    const placed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const pod = newPodInfo(makePod(`web-${i}`).ownedBy(rs).requests({ cpu: '10m', memory: '16Mi' }).obj());
      const { node } = scheduled(schedulePod(framework, snapshot, pod, { nextStartIndex: 0 }));
      cache.assume(pod, node);
      placed.push(node);
    }
    expect(placed.sort()).toEqual(['big', 's1', 's2']);
  });

  it('breaks ties with the injected random draw', () => {
    const { snapshot } = cacheOf(['a', 'b', 'c'].map((n) => makeNode(n).obj()));
    const pod = newPodInfo(makePod('p').obj());
    const framework = newFramework();
    expect(scheduled(schedulePod(framework, snapshot, pod, { nextStartIndex: 0 })).node).toBe('a');
    // Reservoir sampling: a draw of 0 always takes the latest tie.
    expect(
      scheduled(schedulePod(framework, snapshot, pod, { nextStartIndex: 0, random: () => 0 })).node,
    ).toBe('c');
  });

  describe('with custom plugins', () => {
    const profile = (...names: string[]) => ({
      schedulerName: 'test',
      plugins: names.map((name) => ({ name })),
    });
    const registry = (plugins: Record<string, () => Plugin>) => ({ ...defaultRegistry(), ...plugins });
    const { snapshot } = cacheOf(['a', 'b'].map((n) => makeNode(n).obj()));
    const pod = newPodInfo(makePod('p').obj());

    it('turns a Filter error into an error result', () => {
      const broken = { name: 'Broken', events: [], filter: () => errorStatus('disk on fire') };
      const framework = newFramework(profile('Broken'), registry({ Broken: () => broken }));
      expect(schedulePod(framework, snapshot, pod, { nextStartIndex: 0 })).toMatchObject({
        kind: 'error',
        plugin: 'Broken',
        message: 'Broken: disk on fire',
      });
    });

    // Each throws for the pod named `poison` only, at one extension point.
    const poisoned = (p: PodInfo) => p.pod.metadata.name === 'poison';
    it.each([
      [
        'PreFilter',
        { preFilter: (_s: unknown, p: PodInfo) => (poisoned(p) ? boom() : SUCCESS), filter: () => SUCCESS },
      ],
      [
        'Filter',
        {
          filter: (_s: unknown, p: PodInfo, n: NodeInfo) =>
            poisoned(p) && n.name === 'b' ? boom() : SUCCESS,
        },
      ],
      [
        'PreScore',
        {
          filter: () => SUCCESS,
          preScore: (_s: unknown, p: PodInfo) => (poisoned(p) ? boom() : SUCCESS),
          score: () => 0,
        },
      ],
      ['Score', { filter: () => SUCCESS, score: (_s: unknown, p: PodInfo) => (poisoned(p) ? boom() : 0) }],
    ])("blames a plugin that throws in %s, and fails only that pod's cycle", (_point, methods) => {
      const thrower = { name: 'Thrower', events: [], ...methods } as unknown as Plugin;
      const framework = newFramework(profile('NodeName', 'Thrower'), registry({ Thrower: () => thrower }));
      const poison = newPodInfo(makePod('poison').obj());
      expect(schedulePod(framework, snapshot, poison, { nextStartIndex: 0 })).toMatchObject({
        kind: 'error',
        plugin: 'Thrower',
        message: 'Thrower: threw: plugin bug',
      });
      // The same framework schedules the next pod: the throw left nothing half-way.
      expect(schedulePod(framework, snapshot, pod, { nextStartIndex: 0 }).kind).toBe('scheduled');
    });

    it('reports a PreFilter rejection once for all nodes', () => {
      const gate = {
        name: 'Gate',
        events: [],
        preFilter: () => unresolvable('pod is gated'),
        filter: () => SUCCESS,
      };
      const framework = newFramework(profile('Gate'), registry({ Gate: () => gate }));
      const result = schedulePod(framework, snapshot, pod, { nextStartIndex: 0 });
      expect(result.kind === 'unschedulable' && result.fitError.message()).toBe(
        '0/2 nodes are available: pod is gated.',
      );
    });

    it('does not run the Filter of a plugin whose PreFilter skipped', () => {
      let calls = 0;
      const lazy = {
        name: 'Lazy',
        events: [],
        preFilter: () => SKIP,
        filter: () => {
          calls++;
          return SUCCESS;
        },
      };
      const framework = newFramework(profile('Lazy'), registry({ Lazy: () => lazy }));
      scheduled(schedulePod(framework, snapshot, pod, { nextStartIndex: 0 }));
      expect(calls).toBe(0);
    });

    it('refuses a score outside 0..100', () => {
      const wild = { name: 'Wild', score: () => 101 };
      const framework = newFramework(profile('Wild'), registry({ Wild: () => wild }));
      expect(schedulePod(framework, snapshot, pod, { nextStartIndex: 0 })).toMatchObject({
        kind: 'error',
        plugin: 'Wild',
      });
    });
  });
});

describe('numFeasibleNodesToFind', () => {
  it.each([
    { nodes: 50, percentage: undefined, want: 50 },
    { nodes: 100, percentage: undefined, want: 100 },
    { nodes: 1000, percentage: undefined, want: 420 },
    { nodes: 5000, percentage: undefined, want: 500 },
    { nodes: 6000, percentage: undefined, want: 300 },
    { nodes: 20000, percentage: undefined, want: 1000 },
    { nodes: 1000, percentage: 30, want: 300 },
    { nodes: 1000, percentage: 1, want: 100 },
    { nodes: 1000, percentage: 100, want: 1000 },
  ])('$nodes nodes at $percentage% → $want', ({ nodes, percentage, want }) => {
    expect(numFeasibleNodesToFind(nodes, percentage)).toBe(want);
  });
});

describe('newFramework', () => {
  it.each([
    { name: 'an unknown plugin', plugins: [{ name: 'Nope' }], message: /unknown plugin Nope/ },
    {
      name: 'a plugin twice',
      plugins: [{ name: 'NodeName' }, { name: 'NodeName' }],
      message: /NodeName twice/,
    },
    {
      name: 'a zero weight',
      plugins: [{ name: 'NodeResourcesFit', weight: 0 }],
      message: /positive integer/,
    },
  ])('refuses $name', ({ plugins, message }) => {
    expect(() => newFramework({ schedulerName: 's', plugins })).toThrow(FrameworkConfigError);
    expect(() => newFramework({ schedulerName: 's', plugins })).toThrow(message);
  });

  it('groups the default plugins by extension point, in profile order', () => {
    const framework = newFramework();
    expect(framework.filterPlugins.map((p) => p.name)).toEqual([
      'NodeUnschedulable',
      'NodeName',
      'TaintToleration',
      'NodeAffinity',
      'NodePorts',
      'NodeResourcesFit',
      'PodTopologySpread',
      'InterPodAffinity',
    ]);
    expect(framework.scorePlugins.map((s) => [s.plugin.name, s.weight])).toEqual([
      ['TaintToleration', 3],
      ['NodeAffinity', 2],
      ['NodeResourcesFit', 1],
      ['PodTopologySpread', 2],
      ['NodeResourcesBalancedAllocation', 1],
      ['SelectorSpread', 2],
    ]);
    expect(framework.pluginEvents.get('NodeResourcesFit')).toContain('AssignedPodDelete');
  });
});
