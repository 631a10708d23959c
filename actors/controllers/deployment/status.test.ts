import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../protocol/meta.js';
import type { DeploymentStatus } from '../../../protocol/resources/deployment.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import { makeDeployment, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { boundsOf } from './plan.js';
import {
  AVAILABLE,
  calculateStatus,
  conditionOf,
  NEW_RS_AVAILABLE,
  NEW_RS_CREATED,
  newCondition,
  PROGRESSING,
  RS_UPDATED,
  rfc3339,
  rolloutStatus,
  setCondition,
  statusEqual,
  TIMED_OUT,
} from './status.js';

const T0 = Date.UTC(2026, 0, 1);
const rsWith = (name: string, replicas: number, ready: number, available = ready): ReplicaSet =>
  makeReplicaSet(name)
    .replicas(replicas)
    .withStatus({ replicas, readyReplicas: ready, availableReplicas: available })
    .obj();

describe('calculateStatus', () => {
  const d = makeDeployment('web').replicas(4).generation(3).obj(); // 25%/25%: maxUnavailable 1
  it.each<[string, ReplicaSet[], Partial<DeploymentStatus>, string]>([
    [
      'sums the ReplicaSets; updated is the new one',
      [rsWith('new', 3, 2), rsWith('old', 2, 2)],
      { replicas: 5, updatedReplicas: 3, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 },
      'MinimumReplicasAvailable',
    ],
    [
      'fewer than replicas - maxUnavailable available',
      [rsWith('new', 4, 2)],
      { replicas: 4, updatedReplicas: 4, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 2 },
      'MinimumReplicasUnavailable',
    ],
  ])('%s', (_, all, counts, reason) => {
    const status = calculateStatus(d, boundsOf(d), all, all[0], [], T0);
    expect(status).toMatchObject({ ...counts, observedGeneration: 3 });
    expect(conditionOf(status.conditions, AVAILABLE)?.reason).toBe(reason);
  });
});

describe('rolloutStatus', () => {
  const deadline = 600;
  const progressing = (reason: string, at: number, status: Condition['status'] = 'True') =>
    newCondition(PROGRESSING, status, reason, 'x', at);
  const base = (status: DeploymentStatus) =>
    makeDeployment('web').replicas(3).generation(2).withStatus(status).obj();

  it.each<[string, DeploymentStatus, ReplicaSet[], number, string | undefined, 'True' | 'False' | undefined]>(
    [
      [
        'complete: NewReplicaSetAvailable',
        { replicas: 3, updatedReplicas: 2, availableReplicas: 2, conditions: [progressing(RS_UPDATED, T0)] },
        [rsWith('web-new', 3, 3)],
        T0 + 1000,
        NEW_RS_AVAILABLE,
        'True',
      ],
      [
        'more updated replicas than before: ReplicaSetUpdated',
        { replicas: 3, updatedReplicas: 0, conditions: [progressing(NEW_RS_CREATED, T0)] },
        [rsWith('web-new', 1, 0), rsWith('web-old', 3, 3)],
        T0 + 1000,
        RS_UPDATED,
        'True',
      ],
      [
        'no progress past the deadline: ProgressDeadlineExceeded',
        {
          replicas: 4,
          updatedReplicas: 1,
          readyReplicas: 3,
          availableReplicas: 3,
          conditions: [progressing(RS_UPDATED, T0)],
        },
        [rsWith('web-new', 1, 0), rsWith('web-old', 3, 3)],
        T0 + (deadline + 1) * 1000,
        TIMED_OUT,
        'False',
      ],
      [
        'no progress within the deadline: unchanged',
        {
          replicas: 4,
          updatedReplicas: 1,
          readyReplicas: 3,
          availableReplicas: 3,
          conditions: [progressing(RS_UPDATED, T0)],
        },
        [rsWith('web-new', 1, 0), rsWith('web-old', 3, 3)],
        T0 + 10_000,
        RS_UPDATED,
        'True',
      ],
      [
        'a reported deadline stays, even with progress',
        { replicas: 4, updatedReplicas: 1, conditions: [progressing(TIMED_OUT, T0, 'False')] },
        [rsWith('web-new', 2, 0), rsWith('web-old', 2, 2)],
        T0 + 1000,
        TIMED_OUT,
        'False',
      ],
    ],
  )('%s', (_, status, all, now, reason, conditionStatus) => {
    const d = base(status);
    const newRS = all.find((rs) => rs.metadata.name === 'web-new');
    const result = rolloutStatus(d, boundsOf(d), all, newRS, status.conditions ?? [], now);
    const condition = conditionOf(result.status.conditions, PROGRESSING);
    expect(condition?.reason).toBe(reason);
    expect(condition?.status).toBe(conditionStatus);
    if (reason === NEW_RS_AVAILABLE)
      expect(condition?.message).toBe('ReplicaSet "web-new" has successfully progressed.');
    if (reason === TIMED_OUT && now > T0 + 1000)
      expect(condition?.message).toBe('ReplicaSet "web-new" has timed out progressing.');
  });

  it('asks to be synced again one second after the deadline would pass', () => {
    const status = {
      replicas: 4,
      updatedReplicas: 1,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [progressing(RS_UPDATED, T0)],
    };
    const d = base(status);
    const all = [rsWith('web-new', 1, 0), rsWith('web-old', 3, 3)];
    expect(rolloutStatus(d, boundsOf(d), all, all[0], status.conditions, T0 + 100_000).requeueAfterMs).toBe(
      (deadline - 100) * 1000 + 1000,
    );
  });
});

describe('setCondition', () => {
  const first = newCondition(PROGRESSING, 'True', NEW_RS_CREATED, 'a', T0);
  it('keeps the transition time when the status stays, and replaces it when it changes', () => {
    const same = setCondition([first], newCondition(PROGRESSING, 'True', RS_UPDATED, 'b', T0 + 5000))[0];
    expect(same).toMatchObject({
      reason: RS_UPDATED,
      lastTransitionTime: rfc3339(T0),
      lastUpdateTime: rfc3339(T0 + 5000),
    });
    const flipped = setCondition([first], newCondition(PROGRESSING, 'False', TIMED_OUT, 'c', T0 + 5000))[0];
    expect(flipped?.lastTransitionTime).toBe(rfc3339(T0 + 5000));
  });
  it('changes nothing for the same status and reason', () => {
    expect(setCondition([first], newCondition(PROGRESSING, 'True', NEW_RS_CREATED, 'z', T0 + 9000))).toEqual([
      first,
    ]);
  });
});

describe('statusEqual', () => {
  it('reads absent counts as zero and sees a changed condition', () => {
    expect(statusEqual(undefined, { replicas: 0 })).toBe(true);
    const c = newCondition(AVAILABLE, 'True', 'MinimumReplicasAvailable', 'm', T0);
    expect(statusEqual({ conditions: [c] }, { conditions: [{ ...c, status: 'False' }] })).toBe(false);
  });
});
