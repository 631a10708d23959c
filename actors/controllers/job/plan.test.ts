import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Job, JobSchema } from '../../../protocol/resources/job.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import {
  countPods,
  planJob,
  podsToAdopt,
  REASON_BACKOFF_LIMIT_EXCEEDED,
  REASON_DEADLINE_EXCEEDED,
  wantedActive,
} from './plan.js';
import { calculateJobStatus } from './status.js';

const NOW = Date.UTC(2026, 0, 1, 12);

/** A Job as the API server stores it (parsed and defaulted). */
function makeJob(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): Job {
  return JobSchema.parse({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default', uid: 'job-uid' },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
      },
      ...spec,
    },
    ...(status ? { status } : {}),
  });
}

let seq = 0;
/** A pod of the Job in `phase`. */
function makePod(
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed',
  extra: { restarts?: number } = {},
): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `p${seq}`,
      namespace: 'default',
      uid: `u${seq}`,
      creationTimestamp: new Date(NOW - 1000 * (100 - seq)).toISOString(),
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: 'n1' },
    status: {
      phase,
      ...(extra.restarts !== undefined
        ? {
            containerStatuses: [
              { name: 'c', restartCount: extra.restarts, ready: true, image: 'b', imageID: '' },
            ],
          }
        : {}),
    },
  } as unknown as Pod;
}
const pods = (spec: Partial<Record<'Pending' | 'Running' | 'Succeeded' | 'Failed', number>>) =>
  Object.entries(spec).flatMap(([phase, n]) => Array.from({ length: n }, () => makePod(phase as 'Running')));

describe('planJob', () => {
  it.each([
    ['a new Job starts one pod', {}, {}, { create: 1, deleted: 0, finish: undefined }],
    [
      'parallelism 2 of 5',
      { completions: 5, parallelism: 2 },
      {},
      { create: 2, deleted: 0, finish: undefined },
    ],
    [
      'never more than the completions left',
      { completions: 5, parallelism: 3 },
      { Succeeded: 4 },
      { create: 1, deleted: 0, finish: undefined },
    ],
    [
      'tops up to parallelism',
      { completions: 5, parallelism: 2 },
      { Running: 1, Succeeded: 1 },
      { create: 1, deleted: 0, finish: undefined },
    ],
    [
      'completes at completions',
      { completions: 2, parallelism: 2 },
      { Succeeded: 2 },
      { create: 0, deleted: 0, finish: 'Complete' },
    ],
    [
      'parallelism lowered: deletes the extra',
      { completions: 10, parallelism: 1 },
      { Running: 3 },
      { create: 0, deleted: 2, finish: undefined },
    ],
    [
      'work queue: starts parallelism pods',
      { parallelism: 3 },
      {},
      { create: 3, deleted: 0, finish: undefined },
    ],
    [
      'work queue: one success, others still running',
      { parallelism: 3 },
      { Succeeded: 1, Running: 2 },
      { create: 0, deleted: 0, finish: undefined },
    ],
    [
      'work queue: one success, none running',
      { parallelism: 3 },
      { Succeeded: 1 },
      { create: 0, deleted: 0, finish: 'Complete' },
    ],
    [
      'Never: failures up to the limit retry',
      { backoffLimit: 2 },
      { Failed: 2 },
      { create: 1, deleted: 0, finish: undefined },
    ],
    [
      'Never: one failure past the limit fails',
      { backoffLimit: 2 },
      { Failed: 3 },
      { create: 0, deleted: 0, finish: 'Failed' },
    ],
    [
      'failure stops running pods',
      { backoffLimit: 0, parallelism: 3, completions: 3 },
      { Failed: 1, Running: 2 },
      { create: 0, deleted: 2, finish: 'Failed' },
    ],
    ['suspended: no pods', { suspend: true }, { Running: 1 }, { create: 0, deleted: 1, finish: undefined }],
  ] as const)('%s', (_, spec, podSpec, expected) => {
    const plan = planJob(makeJob(spec), pods(podSpec), NOW);
    expect({ create: plan.create, deleted: plan.delete.length, finish: plan.finish?.type }).toEqual(expected);
  });

  it('OnFailure counts container restarts against backoffLimit', () => {
    const job = makeJob({
      backoffLimit: 3,
      template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } },
    });
    expect(planJob(job, [makePod('Running', { restarts: 2 })], NOW).finish).toBeUndefined();
    const plan = planJob(job, [makePod('Running', { restarts: 3 })], NOW);
    expect(plan.finish).toMatchObject({ type: 'Failed', reason: REASON_BACKOFF_LIMIT_EXCEEDED });
    expect(plan.delete).toHaveLength(1);
  });

  it('fails a Job active past activeDeadlineSeconds, and asks to be woken at the deadline before', () => {
    const started = new Date(NOW - 30_000).toISOString();
    const job = makeJob({ activeDeadlineSeconds: 60 }, { startTime: started });
    const early = planJob(job, pods({ Running: 1 }), NOW);
    expect(early.finish).toBeUndefined();
    expect(early.requeueAfterMs).toBe(30_000);
    const late = planJob(job, pods({ Running: 1 }), NOW + 30_000);
    expect(late.finish).toMatchObject({ type: 'Failed', reason: REASON_DEADLINE_EXCEEDED });
    expect(late.delete).toHaveLength(1);
  });

  it.each([
    ['one failure, 5 s ago: waits 5 s more', 1, 5_000, { create: 0, requeueAfterMs: 5_000 }],
    ['one failure, 10 s ago: replaces it', 1, 10_000, { create: 1 }],
    ['two failures, 15 s ago: waits 20 s in all', 2, 15_000, { create: 0, requeueAfterMs: 5_000 }],
    ['many failures: capped at the maximum', 20, 6 * 60_000, { create: 1 }],
  ] as const)('failure backoff: %s', (_, failures, agoMs, expected) => {
    const job = makeJob({ backoffLimit: 100 });
    const failed = Array.from({ length: failures }, () => {
      const p = makePod('Failed');
      const finishedAt = new Date(NOW - agoMs).toISOString();
      return {
        ...p,
        status: {
          ...p.status,
          containerStatuses: [
            {
              name: 'c',
              ready: false,
              restartCount: 0,
              image: 'b',
              imageID: '',
              state: { terminated: { exitCode: 1, finishedAt } },
            },
          ],
        },
      } as Pod;
    });
    const plan = planJob(job, failed, NOW);
    expect({
      create: plan.create,
      ...(plan.requeueAfterMs ? { requeueAfterMs: plan.requeueAfterMs } : {}),
    }).toEqual(expected);
  });

  it('a finished Job only deletes what still runs', () => {
    const job = makeJob({}, { conditions: [{ type: 'Complete', status: 'True' }] });
    const plan = planJob(job, pods({ Running: 1, Succeeded: 1 }), NOW);
    expect(plan).toEqual({ create: 0, delete: [expect.anything()] });
  });

  it('active never exceeds parallelism nor the completions left (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 10 }),
        (completions, parallelism, running, succeeded, failed) => {
          const job = makeJob({ completions, parallelism, backoffLimit: 100 });
          const all = pods({ Running: running, Succeeded: succeeded, Failed: failed });
          const plan = planJob(job, all, NOW);
          const after = countPods(all).active.length + plan.create - plan.delete.length;
          expect(after).toBeLessThanOrEqual(parallelism);
          expect(after).toBeLessThanOrEqual(Math.max(0, completions - succeeded));
          expect(plan.create === 0 || plan.delete.length === 0).toBe(true);
          if (!plan.finish) expect(after).toBe(wantedActive(job, countPods(all)));
        },
      ),
    );
  });
});

