import { describe, expect, it } from 'vitest';
import type { Condition } from '../../protocol/meta.js';
import { podScheduledFalse, scheduledMessage, withPodScheduled } from './conditions.js';

const t0 = '2026-01-01T00:00:00Z';
const t1 = '2026-01-01T00:01:00Z';
const ready: Condition = { type: 'Ready', status: 'False' };

describe('PodScheduled condition', () => {
  it('builds the Unschedulable condition', () => {
    expect(podScheduledFalse('0/1 nodes are available: 1 Insufficient cpu.', t0)).toEqual({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
      lastProbeTime: t0,
      lastTransitionTime: t0,
    });
  });

  it.each([
    {
      name: 'adds it when absent',
      before: [ready],
      next: podScheduledFalse('m1', t1),
      after: [ready, podScheduledFalse('m1', t1)],
    },
    {
      name: 'keeps the transition time when only the message changes',
      before: [podScheduledFalse('m1', t0)],
      next: podScheduledFalse('m2', t1),
      after: [{ ...podScheduledFalse('m2', t1), lastTransitionTime: t0 }],
    },
    {
      name: 'changes nothing for the same message',
      before: [podScheduledFalse('m1', t0)],
      next: podScheduledFalse('m1', t1),
      after: undefined,
    },
    {
      name: 'a new reason is a transition',
      before: [podScheduledFalse('m1', t0)],
      next: podScheduledFalse('boom', t1, 'SchedulerError'),
      after: [podScheduledFalse('boom', t1, 'SchedulerError')],
    },
  ])('$name', ({ before, next, after }) => {
    expect(withPodScheduled(before, next)).toEqual(after);
  });

  it('words the Scheduled event as Kubernetes', () => {
    expect(scheduledMessage('default/web-1', 'n3')).toBe('Successfully assigned default/web-1 to n3');
  });
});
