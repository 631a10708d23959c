import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import { systemClock } from '../../../protocol/clock.js';
import type { DaemonSet } from '../../../protocol/resources/daemonset.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { type RunningControllers, startControllers } from '../../kernel/controllers.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { daemonSetController } from './controller.js';
import { REVISION_HASH_LABEL } from './plan.js';

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

async function startDaemonSets(): Promise<void> {
  const log = silentLogger();
  const { client } = cluster;
  running = startControllers([daemonSetController()], {
    client,
    informers: new SharedInformers({ client, clock: systemClock, log }),
    recorder: new EventRecorder({ client, clock: systemClock, log, component: 'daemonset-controller' }),
    clock: systemClock,
    log,
    registry: new Registry(),
  });
  await running.synced;
}

const createNode = (name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}) =>
  cluster.client.create('nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec,
  } as unknown as Node);

function daemonSet(name: string, image = 'agent:1', spec: Record<string, unknown> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'agent', image }] },
      },
      ...spec,
    },
  } as unknown as DaemonSet;
}

const livePods = async () =>
  (await cluster.client.list<Pod>('pods', { namespace: 'default' })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const readDs = (name: string) => cluster.client.get<DaemonSet>('daemonsets', 'default', name);

/** Plays the kubelets: every live pod Running and Ready. */
async function makeReady(): Promise<void> {
  for (const pod of await livePods()) {
    if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    await cluster.client.updateStatus('pods', {
      ...pod,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }],
      },
    });
  }
}

describe('daemonset controller syncs', () => {
  it('runs one pod per eligible node, pinned by nodeName, none on a tainted node, and reports status', async () => {
    await createNode('n1');
    await createNode('n2');
    await createNode('n3');
    await createNode('tainted', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    await startDaemonSets();
    await cluster.client.create('daemonsets', daemonSet('agent'));
    const pods = await waitFor(async () => {
      const p = await livePods();
      return p.length === 3 ? p : false;
    });
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['n1', 'n2', 'n3']);
    expect(pods[0]?.spec.tolerations).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'node.kubernetes.io/unreachable' })]),
    );
    expect(pods[0]?.metadata.labels?.[REVISION_HASH_LABEL]).toMatch(/^[0-9a-f]{10}$/);
    await makeReady();
    const ds = await waitFor(async () => {
      const d = await readDs('agent');
      return d.status?.numberAvailable === 3 ? d : false;
    });
    expect(ds.status).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
      numberMisscheduled: 0,
      observedGeneration: 1,
    });

    // A node that joins later gets its pod.
    await createNode('n4');
    await waitFor(async () => (await livePods()).some((p) => p.spec.nodeName === 'n4'));
  });

  it('honours nodeSelector, and deletes the pod of a node that stops matching', async () => {
    await createNode('ssd', {}, { disk: 'ssd' });
    await createNode('hdd', {}, { disk: 'hdd' });
    await startDaemonSets();
    const base = daemonSet('picky');
    const spec = base.spec as unknown as { template: { spec: Record<string, unknown> } };
    spec.template.spec.nodeSelector = { disk: 'ssd' };
    await cluster.client.create('daemonsets', base);
    await waitFor(async () => {
      const p = await livePods();
      return p.length === 1 && p[0]?.spec.nodeName === 'ssd';
    });
    const node = await cluster.client.get<Node>('nodes', '', 'ssd');
    await cluster.client.update('nodes', {
      ...node,
      metadata: { ...node.metadata, labels: { disk: 'hdd' } },
    });
    await waitFor(async () => (await livePods()).length === 0);
  });

  it('adopts a matching orphan instead of starting a second pod on its node', async () => {
    await createNode('solo');
    await cluster.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'left-behind', namespace: 'default', labels: { app: 'adopter' } },
      spec: { nodeName: 'solo', containers: [{ name: 'agent', image: 'agent:1' }] },
    } as unknown as Pod);
    await startDaemonSets();
    const ds = await cluster.client.create('daemonsets', daemonSet('adopter'));
    const adopted = await waitFor(async () => {
      const pod = await cluster.client.get<Pod>('pods', 'default', 'left-behind');
      return pod.metadata.ownerReferences?.some((r) => r.uid === ds.metadata.uid && r.controller)
        ? pod
        : false;
    });
    expect(adopted.metadata.ownerReferences).toHaveLength(1);
    // Its template hash is not the DaemonSet's: the rolling update replaces it with a new pod.
    await makeReady();
    const pods = await waitFor(async () => {
      const p = await livePods();
      return p.length === 1 && p[0]?.metadata.name !== 'left-behind' ? p : false;
    });
    expect(pods[0]?.spec.nodeName).toBe('solo');
  });

  it('rolls a new template node by node, never more than maxUnavailable nodes short', async () => {
    for (const n of ['a', 'b', 'c', 'd']) await createNode(n);
    await startDaemonSets();
    await cluster.client.create('daemonsets', daemonSet('roll'));
    await waitFor(async () => (await livePods()).length === 4);
    await makeReady();
    await waitFor(async () => (await readDs('roll')).status?.numberAvailable === 4);
    const ds = await readDs('roll');
    const template = structuredClone(ds.spec.template);
    (template.spec.containers[0] as { image: string }).image = 'agent:2';
    await cluster.client.update('daemonsets', { ...ds, spec: { ...ds.spec, template } });

    let worst = 4;
    const done = await waitFor(
      async () => {
        const pods = await livePods();
        const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready'));
        worst = Math.min(worst, new Set(ready.map((p) => p.spec.nodeName)).size);
        await makeReady();
        const d = await readDs('roll');
        return d.status?.updatedNumberScheduled === 4 && d.status.numberAvailable === 4 ? d : false;
      },
      { timeoutMs: 5000, intervalMs: 10 },
    );
    expect(done.status?.observedGeneration).toBe(2);
    expect(worst).toBeGreaterThanOrEqual(3);
    const pods = await livePods();
    expect(pods).toHaveLength(4);
    expect(new Set(pods.map((p) => p.spec.containers[0]?.image))).toEqual(new Set(['agent:2']));
  });
});
