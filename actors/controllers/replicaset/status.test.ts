import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../protocol/resources/pod.js';
import { FIXTURE_TIME, makePod, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { calculateStatus, REPLICA_FAILURE, statusEqual } from './status.js';

const NOW = Date.parse(FIXTURE_TIME) + 60_000;
const readyAt = (name: string, secondsAgo: number) =>
  makePod(name)
    .labels({ app: 'web' })
    .node('n1')
    .ready()
    .withStatus({
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          lastTransitionTime: new Date(NOW - secondsAgo * 1000).toISOString(),
        },
      ],
    })
    .obj();

describe('calculateStatus', () => {
  const partlyLabeled = makePod('partly').labels({ other: 'x' }).obj();
  const pending = makePod('pending').labels({ app: 'web' }).obj();

  it.each<[string, number, Pod[], object]>([
    ['no pods', 0, [], { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0 }],
    [
      'ready pods are available at once without minReadySeconds',
      0,
      [readyAt('a', 1), readyAt('b', 100), pending],
      { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
    ],
    [
      'with minReadySeconds only pods ready long enough are available',
      30,
      [readyAt('a', 1), readyAt('b', 100), readyAt('c', 30)],
      { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 2 },
    ],
    [
      'a pod without every template label is not fully labeled',
      0,
      [partlyLabeled, pending],
      { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
    ],
  ])('%s', (_, minReadySeconds, pods, expected) => {
    const rs = makeReplicaSet('web').replicas(3).minReadySeconds(minReadySeconds).generation(4).obj();
    expect(calculateStatus(rs, pods, NOW)).toEqual({ ...expected, observedGeneration: 4 });
  });

  it('sets ReplicaFailure on a failure, keeps it while failing, removes it on success', () => {
    const rs = makeReplicaSet('web').obj();
    const failed = calculateStatus(rs, [], NOW, { failure: { reason: 'FailedCreate', message: 'quota' } });
    expect(failed.conditions).toEqual([
      expect.objectContaining({
        type: REPLICA_FAILURE,
        status: 'True',
        reason: 'FailedCreate',
        message: 'quota',
      }),
    ]);
    const stillFailing = makeReplicaSet('web').withStatus(failed).obj();
    expect(
      calculateStatus(stillFailing, [], NOW + 5000, { failure: { reason: 'FailedCreate', message: 'other' } })
        .conditions,
    ).toEqual(failed.conditions);
    expect(calculateStatus(stillFailing, [], NOW).conditions).toBeUndefined();
  });
});

it('counts pods created but not yet in the cache as replicas, not as ready', () => {
  const rs = makeReplicaSet('web').replicas(3).obj();
  expect(calculateStatus(rs, [readyAt('a', 5)], NOW, { creating: 2 })).toMatchObject({
    replicas: 3,
    readyReplicas: 1,
    availableReplicas: 1,
  });
});

describe('statusEqual', () => {
  it.each([
    [undefined, { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0 }, true],
    [{ replicas: 1 }, { replicas: 1, readyReplicas: 0 }, true],
    [{ replicas: 1 }, { replicas: 2 }, false],
    [{ replicas: 1, observedGeneration: 1 }, { replicas: 1, observedGeneration: 2 }, false],
  ])('%o vs %o → %s', (a, b, equal) => {
    expect(statusEqual(a, b)).toBe(equal);
  });
});
