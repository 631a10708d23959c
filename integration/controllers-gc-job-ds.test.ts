/**
 * The garbage collector, the Job and the DaemonSet controllers end to end, on real NATS and Redis:
 * an API server, four hollow kubelets (the fourth node tainted), the real scheduler, and the three
 * controllers on shared informers. Hollow containers: `sleep 1` exits 0 after a second, `exit 1`
 * fails at once, anything else runs until stopped.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { daemonSetController } from '../actors/controllers/daemonset/controller.js';
import { garbageCollectorController } from '../actors/controllers/garbagecollector/controller.js';
import { FOREGROUND_FINALIZER } from '../actors/controllers/garbagecollector/plan.js';
import { jobController } from '../actors/controllers/job/controller.js';
import { REASON_BACKOFF_LIMIT_EXCEEDED } from '../actors/controllers/job/plan.js';
import { type RunningControllers, startControllers } from '../actors/kernel/controllers.js';
import { silentLogger } from '../actors/kernel/log.js';
import { SharedInformers } from '../actors/kernel/shared-informers.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { HollowMachine, HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { Scheduler } from '../actors/scheduler/scheduler.js';
import type { ApiClient } from '../protocol/client/api-client.js';
import { EventRecorder } from '../protocol/client/recorder.js';
import { systemClock } from '../protocol/clock.js';
import { isReason } from '../protocol/errors.js';
import type { DaemonSet } from '../protocol/resources/daemonset.js';
import type { Job } from '../protocol/resources/job.js';
import type { Node } from '../protocol/resources/node.js';
import type { Pod } from '../protocol/resources/pod.js';
import { TestCluster } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });
const NODES = ['hollow-1', 'hollow-2', 'hollow-3', 'hollow-4'];
const TAINTED = 'hollow-4';

describeWithServices('GC, Job and DaemonSet controllers (NATS + Redis, hollow kubelets)', skip, () => {
  let services: SharedServices;
  let cluster: TestCluster;
  let client: ApiClient;
  let controllers: RunningControllers;
  let scheduler: Scheduler;
  const kubelets: Kubelet[] = [];

  beforeAll(async () => {
    services = await sharedServices();
    cluster = await TestCluster.start('ctlgc', {
      natsUrl: services.nats?.url as string,
      redisUrl: services.redis?.url as string,
    });
    ({ client } = await cluster.client());
    const log = silentLogger();

    // The fourth node is tainted before its kubelet joins (the kubelet keeps an existing spec).
    await client.create('nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: TAINTED },
      spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
    } as unknown as Node);
    const kubeletConn = await cluster.client();
    const machine = new HollowMachine();
    for (const node of NODES) {
      const kubelet = new Kubelet({
        nodeName: node,
        client: kubeletConn.client,
        bus: kubeletConn.bus,
        subjects: cluster.subjects,
        runtime: new HollowRuntime({ node, machine }),
        clock: systemClock,
        log,
        registry: new Registry(),
        facts: { hostIP: '127.0.0.1', cpuMillis: 4000, memoryBytes: 8 * 1024 ** 3 },
        heartbeatMs: 2_000,
      });
      await kubelet.start();
      kubelets.push(kubelet);
    }

    scheduler = new Scheduler({
      client: (await cluster.client()).client,
      clock: systemClock,
      log,
      registry: new Registry(),
      identity: 'scheduler-0',
      leaderElection: false,
    });
    await scheduler.start();

    const controllerClient = (await cluster.client()).client;
    controllers = startControllers(
      [garbageCollectorController(), jobController({ podFailureBackoffMs: 100 }), daemonSetController()],
      {
        client: controllerClient,
        informers: new SharedInformers({ client: controllerClient, clock: systemClock, log }),
        recorder: new EventRecorder({ client: controllerClient, clock: systemClock, log, component: 'test' }),
        clock: systemClock,
        log,
        registry: new Registry(),
      },
    );
    await controllers.synced;
  });

  afterAll(async () => {
    await controllers?.stop();
    await scheduler?.stop();
    for (const k of kubelets) await k.stop();
    await cluster?.dispose();
    await services?.dispose();
  });

  const podsOwnedBy = async (uid: string) =>
    (await client.list<Pod>('pods', { namespace: 'default' })).items.filter((p) =>
      p.metadata.ownerReferences?.some((r) => r.uid === uid),
    );
  const podsLabelled = async (selector: string) =>
    (await client.list<Pod>('pods', { namespace: 'default', labelSelector: selector })).items;
  const isActive = (p: Pod) =>
    p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;
  const readOrUndefined = async <T>(resource: string, name: string) =>
    client.get<T>(resource, 'default', name).catch((err: unknown) => {
      if (isReason(err, 'NotFound')) return undefined;
      throw err;
    });

  function job(name: string, command: string[], spec: Record<string, unknown> = {}): Job {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'default' },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'work', image: 'busybox', command }],
          },
        },
        ...spec,
      },
    } as unknown as Job;
  }

  it('completes a Job of 5 completions, never more than 2 pods active at once', async () => {
    const created = await client.create(
      'jobs',
      job('five', ['sleep', '1'], { completions: 5, parallelism: 2 }),
    );
    let maxActive = 0;
    const done = await waitFor(
      async () => {
        const pods = await podsOwnedBy(created.metadata.uid);
        maxActive = Math.max(maxActive, pods.filter(isActive).length);
        const j = await client.get<Job>('jobs', 'default', 'five');
        return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : false;
      },
      { timeoutMs: 30_000, intervalMs: 25 },
    );
    expect(maxActive).toBe(2);
    expect(done.status).toMatchObject({ succeeded: 5, active: 0 });
    const pods = await podsOwnedBy(created.metadata.uid);
    expect(pods.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(5);
    expect(pods.every((p) => p.spec.nodeName && NODES.slice(0, 3).includes(p.spec.nodeName))).toBe(true);
  });

  it('fails a Job whose pods keep failing once it passes backoffLimit', async () => {
    const created = await client.create('jobs', job('doomed', ['exit', '1'], { backoffLimit: 2 }));
    const failed = await waitFor(
      async () => {
        const j = await client.get<Job>('jobs', 'default', 'doomed');
        return j.status?.conditions?.some((c) => c.type === 'Failed') ? j : false;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(failed.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Failed', status: 'True', reason: REASON_BACKOFF_LIMIT_EXCEEDED }),
    ]);
    expect(failed.status?.failed).toBe(3);
    expect((await podsOwnedBy(created.metadata.uid)).filter(isActive)).toHaveLength(0);
  });

  it('runs a DaemonSet pod on each of the 3 untainted nodes and none on the tainted one', async () => {
    await client.create('daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'agent', image: 'agent', command: ['serve'] }],
          },
        },
      },
    } as unknown as DaemonSet);
    const ds = await waitFor(
      async () => {
        const d = await client.get<DaemonSet>('daemonsets', 'default', 'agent');
        return d.status?.numberReady === 3 ? d : false;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(ds.status).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
    });
    const pods = (await podsLabelled('app=agent')).filter(isActive);
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['hollow-1', 'hollow-2', 'hollow-3']);
    expect(pods.every((p) => p.status?.phase === 'Running')).toBe(true);
  });

  /** A Job of two long-running pods, both Running, as an owner with dependents on real kubelets. */
  async function runningOwner(name: string): Promise<{ uid: string }> {
    const created = await client.create('jobs', job(name, ['serve'], { completions: 2, parallelism: 2 }));
    await waitFor(
      async () => {
        const pods = await podsOwnedBy(created.metadata.uid);
        return pods.length === 2 && pods.every((p) => p.status?.phase === 'Running');
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    return { uid: created.metadata.uid };
  }

  it('Background: deleting the owner deletes its dependents', async () => {
    const { uid } = await runningOwner('bg');
    await client.delete('jobs', 'default', 'bg');
    await waitFor(async () => (await podsLabelled(`controller-uid=${uid}`)).length === 0, {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
  });

  it('Orphan: the owner goes, the dependents stay without the owner reference', async () => {
    const { uid } = await runningOwner('orphan');
    await client.delete('jobs', 'default', 'orphan', { propagationPolicy: 'Orphan' });
    await waitFor(async () => (await readOrUndefined<Job>('jobs', 'orphan')) === undefined, {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    const pods = await podsLabelled(`controller-uid=${uid}`);
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata.ownerReferences ?? []).toEqual([]);
      expect(p.metadata.deletionTimestamp).toBeUndefined();
    }
    for (const p of pods) await client.delete('pods', 'default', p.metadata.name as string);
  });

  it('Foreground: the owner stays until its blocking dependents are gone', async () => {
    const { uid } = await runningOwner('fg');
    await client.delete('jobs', 'default', 'fg', { propagationPolicy: 'Foreground' });
    let sawWaiting = false;
    await waitFor(
      async () => {
        const owner = await readOrUndefined<Job>('jobs', 'fg');
        const pods = await podsLabelled(`controller-uid=${uid}`);
        if (owner) {
          if (pods.length > 0 && owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)) sawWaiting = true;
          return false;
        }
        // The owner is gone: its blocking dependents must have gone first.
        expect(pods).toHaveLength(0);
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    expect(sawWaiting).toBe(true);
  });
});
