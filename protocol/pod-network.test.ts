import { describe, expect, it } from 'vitest';
import { isNewerPodSet, type NodePodNetworks, NodePodNetworksSchema } from './pod-network.js';
import { Subjects } from './subjects.js';

const set = (instance: string, seq: number): NodePodNetworks => ({
  node: 'n1',
  instance,
  seq,
  time: '2026-12-04T00:00:00.000Z',
  pods: [{ namespace: 'default', name: 'web', uid: 'u1', netnsPid: 42 }],
});

describe('pod network sets', () => {
  it.each([
    { name: 'nothing held yet', current: undefined, next: set('a', 1), newer: true },
    { name: 'a later seq of the same kubelet', current: set('a', 1), next: set('a', 2), newer: true },
    { name: 'the same seq again', current: set('a', 2), next: set('a', 2), newer: false },
    {
      name: 'an older seq (a reply that crossed a publication)',
      current: set('a', 3),
      next: set('a', 2),
      newer: false,
    },
    { name: 'another kubelet instance (a restart)', current: set('a', 9), next: set('b', 1), newer: true },
  ])('$name: newer=$newer', ({ current, next, newer }) => {
    expect(isNewerPodSet(current, next)).toBe(newer);
  });

  it('rejects a PID that is not a positive integer', () => {
    const bad = { ...set('a', 1), pods: [{ namespace: 'd', name: 'w', uid: 'u', netnsPid: 0 }] };
    expect(NodePodNetworksSchema.safeParse(bad).success).toBe(false);
    expect(NodePodNetworksSchema.parse(set('a', 1))).toEqual(set('a', 1));
  });

  it('travels on skiff.node.<node>.pods and .pods.get, the node name encoded as one token', () => {
    const subjects = new Subjects();
    expect(subjects.nodePods('n1')).toBe('skiff.node.n1.pods');
    expect(subjects.nodePodsGet('node.a')).toBe('skiff.node.node_2ea.pods.get');
  });
});
