/**
 * Deployments end to end: the ReplicaSet and Deployment controllers (on the controller kernel), the
 * real scheduler and 10 hollow kubelets, first on the in-process bus and store, then on real NATS
 * and Redis. A rolling update of 100 replicas with maxSurge and maxUnavailable of 10% is watched
 * on every pod event: never fewer than 90 available, never more than 110 pods present; undo goes
 * back to the previous template. Recreate never runs old and new pods together; a paused
 * Deployment still scales.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import { deploymentController } from '../actors/controllers/deployment/controller.js';
import { replicaSetController } from '../actors/controllers/replicaset/controller.js';
import { type RunningControllers, startControllers } from '../actors/kernel/controllers.js';
import { silentLogger } from '../actors/kernel/log.js';
import { SharedInformers } from '../actors/kernel/shared-informers.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { HollowMachine, HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { Scheduler } from '../actors/scheduler/scheduler.js';
import type { Bus } from '../protocol/bus.js';
import type { ApiClient } from '../protocol/client/api-client.js';
import { Informer } from '../protocol/client/informer.js';
import { EventRecorder } from '../protocol/client/recorder.js';
import { deploymentHistory, rollbackDeployment, rolloutStatus } from '../protocol/client/rollout.js';
import { systemClock } from '../protocol/clock.js';
import { type Deployment, POD_TEMPLATE_HASH_LABEL } from '../protocol/resources/deployment.js';
import type { Pod } from '../protocol/resources/pod.js';
import type { ReplicaSet } from '../protocol/resources/replicaset.js';
import type { Subjects } from '../protocol/subjects.js';
import { makeDeployment } from '../protocol/testing/builders.js';
import { TestCluster } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

const NODES = 10;
const NS = 'default';

/** Where the cluster's API lives: a client, the bus kubelets use, the subjects. */
interface Backend {
  readonly client: ApiClient;
  readonly bus: Bus;
  readonly subjects: Subjects;
  stop(): Promise<void>;
}

/** The API server, with the scheduler, both controllers and 10 hollow kubelets on top. */
interface Workload {
  readonly client: ApiClient;
  stop(): Promise<void>;
}

async function startWorkload(backend: Backend): Promise<Workload> {
  const { client, bus, subjects } = backend;
  const log = silentLogger();
  const machine = new HollowMachine();
  const kubelets: Kubelet[] = [];
  for (let i = 0; i < NODES; i++) {
    const node = `hollow-${i}`;
    const kubelet = new Kubelet({
      nodeName: node,
      client,
      bus,
      subjects,
      runtime: new HollowRuntime({ node, machine }),
      clock: systemClock,
      log,
      registry: new Registry(),
      facts: { hostIP: '127.0.0.1', cpuMillis: 16000, memoryBytes: 64 * 1024 ** 3 },
      heartbeatMs: 60_000,
    });
    await kubelet.start();
    kubelets.push(kubelet);
  }
  const scheduler = new Scheduler({
    client,
    clock: systemClock,
    log,
    registry: new Registry(),
    identity: 'scheduler-0',
    leaderElection: false,
    scheduledEvents: false,
  });
  await scheduler.start();
  const recorder = new EventRecorder({ client, clock: systemClock, log, component: 'controller-manager' });
  const informers = new SharedInformers({ client, clock: systemClock, log });
  const controllers: RunningControllers = startControllers([replicaSetController(), deploymentController()], {
    client,
    informers,
    recorder,
    clock: systemClock,
    log,
    registry: new Registry(),
  });
  await controllers.synced;
  return {
    client,
    async stop() {
      await controllers.stop();
      await recorder.flush();
      await scheduler.stop();
      for (const k of kubelets) await k.stop();
    },
  };
}

/** Counts of a Deployment's pods, sampled on every pod event by a watch of its own. */
class PodSampler {
  minAvailable = Number.POSITIVE_INFINITY;
  maxPresent = 0;
  samples = 0;
  /** Moments where pods of two templates were present at once (Recreate forbids it). */
  mixed = 0;
  private recording = false;
  private readonly informer: Informer<Pod>;

