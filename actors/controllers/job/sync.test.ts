import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import { type Clock, SimulatedClock, systemClock } from '../../../protocol/clock.js';
import type { Event } from '../../../protocol/resources/event.js';
import type { Job } from '../../../protocol/resources/job.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { type RunningControllers, startControllers } from '../../kernel/controllers.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { jobController } from './controller.js';
import { REASON_BACKOFF_LIMIT_EXCEEDED, REASON_DEADLINE_EXCEEDED } from './plan.js';
import { COMPLETED, SUCCESSFUL_CREATE } from './sync.js';

let cluster: InProcessCluster;
let running: RunningControllers | undefined;

beforeEach(async () => {
  cluster = await startInProcessCluster();
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cluster.stop();
});

async function startJobs(clock: Clock = systemClock): Promise<void> {
  const log = silentLogger();
  const { client } = cluster;
  running = startControllers([jobController()], {
    client,
    informers: new SharedInformers({ client, clock, log }),
    recorder: new EventRecorder({ client, clock, log, component: 'job-controller' }),
    clock,
    log,
    registry: new Registry(),
  });
  await running.synced;
}

function job(name: string, spec: Record<string, unknown>): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  } as unknown as Job;
}

const readJob = (name: string) => cluster.client.get<Job>('jobs', 'default', name);
const podsOf = async (job: Job) =>
  (await cluster.client.list<Pod>('pods', { namespace: 'default' })).items.filter((p) =>
    p.metadata.ownerReferences?.some((r) => r.uid === job.metadata.uid),
  );
const active = (pods: Pod[]) =>
  pods.filter(
    (p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '') && !p.metadata.deletionTimestamp,
  );

/** Plays the kubelet: ends `pod` in `phase`. */
async function finish(pod: Pod, phase: 'Succeeded' | 'Failed'): Promise<void> {
  await cluster.client.updateStatus('pods', { ...pod, status: { ...pod.status, phase } });
}

describe('job controller syncs', () => {
  it('runs a Job of 3 completions 2 at a time, labels and owns its pods, and completes it', async () => {
    await startJobs();
    const created = await cluster.client.create('jobs', job('work', { completions: 3, parallelism: 2 }));
    let pods = await waitFor(async () => {
      const p = await podsOf(created);
      return p.length === 2 ? p : false;
    });
    const pod = pods[0] as Pod;
    expect(pod.metadata.labels).toMatchObject({
      'controller-uid': created.metadata.uid,
      'job-name': 'work',
      'batch.kubernetes.io/controller-uid': created.metadata.uid,
      'batch.kubernetes.io/job-name': 'work',
    });
    expect(pod.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Job', name: 'work', controller: true, blockOwnerDeletion: true }),
    ]);
    await waitFor(async () => (await readJob('work')).status?.active === 2);

    for (const p of pods) await finish(p, 'Succeeded');
    pods = await waitFor(async () => {
      const p = await podsOf(created);
      return p.length === 3 ? p : false;
    });
    expect(active(pods)).toHaveLength(1);
    await finish(active(pods)[0] as Pod, 'Succeeded');
    const done = await waitFor(async () => {
      const j = await readJob('work');
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : false;
    });
    expect(done.status).toMatchObject({ succeeded: 3, active: 0, failed: 0 });
    expect(done.status?.completionTime).toBeDefined();
    expect(done.status?.startTime).toBeDefined();
    expect(await podsOf(created)).toHaveLength(3);
    const reasons = await waitFor(async () => {
      const events = (await cluster.client.list<Event>('events', { namespace: 'default' })).items;
      const r = events.filter((e) => e.involvedObject.name === 'work').map((e) => e.reason);
      return r.includes(COMPLETED) ? r : false;
    });
    expect(reasons).toContain(SUCCESSFUL_CREATE);
  });

  it('adopts its own pod whose owner reference was removed, instead of starting another', async () => {
    await startJobs();
    const created = await cluster.client.create('jobs', job('adopter', {}));
    const [pod] = await waitFor(async () => {
      const p = await podsOf(created);
      return p.length === 1 ? p : false;
    });
    const live = await cluster.client.get<Pod>('pods', 'default', pod?.metadata.name as string);
    await cluster.client.update('pods', { ...live, metadata: { ...live.metadata, ownerReferences: [] } });
    await waitFor(async () => (await podsOf(created)).length === 1);
    const all = (await cluster.client.list<Pod>('pods', { namespace: 'default' })).items;
    expect(all).toHaveLength(1);
    expect(all[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      uid: created.metadata.uid,
      controller: true,
    });
  });

  it('fails a Job whose pods fail more than backoffLimit times (Never), and stops the rest', async () => {
    await startJobs();
    const created = await cluster.client.create(
      'jobs',
      job('flaky', { completions: 2, parallelism: 2, backoffLimit: 1 }),
    );
    const failed = new Set<string>();
    const finished = await waitFor(
      async () => {
        const j = await readJob('flaky');
        if (j.status?.conditions?.some((c) => c.type === 'Failed')) return j;
        // Fail one running pod at a time, as a kubelet would report them.
        const next = active(await podsOf(created)).find((p) => !failed.has(p.metadata.uid as string));
        if (next && failed.size < 2) {
          failed.add(next.metadata.uid as string);
          await finish(next, 'Failed');
        }
        return false;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    expect(finished.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Failed', status: 'True', reason: REASON_BACKOFF_LIMIT_EXCEEDED }),
    ]);
    expect(finished.status?.failed).toBe(2);
    // The pod still running when the limit was hit is deleted.
    await waitFor(async () => active(await podsOf(created)).length === 0);
  });

  it('fails a Job past activeDeadlineSeconds on the injected clock', async () => {
    const clock = new SimulatedClock(Date.now());
    await startJobs(clock);
    const created = await cluster.client.create('jobs', job('slow', { activeDeadlineSeconds: 30 }));
    await waitFor(async () => (await readJob('slow')).status?.startTime !== undefined);
    expect(active(await podsOf(created))).toHaveLength(1);
    await clock.advance(31_000);
    const failed = await waitFor(async () => {
      const j = await readJob('slow');
      return j.status?.conditions?.length ? j : false;
    });
    expect(failed.status?.conditions?.[0]).toMatchObject({
      type: 'Failed',
      reason: REASON_DEADLINE_EXCEEDED,
    });
    await waitFor(async () => (await podsOf(created)).length === 0);
  });
});
