/**
 * The controller manager end to end, every controller at once, on real NATS and Redis: hollow
 * kubelets run the pods, the scheduler places them, and the controllers (ReplicaSet, Deployment,
 * garbage collector, namespace, node lifecycle, endpoints, ...) do the rest. Short node lifecycle
 * settings (grace 3 s, toleration 2 s) keep the node-loss case quick.
 *
 *   Deployment ──▶ ReplicaSet ──▶ pods ──scheduler──▶ n1 n2 n3 (hollow kubelets)
 *        │ delete (Background | Orphan)      │ namespace delete     │ kubelet stops
 *        ▼                                   ▼                      ▼
 *   garbage collector                  namespace controller    node lifecycle evicts, RS replaces
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ControllerManager } from '../actors/controllers/manager/manager.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { HollowMachine, HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { Scheduler } from '../actors/scheduler/scheduler.js';
import type { ApiClient } from '../protocol/client/api-client.js';
import { systemClock } from '../protocol/clock.js';
import { isReason } from '../protocol/errors.js';
import type { Pod } from '../protocol/resources/pod.js';
import type { AnyObject } from '../protocol/resources/registry.js';
import { TestCluster } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

const GRACE_MS = 3_000;
const TOLERATION_S = 2;
const NODES = ['e2e-n1', 'e2e-n2', 'e2e-n3'];

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });

const deployment = (namespace: string, name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { namespace, name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox', command: ['sleep', 'infinity'] }],
      },
    },
  },
});

describeWithServices('controllers end to end: hollow kubelets, NATS + Redis', skip, () => {
  let services: SharedServices;
  let cluster: TestCluster;
  let client: ApiClient;
  let scheduler: Scheduler;
  let manager: ControllerManager;
  const kubelets = new Map<string, Kubelet>();
  const machine = new HollowMachine();

  beforeAll(async () => {
    services = await sharedServices();
    cluster = await TestCluster.start('e2e', {
      natsUrl: services.nats?.url ?? '',
      redisUrl: services.redis?.url ?? '',
    });
    const side = await cluster.client();
    client = side.client;
    for (const node of NODES) {
      const kubelet = new Kubelet({
        nodeName: node,
        client,
        bus: side.bus,
        subjects: cluster.subjects,
        runtime: new HollowRuntime({ node, machine }),
        clock: systemClock,
        log: silentLogger(),
        registry: new Registry(),
        facts: { hostIP: '127.0.0.1', cpuMillis: 4000, memoryBytes: 8 * 1024 ** 3 },
        heartbeatMs: 300,
      });
      await kubelet.start();
      kubelets.set(node, kubelet);
    }
    scheduler = new Scheduler({
      client,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'scheduler-e2e',
      leaderElection: false,
    });
    await scheduler.start();
    manager = new ControllerManager({
      client,
      bus: side.bus,
      subjects: cluster.subjects,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'cm-e2e',
      leaderElection: false,
      settings: {
        nodelifecycle: {
          gracePeriodMs: GRACE_MS,
          monitorPeriodMs: 200,
          defaultTolerationSeconds: TOLERATION_S,
        },
      },
    });
    await manager.start();
    await manager.synced;
  });
  afterAll(async () => {
    await manager?.stop();
    await scheduler?.stop();
    for (const kubelet of kubelets.values()) await kubelet.stop();
    await cluster?.dispose();
    await services?.dispose();
  });

  const pods = async (namespace: string, app: string) =>
    (await client.list<Pod>('pods', { namespace, labelSelector: `app=${app}` })).items;
  const live = (list: readonly Pod[]) => list.filter((p) => !p.metadata.deletionTimestamp);
  const running = async (namespace: string, app: string) =>
    live(await pods(namespace, app)).filter((p) => p.status?.phase === 'Running');
  const gone = (resource: string, namespace: string, name: string) =>
    client.get(resource, namespace, name).then(
      () => false as const,
      (err: unknown) => isReason(err, 'NotFound'),
    );

  it('deleting a Deployment removes its ReplicaSets and pods; with Orphan the pods stay', async () => {
    await client.create('deployments', deployment('default', 'cascade', 3));
    await waitFor(async () => (await running('default', 'cascade')).length === 3, { timeoutMs: 20_000 });
    await client.delete('deployments', 'default', 'cascade');
    await waitFor(
      async () =>
        (await client.list('replicasets', { namespace: 'default', labelSelector: 'app=cascade' })).items
          .length === 0 && (await pods('default', 'cascade')).length === 0,
      { timeoutMs: 20_000, description: 'the ReplicaSet and its pods are gone' },
    );

    await client.create('deployments', deployment('default', 'orphans', 2));
    await waitFor(async () => (await running('default', 'orphans')).length === 2, { timeoutMs: 20_000 });
    await client.delete('deployments', 'default', 'orphans', { propagationPolicy: 'Orphan' });
    await waitFor(() => gone('deployments', 'default', 'orphans'), { timeoutMs: 20_000 });
    const [rs] = (
      await client.list<AnyObject>('replicasets', { namespace: 'default', labelSelector: 'app=orphans' })
    ).items;
    expect(rs?.metadata.ownerReferences ?? []).toEqual([]);
    expect(await running('default', 'orphans')).toHaveLength(2);
  });

  it('deleting a namespace with a Deployment, a Service and a ConfigMap in it leaves nothing behind', async () => {
    await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await client.create('deployments', deployment('doomed', 'web', 2));
    await client.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'doomed', name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    await client.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'doomed', name: 'settings' },
      data: { k: 'v' },
    });
    await waitFor(async () => (await running('doomed', 'web')).length === 2, { timeoutMs: 20_000 });
    await client.delete('namespaces', '', 'doomed');
    await waitFor(() => gone('namespaces', '', 'doomed'), {
      timeoutMs: 30_000,
      description: 'the namespace is gone',
    });
    for (const resource of ['deployments', 'replicasets', 'pods', 'services', 'endpoints', 'configmaps']) {
      expect({ resource, left: (await client.list(resource, { namespace: 'doomed' })).items }).toEqual({
        resource,
        left: [],
      });
    }
  });

  it("a node that stops has its ReplicaSet's pods replaced on the other nodes within grace + toleration + 5 s", async () => {
    await client.create('deployments', deployment('default', 'survivor', 6));
    await waitFor(async () => (await running('default', 'survivor')).length === 6, { timeoutMs: 20_000 });
    const victim = (await running('default', 'survivor'))[0]?.spec.nodeName as string;
    await kubelets.get(victim)?.stop();
    kubelets.delete(victim);
    const stopped = Date.now();
    await waitFor(
      async () => {
        const elsewhere = (await running('default', 'survivor')).filter((p) => p.spec.nodeName !== victim);
        return elsewhere.length === 6;
      },
      { timeoutMs: GRACE_MS + TOLERATION_S * 1000 + 5_000, description: 'six pods run on the other nodes' },
    );
    expect(Date.now() - stopped).toBeLessThan(GRACE_MS + TOLERATION_S * 1000 + 5_000);
  });
});
