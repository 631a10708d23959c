import { describe, expect, it } from 'vitest';
import type { Pod } from '../../protocol/resources/pod.js';
import { makePod } from '../../protocol/testing/pod-builders.js';
import { crashLoopDelay, defaultCrashLoopPolicy, planPod } from './plan.js';
import type { RuntimeContainerStatus } from './runtimes/runtime.js';

const NOW = 1_000_000;
const run = (over: Partial<RuntimeContainerStatus>): RuntimeContainerStatus => ({
  id: `c-${over.name ?? 'app'}-${over.attempt ?? 0}`,
  sandboxId: 's',
  podUid: 'u',
  name: 'app',
  attempt: 0,
  image: 'busybox',
  state: 'running',
  createdAt: NOW - 60_000,
  startedAt: NOW - 60_000,
  ...over,
});
const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always'): Pod => {
  const p = makePod('web').node('n1').obj();
  return { ...p, spec: { ...p.spec, restartPolicy } } as Pod;
};

describe('planPod', () => {
  it('starts a container that never ran, and leaves a running one alone', () => {
    expect(planPod(pod(), [], NOW).actions).toEqual([
      { type: 'start', container: pod().spec.containers[0]?.name, attempt: 0 },
    ]);
    const name = pod().spec.containers[0]?.name as string;
    expect(planPod(pod(), [run({ name })], NOW).actions).toEqual([]);
  });

  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 2, true],
    ['Never', 1, false],
  ] as const)(
    'restartPolicy %s, exit code %i: restarts %s (after its back-off)',
    (policy, exitCode, restarts) => {
      const name = pod().spec.containers[0]?.name as string;
      const exited = run({ name, state: 'exited', exitCode, finishedAt: NOW - 11_000 });
      const plan = planPod(pod(policy), [exited], NOW);
      expect(plan.actions).toEqual(restarts ? [{ type: 'start', container: name, attempt: 1 }] : []);
    },
  );

  it('waits out CrashLoopBackOff: 10 s doubling to 5 min, and says when to look again', () => {
    const name = pod().spec.containers[0]?.name as string;
    const exited = run({
      name,
      state: 'exited',
      exitCode: 1,
      attempt: 3,
      startedAt: NOW - 2_000,
      finishedAt: NOW - 1_000,
    });
    const plan = planPod(pod(), [exited], NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.wakeAt).toBe(NOW - 1_000 + 80_000); // the 4th restart waits 80 s
    expect(plan.backingOff.get(name)).toBe(plan.wakeAt);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => crashLoopDelay(defaultCrashLoopPolicy, n))).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000,
    ]);
  });

  it('starts the back-off over after ten minutes of running', () => {
    const name = pod().spec.containers[0]?.name as string;
    const exited = run({
      name,
      state: 'exited',
      exitCode: 1,
      attempt: 5,
      startedAt: NOW - 700_000,
      finishedAt: NOW - 5_000,
    });
    expect(planPod(pod(), [exited], NOW).wakeAt).toBe(NOW - 5_000 + 10_000);
  });

  it('restarts only the newest run of a container', () => {
    const name = pod().spec.containers[0]?.name as string;
    const old = run({ name, state: 'exited', exitCode: 1, attempt: 0, finishedAt: NOW - 60_000 });
    const current = run({ name, attempt: 1 });
    expect(planPod(pod(), [old, current], NOW).actions).toEqual([]);
  });

  it('stops running containers of a pod being deleted, with its grace period, then finishes', () => {
    const deleting = pod();
    const deadline = NOW + 20_000;
    const p = {
      ...deleting,
      metadata: {
        ...deleting.metadata,
        deletionTimestamp: new Date(deadline).toISOString(),
        deletionGracePeriodSeconds: 30,
      },
    } as Pod;
    const name = p.spec.containers[0]?.name as string;
    expect(planPod(p, [run({ name })], NOW).actions).toEqual([
      { type: 'stop', containerId: `c-${name}-0`, gracePeriodMs: 30_000 },
    ]);
    expect(planPod(p, [run({ name, state: 'exited', exitCode: 143 })], NOW).actions).toEqual([
      { type: 'finish' },
    ]);
  });
});
