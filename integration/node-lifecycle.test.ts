/**
 * The node lifecycle controller end to end: hollow kubelets heartbeat on real NATS, the API server
 * keeps objects in Redis, and a controller manager (in this process, reaching NATS through a
 * fault proxy) judges the nodes, with short settings: grace 3 s, default toleration 2 s.
 *
 *   kubelets n1 n2 n3 ──heartbeats──▶ NATS ◀──proxy (pause = cut off)──▶ controller manager
 *                                     ▲
 *                      API server ────┘ (Redis)
 *
 * What it shows: an outage shorter than the grace period evicts nothing; cutting the manager off
 * from the bus (and so from the API) for twice the grace period evicts nothing; a kubelet that
 * stops for good has its pods deleted within grace + toleration + 5 s. Replacing them on other
 * nodes is the ReplicaSet controller's work, which is not part of this file: it asserts deletion.
 *
 * The "evicts nothing" checks must let time pass: each waits one grace period plus the toleration
 * plus a second, the one kind of deliberate wait here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ControllerManager } from '../actors/controllers/manager/manager.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { HollowMachine, HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { systemClock } from '../protocol/clock.js';
import type { Node } from '../protocol/resources/node.js';
import type { Pod } from '../protocol/resources/pod.js';
import { TestCluster } from './cluster.js';
import { FaultProxy } from './fault-proxy.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

const GRACE_MS = 3_000;
const TOLERATION_S = 2;
const HEARTBEAT_MS = 300;
const NODES = ['n1', 'n2', 'n3'];
const UNREACHABLE = 'node.kubernetes.io/unreachable';

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });

describeWithServices('node lifecycle: hollow kubelets, NATS + Redis', skip, () => {
  let services: SharedServices;
  let cluster: TestCluster;
  let client: ApiClient;
  let kubeletBus: NatsBus;
  let proxy: FaultProxy;
  let managerBus: NatsBus;
  let manager: ControllerManager;
  const machine = new HollowMachine();
  const kubelets = new Map<string, Kubelet>();

  async function startKubelet(node: string): Promise<void> {
    const kubelet = new Kubelet({
      nodeName: node,
      client,
      bus: kubeletBus,
      subjects: cluster.subjects,
      runtime: new HollowRuntime({ node, machine }),
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      facts: { hostIP: '127.0.0.1', cpuMillis: 4000, memoryBytes: 8 * 1024 ** 3 },
      heartbeatMs: HEARTBEAT_MS,
    });
    await kubelet.start();
    kubelets.set(node, kubelet);
  }

  async function stopKubelet(node: string): Promise<void> {
    await kubelets.get(node)?.stop();
    kubelets.delete(node);
  }

  beforeAll(async () => {
    services = await sharedServices();
    cluster = await TestCluster.start('nodelc', {
      natsUrl: services.nats?.url ?? '',
      redisUrl: services.redis?.url ?? '',
    });
    const kubeletSide = await cluster.client();
    client = kubeletSide.client;
    kubeletBus = kubeletSide.bus;
    for (const node of NODES) await startKubelet(node);
    for (const node of NODES) {
      for (const i of [1, 2]) {
        await client.create('pods', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { namespace: 'default', name: `${node}-pod-${i}` },
          spec: {
            nodeName: node,
            containers: [{ name: 'main', image: 'busybox', command: ['sleep', 'infinity'] }],
          },
        });
      }
    }
    await waitFor(
      async () =>
        (await client.list<Pod>('pods', { namespace: 'default' })).items.every(
          (p) => p.status?.phase === 'Running',
        ),
      { timeoutMs: 20_000, description: 'every pod runs' },
    );

    // The manager reaches NATS only through the proxy, so the test can cut it off.
    proxy = await FaultProxy.start(services.nats?.port ?? 4222);
    managerBus = await NatsBus.connect({
      servers: `nats://${proxy.address}`,
      name: 'controller-manager',
      log: silentLogger(),
      reconnectTimeWaitMs: 100,
    });
    manager = new ControllerManager({
      client: new ApiClient(new NatsTransport({ bus: managerBus, subjects: cluster.subjects }), {
        timeoutMs: 1_000,
      }),
      bus: managerBus,
      subjects: cluster.subjects,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      identity: 'cm-test',
      // One replica: no election, so a cut-off manager keeps its controllers running and what
      // protects the nodes is the controller's own disruption guard, not a lost lease.
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
    await managerBus?.close().catch(() => undefined);
    await proxy?.close();
    for (const node of [...kubelets.keys()]) await stopKubelet(node);
    await cluster?.dispose();
    await services?.dispose();
  });

  const pods = async (node: string) =>
    (await client.list<Pod>('pods', { namespace: 'default' })).items.filter((p) => p.spec.nodeName === node);
  const tainted = async (node: string) =>
    ((await client.get<Node>('nodes', '', node)).spec.taints ?? []).some((t) => t.key === UNREACHABLE);

  /** Nothing marked, nothing evicted on any node. */
  async function expectUntouched(): Promise<void> {
    for (const node of NODES) {
      expect(await tainted(node)).toBe(false);
      const left = await pods(node);
      expect(left).toHaveLength(2);
      for (const pod of left) expect(pod.metadata.deletionTimestamp).toBeUndefined();
    }
  }

  it('evicts nothing after an outage shorter than the grace period', async () => {
    await stopKubelet('n2');
    await sleep(GRACE_MS / 2);
    await startKubelet('n2');
    await sleep(GRACE_MS + TOLERATION_S * 1000 + 1_000);
    await expectUntouched();
  });

  it('evicts nothing when the controller manager is cut off from the bus for twice the grace period', async () => {
    proxy.pause();
    await sleep(2 * GRACE_MS);
    proxy.resume();
    await sleep(GRACE_MS + TOLERATION_S * 1000 + 1_000);
    await expectUntouched();
  });

  it('deletes the pods of a kubelet that stopped within grace + toleration + 5 s', async () => {
    const stoppedAt = Date.now();
    await stopKubelet('n3');
    const limitMs = GRACE_MS + TOLERATION_S * 1000 + 5_000;
    await waitFor(() => tainted('n3'), { timeoutMs: limitMs, description: 'n3 gets the unreachable taint' });
    const node = await client.get<Node>('nodes', '', 'n3');
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    await waitFor(async () => (await pods('n3')).every((p) => p.metadata.deletionTimestamp !== undefined), {
      timeoutMs: Math.max(0, limitMs - (Date.now() - stoppedAt)),
      description: 'the pods of n3 are deleted',
    });
    const elapsed = Date.now() - stoppedAt;
    expect(elapsed).toBeLessThanOrEqual(limitMs);
    // Not before the grace period and the toleration (less the last heartbeat's age).
    expect(elapsed).toBeGreaterThanOrEqual(GRACE_MS + TOLERATION_S * 1000 - HEARTBEAT_MS - 200);
    // The other nodes are untouched.
    for (const other of ['n1', 'n2']) {
      expect(await tainted(other)).toBe(false);
      for (const pod of await pods(other)) expect(pod.metadata.deletionTimestamp).toBeUndefined();
    }
  });
});