describe('podsToAdopt', () => {
  const job = makeJob({
    manualSelector: true,
    selector: { matchLabels: { app: 'j' } },
    template: {
      metadata: { labels: { app: 'j' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
  const labelled = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => {
    const p = makePod('Running');
    return { ...p, metadata: { ...p.metadata, labels, ...extra } } as Pod;
  };
  it.each([
    ['a matching orphan', labelled({ app: 'j' }), 1],
    ['labels that do not match', labelled({ app: 'x' }), 0],
    ['another namespace', labelled({ app: 'j' }, { namespace: 'other' }), 0],
    ['being deleted', labelled({ app: 'j' }, { deletionTimestamp: '2026-01-01T00:00:00Z' }), 0],
    [
      'with a controller',
      labelled(
        { app: 'j' },
        { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'x', controller: true }] },
      ),
      0,
    ],
  ] as const)('%s', (_, pod, adopted) => {
    expect(podsToAdopt(job, [pod])).toHaveLength(adopted);
  });
});

describe('calculateJobStatus', () => {
  it('reports counts, the start and the Complete condition', () => {
    const job = makeJob({ completions: 2 });
    const all = pods({ Succeeded: 2 });
    const status = calculateJobStatus(job, all, planJob(job, all, NOW), NOW);
    expect(status).toMatchObject({
      active: 0,
      succeeded: 2,
      failed: 0,
      ready: 0,
      startTime: '2026-01-01T12:00:00Z',
      completionTime: '2026-01-01T12:00:00Z',
      conditions: [{ type: 'Complete', status: 'True', reason: 'Completed' }],
    });
  });

  it('reports the active pods the plan heads for', () => {
    const job = makeJob({ completions: 5, parallelism: 2 });
    const status = calculateJobStatus(job, [], planJob(job, [], NOW), NOW);
    expect(status.active).toBe(2);
    expect(status.conditions).toBeUndefined();
  });

  it("keeps a finished Job's counts when its pods are deleted later", () => {
    const finished = { type: 'Complete', status: 'True' };
    const job = makeJob({ completions: 2 }, { succeeded: 2, active: 0, conditions: [finished] });
    const status = calculateJobStatus(job, [], planJob(job, [], NOW), NOW);
    expect(status).toMatchObject({ succeeded: 2, active: 0, conditions: [finished] });
  });

  it('marks a failed Job with its reason', () => {
    const job = makeJob({ backoffLimit: 0 });
    const all = pods({ Failed: 1 });
    const status = calculateJobStatus(job, all, planJob(job, all, NOW), NOW);
    expect(status.conditions).toEqual([
      expect.objectContaining({ type: 'Failed', status: 'True', reason: REASON_BACKOFF_LIMIT_EXCEEDED }),
    ]);
    expect(status.completionTime).toBeUndefined();
  });
});