  constructor(client: ApiClient, app: string) {
    this.informer = new Informer<Pod>({
      client,
      resource: 'pods',
      namespace: NS,
      labelSelector: `app=${app}`,
      clock: systemClock,
      log: silentLogger(),
    });
    const sample = () => this.sample();
    this.informer.on({ add: sample, update: sample, delete: sample });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  /**
   * Starts recording extremes, once this watch's own cache shows `available` ready pods (it may
   * lag behind the list the test just read; a lagging cache is not a controller's fault).
   */
  async record(available: number): Promise<void> {
    await waitFor(() => this.counts().available === available, { timeoutMs: 10_000, intervalMs: 10 });
    this.minAvailable = Number.POSITIVE_INFINITY;
    this.maxPresent = 0;
    this.samples = 0;
    this.mixed = 0;
    this.recording = true;
    this.sample();
  }

  counts(): { present: number; available: number; hashes: Set<string> } {
    let present = 0;
    let available = 0;
    const hashes = new Set<string>();
    for (const pod of this.informer.list()) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      // Terminating pods of any template count for the Recreate check (they still run)...
      hashes.add(pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '');
      // ...but not toward the surge: Kubernetes' maxSurge bounds pods that are not terminating.
      if (pod.metadata.deletionTimestamp) continue;
      present++;
      if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) available++;
    }
    return { present, available, hashes };
  }

  private sample(): void {
    if (!this.recording) return;
    const { present, available, hashes } = this.counts();
    this.samples++;
    this.minAvailable = Math.min(this.minAvailable, available);
    this.maxPresent = Math.max(this.maxPresent, present);
    if (hashes.size > 1) this.mixed++;
  }
}

/** Waits until the Deployment's rollout is complete at `replicas` and every pod runs its template. */
async function waitRolledOut(client: ApiClient, name: string, replicas: number, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const d = await client.get<Deployment>('deployments', NS, name);
      const report = rolloutStatus(d);
      expect(report.message).toBe(`deployment "${name}" successfully rolled out`);
      expect(d.status?.availableReplicas).toBe(replicas);
      const rss = (await client.list<ReplicaSet>('replicasets', { namespace: NS })).items.filter((rs) =>
        rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid),
      );
      const current = rss.filter((rs) => rs.spec.replicas > 0);
      expect(current).toHaveLength(1);
      const pods = (
        await client.list<Pod>('pods', { namespace: NS, labelSelector: `app=${name}` })
      ).items.filter((p) => !p.metadata.deletionTimestamp);
      const hash = current[0]?.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
      expect(pods.filter((p) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash)).toHaveLength(
        replicas,
      );
      expect(pods).toHaveLength(replicas);
      return d;
    },
    { timeoutMs, intervalMs: 100, description: `deployment ${name} rolled out at ${replicas}` },
  );
}

async function editDeployment(
  client: ApiClient,
  name: string,
  edit: (d: Deployment) => Deployment,
): Promise<void> {
  await waitFor(async () => {
    const d = await client.get<Deployment>('deployments', NS, name);
    await client.update('deployments', edit(structuredClone(d)));
  });
}

/** Sets the first container's image (a template change). */
const withImage = (image: string) => (d: Deployment) => {
  const containers = d.spec.template.spec.containers.map((c, i) => (i === 0 ? { ...c, image } : c));
  return {
    ...d,
    spec: { ...d.spec, template: { ...d.spec.template, spec: { ...d.spec.template.spec, containers } } },
  };
};

