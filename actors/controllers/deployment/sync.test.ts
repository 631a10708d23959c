import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../protocol/client/api-client.js';
import { Informer, objectKeyOf } from '../../../protocol/client/informer.js';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import { SimulatedClock, systemClock } from '../../../protocol/clock.js';
import {
  type Deployment,
  POD_TEMPLATE_HASH_LABEL,
  RESTARTED_AT_ANNOTATION,
  REVISION_ANNOTATION,
} from '../../../protocol/resources/deployment.js';
import type { Event } from '../../../protocol/resources/event.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import { makeDeployment, makePod, makeReplicaSet } from '../../../protocol/testing/builders.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { type RunningControllers, startControllers } from '../../kernel/controllers.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { replicaSetController } from '../replicaset/controller.js';
import { DEPLOYMENT_CONTROLLER, deploymentController, SCALING_REPLICA_SET } from './controller.js';
import { computeHash } from './hash.js';
import { BY_CONTROLLER_UID, BY_NAMESPACE, syncDeployment } from './sync.js';

const NS = 'default';
const eventually = <T>(check: () => T | Promise<T>) => waitFor(check, { timeoutMs: 10_000, intervalMs: 20 });

function input<T extends { metadata: object }>(obj: T): T {
  const { uid: _uid, creationTimestamp: _created, ...metadata } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata } as T;
}

async function replicaSetsOf(client: ApiClient, d: Deployment): Promise<ReplicaSet[]> {
  return (await client.list<ReplicaSet>('replicasets', { namespace: NS })).items.filter((rs) =>
    rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid),
  );
}

async function editTemplate(client: ApiClient, name: string, edit: (d: Deployment) => void): Promise<void> {
  await eventually(async () => {
    const d = structuredClone(await client.get<Deployment>('deployments', NS, name));
    edit(d);
    await client.update('deployments', d);
  });
}

