import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../protocol/client/api-client.js';
import { Informer, objectKeyOf } from '../../../protocol/client/informer.js';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import { systemClock } from '../../../protocol/clock.js';
import type { Event } from '../../../protocol/resources/event.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import { makePod, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { type RunningControllers, startControllers } from '../../kernel/controllers.js';
import { ControllerExpectations } from '../../kernel/expectations.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { replicaSetController, SUCCESSFUL_CREATE, SUCCESSFUL_DELETE } from './controller.js';
import { syncReplicaSet } from './sync.js';

const NS = 'default';
const eventually = <T>(check: () => T | Promise<T>) => waitFor(check, { timeoutMs: 10_000, intervalMs: 20 });

/** A fixture as a client sends it (without the fixture's uid and creation time, which the server sets). */
function input<T extends { metadata: object }>(obj: T): T {
  const { uid: _uid, creationTimestamp: _created, ...metadata } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata } as T;
}

async function podsOf(client: ApiClient): Promise<Pod[]> {
  return (await client.list<Pod>('pods', { namespace: NS })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
}

async function events(client: ApiClient, reason: string): Promise<Event[]> {
  return (await client.list<Event>('events', { namespace: NS })).items.filter((e) => e.reason === reason);
}

describe('ReplicaSet controller on an in-process cluster', () => {
  let cluster: InProcessCluster;
  let running: RunningControllers | undefined;
  let recorder: EventRecorder;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await recorder?.flush();
    await cluster?.stop();
  });

  /** Starts the cluster, lets `before` write what the controller finds at its first list, starts the controller. */
  async function start(before: (client: ApiClient) => Promise<unknown> = async () => undefined) {
    cluster = await startInProcessCluster();
    const { client } = cluster;
    await before(client);
    const log = silentLogger();
    recorder = new EventRecorder({ client, clock: systemClock, log, component: 'replicaset-controller' });
    const informers = new SharedInformers({ client, clock: systemClock, log });
    running = startControllers([replicaSetController()], {
      client,
      informers,
      recorder,
      clock: systemClock,
      log,
      registry: new Registry(),
    });
    await running.synced;
    return client;
  }

  it('creates the missing pods, named after the ReplicaSet and controlled by it, and reports them', async () => {
    const client = await start();
    const rs = await client.create('replicasets', input(makeReplicaSet('web').replicas(3).obj()));
    const pods = await eventually(async () => {
      const pods = await podsOf(client);
      expect(pods).toHaveLength(3);
      return pods;
    });
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(pod.metadata.labels).toEqual({ app: 'web' });
      expect(pod.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    await eventually(async () => {
      const stored = await client.get<ReplicaSet>('replicasets', NS, 'web');
      expect(stored.status).toEqual({
        replicas: 3,
        fullyLabeledReplicas: 3,
        readyReplicas: 0,
        availableReplicas: 0,
        observedGeneration: 1,
      });
    });
    await recorder.flush();
    expect((await events(client, SUCCESSFUL_CREATE)).map((e) => e.message).sort()).toEqual(
      pods.map((p) => `Created pod: ${p.metadata.name}`).sort(),
    );
  });

  it('scales down by deleting the pods that cost least: not ready before ready', async () => {
    const client = await start();
    await client.create('replicasets', input(makeReplicaSet('web').replicas(3).obj()));
    const pods = await eventually(async () => {
      const pods = await podsOf(client);
      expect(pods).toHaveLength(3);
      return pods;
    });
    const [notReady, ...ready] = pods as [Pod, Pod, Pod];
    for (const pod of ready) {
      await client.updateStatus('pods', { ...pod, status: makePod('x').ready().obj().status });
    }
    await eventually(async () =>
      expect((await client.get<ReplicaSet>('replicasets', NS, 'web')).status?.readyReplicas).toBe(2),
    );
    const stored = await client.get<ReplicaSet>('replicasets', NS, 'web');
    await client.update('replicasets', { ...stored, spec: { ...stored.spec, replicas: 2 } });
    await eventually(async () => {
      const left = (await podsOf(client)).map((p) => p.metadata.name).sort();
      expect(left).toEqual(ready.map((p) => p.metadata.name).sort());
    });
    await recorder.flush();
    expect((await events(client, SUCCESSFUL_DELETE)).map((e) => e.message)).toEqual([
      `Deleted pod: ${notReady.metadata.name}`,
    ]);
  });

  it('adopts a matching orphan instead of creating a pod, and releases a pod whose labels stop matching', async () => {
    // The orphan is there before the controller lists: with a cache that had not seen it, the
    // controller would create two pods, adopt the orphan, and (all created in the same second)
    // might delete the orphan as the surplus, which is right but not what this test is about.
    const client = await start((c) =>
      c.create('pods', input(makePod('orphan').labels({ app: 'web' }).obj())),
    );
    const rs = await client.create('replicasets', input(makeReplicaSet('web').replicas(2).obj()));
    await eventually(async () => {
      const pods = await podsOf(client);
      expect(pods).toHaveLength(2);
      const orphan = pods.find((p) => p.metadata.name === 'orphan');
      expect(orphan?.metadata.ownerReferences?.[0]?.uid).toBe(rs.metadata.uid);
    });
    const orphan = await client.get<Pod>('pods', NS, 'orphan');
    await client.update('pods', { ...orphan, metadata: { ...orphan.metadata, labels: { app: 'other' } } });
    await eventually(async () => {
      const released = await client.get<Pod>('pods', NS, 'orphan');
      expect(released.metadata.ownerReferences ?? []).toEqual([]);
      const owned = (await podsOf(client)).filter(
        (p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid,
      );
      expect(owned).toHaveLength(2);
    });
  });

  it('never creates twice while its cache lags: expectations hold the second sync back', async () => {
    cluster = await startInProcessCluster();
    const { client } = cluster;
    const log = silentLogger();
    recorder = new EventRecorder({ client, clock: systemClock, log, component: 'replicaset-controller' });
    const rs = await client.create('replicasets', input(makeReplicaSet('web').replicas(3).obj()));
    const replicaSets = new Informer<ReplicaSet>({
      client,
      resource: 'replicasets',
      clock: systemClock,
      log,
    });
    await replicaSets.start();
    // A pods cache that never hears anything: the worst lag there is.
    const frozen = new Informer<Pod>({
      client,
      resource: 'pods',
      clock: systemClock,
      log,
      indexers: { byNamespace: () => [] },
    });
    const deps = {
      client,
      recorder,
      clock: systemClock,
      log,
      replicaSets,
      pods: frozen,
      expectations: new ControllerExpectations({ clock: systemClock }),
      requeueAfter: () => undefined,
      burstReplicas: 500,
    };
    try {
      const key = objectKeyOf(rs);
      await eventually(() => expect(replicaSets.getByKey(key)).toBeDefined());
      for (let i = 0; i < 3; i++) {
        await syncReplicaSet(deps, key);
        // Let the ReplicaSets cache see the status just written, so the next sync writes nothing.
        await eventually(() => expect(replicaSets.getByKey(key)?.status).toBeDefined());
      }
      expect(await podsOf(client)).toHaveLength(3);
      expect(deps.expectations.get(key)).toMatchObject({ adds: 3, dels: 0 });
      // The status counts the three pods although the cache never saw them.
      expect((await client.get<ReplicaSet>('replicasets', NS, 'web')).status?.replicas).toBe(3);
      // Nothing changed since the last sync: the status is not written again.
      const before = (await client.get<ReplicaSet>('replicasets', NS, 'web')).metadata.resourceVersion;
      await syncReplicaSet(deps, key);
      expect((await client.get<ReplicaSet>('replicasets', NS, 'web')).metadata.resourceVersion).toBe(before);
    } finally {
      await replicaSets.stop();
    }
  });
});
