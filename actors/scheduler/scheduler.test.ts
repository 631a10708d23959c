import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../protocol/client/api-client.js';
import type { Event } from '../../protocol/resources/event.js';
import type { Lease } from '../../protocol/resources/lease.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { makeNode, makePod } from '../../protocol/testing/builders.js';
import { startInProcessCluster } from '../apiserver/testing/cluster.js';
import { systemClock } from '../kernel/clock.js';
import { silentLogger } from '../kernel/log.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { SCHEDULER_LEASE, Scheduler, type SchedulerOptions } from './scheduler.js';

describe('Scheduler on an in-process cluster', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function cluster() {
    const c = await startInProcessCluster();
    cleanups.push(() => c.stop());
    const client = c.client;
    const scheduler = async (options: Partial<SchedulerOptions> = {}) => {
      const s = new Scheduler({
        client,
        clock: systemClock,
        log: silentLogger(),
        registry: new Registry(),
        identity: `s-${Math.random()}`,
        leaderElection: false,
        ...options,
      });
      await s.start();
      cleanups.push(() => s.stop());
      return s;
    };
    return { client, scheduler };
  }

  const node = (name: string, cpu = '4') =>
    makeNode(name).capacity({ cpu, memory: '8Gi', pods: '110' }).obj();
  const pod = (name: string, cpu = '500m') => makePod(name).requests({ cpu, memory: '64Mi' }).obj();
  const get = (client: ApiClient, name: string) => client.get<Pod>('pods', 'default', name);

  it('binds pending pods to nodes that fit, spreading a ReplicaSet-free batch over nodes', async () => {
    const { client, scheduler } = await cluster();
    for (const n of ['n1', 'n2', 'n3']) await client.create('nodes', node(n));
    await scheduler();
    for (let i = 0; i < 12; i++) await client.create('pods', pod(`p${i}`));
    await waitFor(async () => {
      const pods = (await client.list<Pod>('pods', { namespace: 'default' })).items;
      expect(pods.filter((p) => p.spec.nodeName)).toHaveLength(12);
    });
    const pods = (await client.list<Pod>('pods', { namespace: 'default' })).items;
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
    for (const count of perNode.values()) expect(count * 500).toBeLessThanOrEqual(4000); // never overcommitted
    expect(pods[0]?.status?.conditions).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'True' }),
    ]);
  });

  it('explains why a pod fits nowhere, and places it as soon as a node that fits appears', async () => {
    const { client, scheduler } = await cluster();
    await client.create('nodes', node('small-1', '1'));
    await client.create('nodes', node('small-2', '1'));
    await client.create(
      'nodes',
      makeNode('tainted')
        .capacity({ cpu: '8', memory: '8Gi', pods: '110' })
        .taint({ key: 'dedicated', value: 'db', effect: 'NoSchedule' })
        .obj(),
    );
    await scheduler();
    await client.create('pods', pod('big', '2'));
    const expected =
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu.';
    await waitFor(async () => {
      const condition = (await get(client, 'big')).status?.conditions?.find((c) => c.type === 'PodScheduled');
      expect(condition).toMatchObject({ status: 'False', reason: 'Unschedulable', message: expected });
    });
    await waitFor(async () => {
      const events = (await client.list<Event>('events', { namespace: 'default' })).items;
      expect(events).toContainEqual(
        expect.objectContaining({ reason: 'FailedScheduling', message: expected, type: 'Warning' }),
      );
    });
    const added = Date.now();
    await client.create('nodes', node('big-node', '4'));
    await waitFor(async () => expect((await get(client, 'big')).spec.nodeName).toBe('big-node'), {
      timeoutMs: 1_000,
    });
    expect(Date.now() - added).toBeLessThan(1_000);
  });

  it('schedules only while leading, and a replica that lost the lease binds nothing', async () => {
    const { client, scheduler } = await cluster();
    await client.create('nodes', node('n1'));
    const election = { leaseDurationMs: 60_000, renewDeadlineMs: 200, retryPeriodMs: 50 };
    const leader = await scheduler({ leaderElection: election, identity: 'leader' });
    await waitFor(() =>
      expect(leader.metrics.leader.get()).resolves.toMatchObject({ values: [{ value: 1 }] }),
    );
    await client.create('pods', pod('first'));
    await waitFor(async () => expect((await get(client, 'first')).spec.nodeName).toBe('n1'));

    // Another replica takes the lease (as after a long pause of this one): the old leader stops.
    const lease = await client.get<Lease>('leases', SCHEDULER_LEASE.namespace, SCHEDULER_LEASE.name);
    await client.update('leases', {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: 'someone-else',
        leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
      },
    });
    await waitFor(() =>
      expect(leader.metrics.leader.get()).resolves.toMatchObject({ values: [{ value: 0 }] }),
    );
    await client.create('pods', pod('second'));
    await expect(
      client.bind('default', 'second', 'n1', {
        fence: { lease: SCHEDULER_LEASE, holderIdentity: 'leader', leaseTransitions: 0 },
      }),
    ).rejects.toMatchObject({ reason: 'Conflict' });
    expect((await get(client, 'second')).spec.nodeName).toBeUndefined();
  });
});