/** The rollout scenarios, on whichever backend `backend` starts. */
function rolloutScenarios(backend: () => Promise<Backend>) {
  let env: Backend;
  let workload: Workload;
  beforeAll(async () => {
    env = await backend();
    workload = await startWorkload(env);
  }, 60_000);
  afterAll(async () => {
    await workload?.stop();
    await env?.stop();
  }, 60_000);

  it('rolls 100 replicas to a new template within 10% surge and 10% unavailability, and undoes it', async () => {
    const client = workload.client;
    const sampler = new PodSampler(client, 'web');
    await sampler.start();
    try {
      const web = makeDeployment('web')
        .replicas(100)
        .rollingUpdate({ maxSurge: '10%', maxUnavailable: '10%' })
        .image('busybox:1')
        .input();
      await client.create('deployments', web as unknown as Deployment);
      await waitRolledOut(client, 'web', 100);

      await sampler.record(100);
      await editDeployment(client, 'web', withImage('busybox:2'));
      const rolled = await waitRolledOut(client, 'web', 100);
      expect(rolled.spec.template.spec.containers[0]?.image).toBe('busybox:2');
      expect(sampler.minAvailable).toBeGreaterThanOrEqual(90);
      expect(sampler.maxPresent).toBeLessThanOrEqual(110);
      expect(sampler.samples).toBeGreaterThan(200);

      const history = await deploymentHistory(client, NS, 'web');
      expect(history.map((h) => [h.revision, h.template.spec.containers[0]?.image])).toEqual([
        [1, 'busybox:1'],
        [2, 'busybox:2'],
      ]);

      await sampler.record(100);
      const undo = await rollbackDeployment(client, NS, 'web');
      expect(undo).toMatchObject({ action: 'rolled back', revision: 1 });
      const back = await waitRolledOut(client, 'web', 100);
      expect(back.spec.template.spec.containers[0]?.image).toBe('busybox:1');
      expect(back.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
      expect(sampler.minAvailable).toBeGreaterThanOrEqual(90);
      expect(sampler.maxPresent).toBeLessThanOrEqual(110);
      const after = await deploymentHistory(client, NS, 'web');
      expect(after.map((h) => [h.revision, h.template.spec.containers[0]?.image])).toEqual([
        [2, 'busybox:2'],
        [3, 'busybox:1'],
      ]);
    } finally {
      await sampler.stop();
    }
  }, 60_000);

  it('an undo in the middle of a rollout stays within the same bounds', async () => {
    const client = workload.client;
    const sampler = new PodSampler(client, 'mid');
    await sampler.start();
    try {
      const mid = makeDeployment('mid')
        .replicas(100)
        .rollingUpdate({ maxSurge: '10%', maxUnavailable: '10%' })
        .image('busybox:1')
        .input();
      await client.create('deployments', mid as unknown as Deployment);
      await waitRolledOut(client, 'mid', 100);
      await sampler.record(100);
      await editDeployment(client, 'mid', withImage('busybox:2'));
      // Undo once about a third of the pods run the new template.
      await waitFor(
        async () => {
          const d = await client.get<Deployment>('deployments', NS, 'mid');
          expect(d.status?.updatedReplicas ?? 0).toBeGreaterThanOrEqual(30);
        },
        { timeoutMs: 30_000, intervalMs: 10 },
      );
      await rollbackDeployment(client, NS, 'mid');
      const back = await waitRolledOut(client, 'mid', 100);
      expect(back.spec.template.spec.containers[0]?.image).toBe('busybox:1');
      expect(sampler.minAvailable).toBeGreaterThanOrEqual(90);
      expect(sampler.maxPresent).toBeLessThanOrEqual(110);
    } finally {
      await sampler.stop();
    }
  }, 60_000);

  it('Recreate removes every old pod before the first new one exists', async () => {
    const client = workload.client;
    const sampler = new PodSampler(client, 'batch');
    await sampler.start();
    try {
      const batch = makeDeployment('batch').replicas(10).recreate().image('busybox:1').input();
      await client.create('deployments', batch as unknown as Deployment);
      await waitRolledOut(client, 'batch', 10);
      await sampler.record(10);
      await editDeployment(client, 'batch', withImage('busybox:2'));
      const done = await waitRolledOut(client, 'batch', 10);
      expect(done.spec.template.spec.containers[0]?.image).toBe('busybox:2');
      expect(sampler.mixed).toBe(0);
      expect(sampler.maxPresent).toBe(10);
    } finally {
      await sampler.stop();
    }
  }, 60_000);

  it('scales a paused Deployment without rolling out its new template, and rolls out on resume', async () => {
    const client = workload.client;
    const api = makeDeployment('api').replicas(4).image('busybox:1').input();
    await client.create('deployments', api as unknown as Deployment);
    await waitRolledOut(client, 'api', 4);
    await editDeployment(client, 'api', (d) =>
      withImage('busybox:2')({ ...d, spec: { ...d.spec, paused: true } }),
    );
    await editDeployment(client, 'api', (d) => ({ ...d, spec: { ...d.spec, replicas: 7 } }));
    const paused = await waitFor(
      async () => {
        const d = await client.get<Deployment>('deployments', NS, 'api');
        expect(d.status?.observedGeneration).toBe(d.metadata.generation);
        expect(d.status?.availableReplicas).toBe(7);
        expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('DeploymentPaused');
        return d;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const rss = (await client.list<ReplicaSet>('replicasets', { namespace: NS })).items.filter((rs) =>
      rs.metadata.ownerReferences?.some((r) => r.uid === paused.metadata.uid),
    );
    expect(rss.map((rs) => [rs.spec.replicas, rs.spec.template.spec.containers[0]?.image])).toEqual([
      [7, 'busybox:1'],
    ]);

    await editDeployment(client, 'api', (d) => ({ ...d, spec: { ...d.spec, paused: false } }));
    const resumed = await waitRolledOut(client, 'api', 7);
    expect(resumed.spec.template.spec.containers[0]?.image).toBe('busybox:2');
  }, 60_000);
}

describe('deployment rollout on the in-process cluster', () => {
  rolloutScenarios(async () => {
    const cluster = await startInProcessCluster();
    return {
      client: cluster.client,
      bus: cluster.bus,
      subjects: cluster.subjects,
      stop: () => cluster.stop(),
    };
  });
});

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });
describeWithServices('deployment rollout on NATS and Redis', skip, () => {
  let services: SharedServices;
  rolloutScenarios(async () => {
    services = await sharedServices({ nats: true, redis: true });
    const cluster = await TestCluster.start('rollout', {
      natsUrl: services.nats?.url ?? '',
      redisUrl: services.redis?.url ?? '',
    });
    const { client, bus } = await cluster.client();
    return {
      client,
      bus,
      subjects: cluster.subjects,
      async stop() {
        await cluster.dispose();
        await services.dispose();
      },
    };
  });
});