describe('Deployment controller on an in-process cluster (with the ReplicaSet controller)', () => {
  let cluster: InProcessCluster;
  let running: RunningControllers | undefined;
  let recorder: EventRecorder;
  let kubelet: Informer<Pod> | undefined;
  afterEach(async () => {
    await running?.stop();
    await kubelet?.stop();
    await recorder?.flush();
    await cluster?.stop();
  });

  /** The controllers, and a stand-in kubelet that reports every new pod Running and Ready. */
  async function start(
    before: (client: ApiClient) => Promise<unknown> = async () => undefined,
  ): Promise<ApiClient> {
    cluster = await startInProcessCluster();
    const { client } = cluster;
    await before(client);
    const log = silentLogger();
    recorder = new EventRecorder({ client, clock: systemClock, log, component: 'deployment-controller' });
    const informers = new SharedInformers({ client, clock: systemClock, log });
    running = startControllers([replicaSetController(), deploymentController()], {
      client,
      informers,
      recorder,
      clock: systemClock,
      log,
      registry: new Registry(),
    });
    kubelet = new Informer<Pod>({ client, resource: 'pods', clock: systemClock, log });
    kubelet.on({
      add: (pod) => {
        if (pod.status?.phase !== 'Pending') return;
        void client
          .updateStatus('pods', { ...pod, status: makePod('x').ready().obj().status })
          .catch(() => undefined);
      },
    });
    await Promise.all([running.synced, kubelet.start()]);
    return client;
  }

  it('creates <name>-<hash> with the pod-template-hash label and revision 1, and reports the rollout', async () => {
    const client = await start();
    const d = await client.create('deployments', input(makeDeployment('web').replicas(3).obj()));
    const hash = computeHash(d.spec.template);
    const done = await eventually(async () => {
      const current = await client.get<Deployment>('deployments', NS, 'web');
      expect(current.status).toMatchObject({
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
      });
      return current;
    });
    expect(done.metadata.annotations?.[REVISION_ANNOTATION]).toBe('1');
    expect(done.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual(
      expect.arrayContaining([
        ['Available', 'True', 'MinimumReplicasAvailable'],
        ['Progressing', 'True', 'NewReplicaSetAvailable'],
      ]),
    );
    const [rs] = await replicaSetsOf(client, d);
    expect(rs?.metadata.name).toBe(`web-${hash}`);
    expect(rs?.metadata.labels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs?.spec.selector.matchLabels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs?.spec.template.metadata.labels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs?.metadata.annotations?.[REVISION_ANNOTATION]).toBe('1');
    await recorder.flush();
    const events = (await client.list<Event>('events', { namespace: NS })).items.filter(
      (e) => e.reason === SCALING_REPLICA_SET,
    );
    expect(events.map((e) => e.message)).toEqual([`Scaled up replica set web-${hash} to 3`]);
  });

  it('adopts an orphan ReplicaSet running its template instead of creating one, keeping its revision', async () => {
    const web = makeDeployment('web').replicas(2).obj();
    // The orphan exists before the controllers list, as after `kubectl delete deploy --cascade=orphan`.
    const client = await start((c) =>
      c.create(
        'replicasets',
        input(
          makeReplicaSet('web-orphan')
            .labels({ app: 'web' })
            .podLabels({ app: 'web' })
            .templateHash('abc')
            .replicas(2)
            .annotations({ [REVISION_ANNOTATION]: '4' })
            .obj(),
        ),
      ),
    );
    const d = await client.create('deployments', input(web));
    const done = await eventually(async () => {
      const current = await client.get<Deployment>('deployments', NS, 'web');
      expect(current.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
      return current;
    });
    const rss = await replicaSetsOf(client, d);
    expect(rss.map((rs) => rs.metadata.name)).toEqual(['web-orphan']);
    expect(rss[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      uid: d.metadata.uid,
      controller: true,
    });
    expect(done.metadata.annotations?.[REVISION_ANNOTATION]).toBe('4');
    expect(done.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      reason: 'NewReplicaSetAvailable',
      message: 'ReplicaSet "web-orphan" has successfully progressed.',
    });
  });

  it('a restart annotation is a new template; old ReplicaSets beyond revisionHistoryLimit are deleted', async () => {
    const client = await start();
    const d = await client.create(
      'deployments',
      input(makeDeployment('web').replicas(2).revisionHistoryLimit(1).obj()),
    );
    for (const at of ['2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', '2026-01-01T00:02:00Z']) {
      await editTemplate(client, 'web', (x) => {
        x.spec.template.metadata.annotations = { [RESTARTED_AT_ANNOTATION]: at };
      });
      await eventually(async () => {
        const current = await client.get<Deployment>('deployments', NS, 'web');
        expect(current.status?.observedGeneration).toBe(current.metadata.generation);
        expect(current.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
      });
    }
    await eventually(async () => {
      const rss = await replicaSetsOf(client, d);
      expect(
        rss.map((rs) => [rs.metadata.annotations?.[REVISION_ANNOTATION], rs.spec.replicas]).sort(),
      ).toEqual([
        ['3', 0],
        ['4', 2],
      ]);
    });
    const current = await client.get<Deployment>('deployments', NS, 'web');
    expect(current.metadata.annotations?.[REVISION_ANNOTATION]).toBe('4');
  });
});

describe('syncDeployment on a simulated clock', () => {
  let cluster: InProcessCluster | undefined;
  const informers: Informer[] = [];
  afterEach(async () => {
    for (const i of informers.splice(0)) await i.stop();
    await cluster?.stop();
  });

  it('reports ProgressDeadlineExceeded when nothing moves for progressDeadlineSeconds', async () => {
    cluster = await startInProcessCluster();
    const { client } = cluster;
    const log = silentLogger();
    const clock = new SimulatedClock(Math.floor(Date.now() / 1000) * 1000); // conditions keep whole seconds
    const informer = <T extends Deployment | ReplicaSet | Pod>(resource: string) => {
      const i = new Informer<T>({
        client,
        resource,
        clock: systemClock,
        log,
        indexers: {
          [BY_NAMESPACE]: (o) => [o.metadata.namespace ?? ''],
          [BY_CONTROLLER_UID]: (o) =>
            (o.metadata.ownerReferences ?? []).filter((r) => r.controller).map((r) => r.uid),
        },
      });
      informers.push(i as unknown as Informer);
      return i;
    };
    const deployments = informer<Deployment>('deployments');
    const replicaSets = informer<ReplicaSet>('replicasets');
    const pods = informer<Pod>('pods');
    await Promise.all([deployments.start(), replicaSets.start(), pods.start()]);
    const requeues: number[] = [];
    const deps = {
      client,
      recorder: new EventRecorder({ client, clock, log, component: DEPLOYMENT_CONTROLLER }),
      clock,
      log,
      deployments,
      replicaSets,
      pods,
      requeueAfter: (_: string, ms: number) => requeues.push(ms),
    };
    const d = await client.create(
      'deployments',
      input(makeDeployment('stuck').replicas(2).progressDeadlineSeconds(30).obj()),
    );
    const key = objectKeyOf(d);
    const progressing = async () => {
      const current = await eventually(async () => {
        const stored = await client.get<Deployment>('deployments', NS, 'stuck');
        // Wait until the caches hold what was just written, as the controller's would.
        expect(deployments.getByKey(key)?.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
        expect(replicaSets.list()).toHaveLength(1);
        return stored;
      });
      return current.status?.conditions?.find((c) => c.type === 'Progressing');
    };
    await eventually(() => expect(deployments.getByKey(key)).toBeDefined());
    await syncDeployment(deps, key);
    expect(await progressing()).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated' });
    expect(requeues.at(-1)).toBe(31_000);

    // No ReplicaSet controller runs: no pod ever comes, so nothing moves.
    await clock.advance(29_000);
    await syncDeployment(deps, key);
    expect(await progressing()).toMatchObject({ reason: 'NewReplicaSetCreated' });
    await clock.advance(2_000);
    await syncDeployment(deps, key);
    expect(await progressing()).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "stuck-${computeHash(d.spec.template)}" has timed out progressing.`,
    });
  });
});
