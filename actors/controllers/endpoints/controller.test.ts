import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import { systemClock } from '../../../protocol/clock.js';
import type { Endpoints } from '../../../protocol/resources/endpoints.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { type RunningControllers, startControllers } from '../../kernel/controllers.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { endpointsController } from './controller.js';

// The controller against a real API server (in-process bus, in-memory store): pods get their
// status the way a kubelet writes it, and the Endpoints follow.
describe('endpoints controller', () => {
  let cluster: InProcessCluster;
  let running: RunningControllers;

  beforeEach(async () => {
    cluster = await startInProcessCluster();
    const log = silentLogger();
    const client = cluster.client;
    running = startControllers([endpointsController()], {
      client,
      informers: new SharedInformers({ client, clock: systemClock, log }),
      recorder: new EventRecorder({ client, clock: systemClock, log, component: 'test' }),
      clock: systemClock,
      log,
      registry: new Registry(),
    });
    await running.synced;
  });
  afterEach(async () => {
    await running.stop();
    await cluster.stop();
  });

  const createPod = async (name: string, hostPort: number, ready: boolean) => {
    const created = await cluster.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', labels: { app: 'web' } },
      spec: {
        nodeName: 'n1',
        containers: [{ name: 'main', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }],
      },
    } as unknown as Pod);
    return setReady(created as Pod, hostPort, ready);
  };
  const setReady = async (pod: Pod, hostPort: number, ready: boolean) =>
    cluster.client.updateStatus('pods', {
      ...pod,
      status: {
        phase: 'Running',
        hostIP: '127.0.0.1',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        publishedPorts: [
          {
            containerName: 'main',
            name: 'http',
            containerPort: 8080,
            protocol: 'TCP',
            hostIP: '127.0.0.1',
            hostPort,
          },
        ],
      },
    } as Pod);
  const endpoints = () => cluster.client.get<Endpoints>('endpoints', 'default', 'web').catch(() => undefined);
  const addresses = async () => {
    const ep = await endpoints();
    return {
      ready: (ep?.subsets ?? [])
        .flatMap((s) => (s.addresses ?? []).map((a) => `${a.targetRef?.name}@${a.ip}:${s.ports?.[0]?.port}`))
        .sort(),
      notReady: (ep?.subsets ?? [])
        .flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.targetRef?.name))
        .sort(),
    };
  };

  it('lists the selected pods, follows a readiness change within a second, and goes with its Service', async () => {
    await cluster.client.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const a = await createPod('a', 40001, true);
    await createPod('b', 40002, false);
    await waitFor(async () =>
      expect(await addresses()).toEqual({ ready: ['a@127.0.0.1:40001'], notReady: ['b'] }),
    );
    expect((await endpoints())?.metadata.labels).toEqual({ tier: 'front' });

    const flipped = Date.now();
    await setReady(a as Pod, 40001, false);
    await waitFor(async () => expect(await addresses()).toEqual({ ready: [], notReady: ['a', 'b'] }));
    expect(Date.now() - flipped).toBeLessThan(1000);

    await cluster.client.delete('pods', 'default', 'b', { gracePeriodSeconds: 0 });
    await waitFor(async () => expect(await addresses()).toEqual({ ready: [], notReady: ['a'] }));

    await cluster.client.delete('services', 'default', 'web');
    await waitFor(async () => (await endpoints()) === undefined);
  });

  it('leaves the Endpoints of a Service without a selector to their owner', async () => {
    await cluster.client.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ port: 80 }] },
    });
    await cluster.client.create('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '127.0.0.5' }], ports: [{ port: 9000 }] }],
    });
    // A Service with a selector beside it: once its Endpoints list the pod, the controller has
    // seen everything; the selector-less Service's Endpoints must still be as their owner wrote them.
    await cluster.client.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'other', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await createPod('a', 40001, true);
    await waitFor(async () =>
      expect(
        (await cluster.client.get<Endpoints>('endpoints', 'default', 'other').catch(() => undefined))
          ?.subsets,
      ).toHaveLength(1),
    );
    expect((await endpoints())?.subsets).toEqual([
      { addresses: [{ ip: '127.0.0.5' }], ports: [{ port: 9000, protocol: 'TCP' }] },
    ]);
  });
});
