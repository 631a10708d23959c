import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../../../protocol/testing/builders.js';
import { assignedPodUpdateEvent, nodeUpdateEvent, pendingPodChanged } from './events.js';

const node = makeNode('n1').obj();
const pod = makePod('p').node('n1').labels({ app: 'web' }).obj();

describe('cluster events from updates', () => {
  it.each([
    { name: 'a heartbeat', next: { ...node, status: { ...node.status, conditions: [] } }, event: undefined },
    { name: 'new labels', next: makeNode('n1').labels({ zone: 'a' }).obj(), event: 'NodeUpdate' },
    {
      name: 'a taint',
      next: makeNode('n1').taint({ key: 'k', effect: 'NoSchedule' }).obj(),
      event: 'NodeUpdate',
    },
    { name: 'cordoned', next: makeNode('n1').cordoned().obj(), event: 'NodeUpdate' },
    {
      name: 'resized',
      next: makeNode('n1').capacity({ cpu: '8', memory: '8Gi', pods: '110' }).obj(),
      event: 'NodeUpdate',
    },
  ])('node: $name → $event', ({ next, event }) => {
    expect(nodeUpdateEvent(node, next)).toBe(event);
  });

  it.each([
    { name: 'status only', next: { ...pod, status: { phase: 'Running' as const } }, event: undefined },
    {
      name: 'finished',
      next: { ...pod, status: { phase: 'Succeeded' as const } },
      event: 'AssignedPodDelete',
    },
    {
      name: 'relabelled',
      next: { ...pod, metadata: { ...pod.metadata, labels: { app: 'api' } } },
      event: 'AssignedPodUpdate',
    },
  ])('bound pod: $name → $event', ({ next, event }) => {
    expect(assignedPodUpdateEvent(pod, next)).toBe(event);
  });

  it('tells a pending pod change from a status write', () => {
    const pending = makePod('q').obj();
    expect(pendingPodChanged(pending, { ...pending, status: { phase: 'Pending' } })).toBe(false);
    expect(pendingPodChanged(pending, makePod('q').tolerate({ operator: 'Exists' }).obj())).toBe(true);
  });
});
