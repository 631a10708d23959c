/**
 * Scale: 1,000 hollow kubelets in one process (the API server, the scheduler-free cluster and every
 * kubelet share it), each registering its node and running a pod, under 1 GiB resident. Hollow
 * runtimes simulate containers in memory, so this measures the kubelet itself.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { HollowMachine, HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { systemClock } from '../protocol/clock.js';
import type { Pod } from '../protocol/resources/pod.js';

const KUBELETS = Number(process.env.SKIFF_TEST_HOLLOW_KUBELETS ?? 1000);
const MiB = 1024 * 1024;

let cluster: InProcessCluster;
const kubelets: Kubelet[] = [];

beforeAll(async () => {
  cluster = await startInProcessCluster();
});
afterAll(async () => {
  for (const k of kubelets) await k.stop();
  await cluster.stop();
});

it(`runs ${KUBELETS} hollow kubelets in one process under 1 GiB resident, each with a running pod`, async () => {
  const machine = new HollowMachine();
  const started = Date.now();
  for (let i = 0; i < KUBELETS; i++) {
    const node = `hollow-${i}`;
    const kubelet = new Kubelet({
      nodeName: node,
      client: cluster.client,
      bus: cluster.bus,
      subjects: cluster.subjects,
      runtime: new HollowRuntime({ node, machine }),
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      facts: { hostIP: '127.0.0.1', cpuMillis: 4000, memoryBytes: 8 * 1024 ** 3 },
      heartbeatMs: 60_000,
    });
    await kubelet.start();
    kubelets.push(kubelet);
  }
  const registered = Date.now() - started;
  for (let i = 0; i < KUBELETS; i++) {
    await cluster.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p-${i}`, namespace: 'default' },
      spec: {
        nodeName: `hollow-${i}`,
        containers: [{ name: 'main', image: 'busybox', command: ['sleep', 'infinity'] }],
      },
    } as unknown as Pod);
  }
  await waitFor(
    async () => {
      const pods = await cluster.client.listAll<Pod>('pods', { namespace: 'default' });
      expect(pods.items.filter((p) => p.status?.phase === 'Running')).toHaveLength(KUBELETS);
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  const running = Date.now() - started;
  global.gc?.();
  const rss = process.memoryUsage().rss;
  console.log(
    `hollow scale: ${KUBELETS} kubelets registered in ${(registered / 1000).toFixed(1)} s, ` +
      `${KUBELETS} pods Running after ${(running / 1000).toFixed(1)} s, resident ${(rss / MiB).toFixed(0)} MiB ` +
      `(${(rss / KUBELETS / 1024).toFixed(0)} KiB per kubelet, API server included)`,
  );
  expect(rss).toBeLessThan(1024 * MiB);
}, 300_000);
