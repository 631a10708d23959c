/**
 * The kubelet's pod-network publication on a hollow node: the pod set is published when a pod
 * starts and ends, and answered on request; hollow pods carry no namespace holder.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../protocol/clock.js';
import { type NodePodNetworks, NodePodNetworksSchema } from '../../protocol/pod-network.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { type InProcessCluster, startInProcessCluster } from '../apiserver/testing/cluster.js';
import { silentLogger } from '../kernel/log.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { Kubelet } from './kubelet.js';
import { HollowRuntime } from './runtimes/hollow/hollow-runtime.js';

describe('pod network publication', () => {
  const node = 'pod-network-node';
  let cluster: InProcessCluster;
  let kubelet: Kubelet;
  const published: NodePodNetworks[] = [];

  beforeAll(async () => {
    cluster = await startInProcessCluster();
    cluster.bus.subscribe(cluster.subjects.nodePods(node), (msg) => {
      published.push(NodePodNetworksSchema.parse(JSON.parse(msg.text())));
    });
    kubelet = new Kubelet({
      nodeName: node,
      client: cluster.client,
      bus: cluster.bus,
      subjects: cluster.subjects,
      runtime: new HollowRuntime({ node }),
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      facts: { hostIP: '127.0.0.1' },
    });
    await kubelet.start();
  });

  afterAll(async () => {
    await kubelet.stop();
    await cluster.stop();
  });

  it('publishes the set at start, and again when a pod starts and when it is gone', async () => {
    await waitFor(() => published.length > 0);
    expect(published[0]).toMatchObject({ node, pods: [] });
    await cluster.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: 'busybox' }],
      },
    } as unknown as Pod);
    const withPod = await waitFor(
      () => published.find((p) => p.pods.some((pod) => pod.name === 'web')) ?? false,
    );
    const uid = (await cluster.client.get<Pod>('pods', 'default', 'web')).metadata.uid;
    // A hollow pod shares the node's network: no namespace holder.
    expect(withPod.pods).toEqual([{ namespace: 'default', name: 'web', uid }]);
    // Numbered in order, one kubelet instance.
    expect(new Set(published.map((p) => p.instance)).size).toBe(1);
    expect(published.map((p) => p.seq)).toEqual([...published.map((p) => p.seq)].sort((a, b) => a - b));

    // A request gets the current set at once.
    const reply = await cluster.bus.request(cluster.subjects.nodePodsGet(node), '', { timeoutMs: 2_000 });
    expect(NodePodNetworksSchema.parse(JSON.parse(reply.text())).pods.map((p) => p.name)).toEqual(['web']);

    await cluster.client.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 });
    await waitFor(() => published.at(-1)?.pods.length === 0, { timeoutMs: 10_000 });
  });
});
