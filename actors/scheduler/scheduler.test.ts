import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../protocol/client/api-client.js';
import { SimulatedClock, systemClock } from '../../protocol/clock.js';
import type { Event } from '../../protocol/resources/event.js';
import type { Lease } from '../../protocol/resources/lease.js';
import type { Pod } from '../../protocol/resources/pod.js';
import { makeNode, makePod } from '../../protocol/testing/builders.js';
import { startInProcessCluster } from '../apiserver/testing/cluster.js';
import { captureLogger, silentLogger } from '../kernel/log.js';
import { type Check, waitFor } from '../kernel/testing/wait-for.js';
import { defaultProfile } from './framework/profile.js';
import { defaultRegistry } from './framework/registry.js';
import { type FilterPlugin, type Plugin, SUCCESS } from './framework/types.js';
import { SCHEDULER_LEASE, Scheduler, type SchedulerOptions } from './scheduler.js';

/**
 * Waits for a condition on real time with a generous limit: these tests run real API servers on
 * 2 busy cores, and a limit is there to end a broken test, not to measure speed (time that is
 * measured is the simulated clock's).
 */
const eventually = <T>(check: Check<T>, timeoutMs = 15_000) => waitFor(check, { timeoutMs });

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
    await eventually(async () => {
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
    const clock = new SimulatedClock();
    await scheduler({ clock });
    await client.create('pods', pod('big', '2'));
    const expected =
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu.';
    await eventually(async () => {
      const condition = (await get(client, 'big')).status?.conditions?.find((c) => c.type === 'PodScheduled');
      expect(condition).toMatchObject({ status: 'False', reason: 'Unschedulable', message: expected });
    });
    await eventually(async () => {
      const events = (await client.list<Event>('events', { namespace: 'default' })).items;
      expect(events).toContainEqual(
        expect.objectContaining({ reason: 'FailedScheduling', message: expected, type: 'Warning' }),
      );
    });
    // The pod's last attempt put it in its own 1 s backoff; a node that fits now must place it
    // within that backoff, measured on the scheduler's simulated clock (never on the wall clock).
    const added = clock.now();
    await client.create('nodes', node('big-node', '4'));
    await clock.advance(1_000);
    await eventually(async () => expect((await get(client, 'big')).spec.nodeName).toBe('big-node'));
    expect(clock.now() - added).toBe(1_000);
  });

  it('records a pod whose plugin throws as failed, logs and counts it, and keeps placing the others', async () => {
    const { client, scheduler } = await cluster();
    for (const n of ['n1', 'n2']) await client.create('nodes', node(n));
    // A plugin with a bug that shows on one pod only.
    const buggy: Plugin = {
      name: 'Buggy',
      events: [],
      filter: (_state, p) => {
        if (p.pod.metadata.name === 'poison')
          throw new TypeError("Cannot read properties of undefined (reading 'zone')");
        return SUCCESS;
      },
    } as FilterPlugin;
    const profile = { ...defaultProfile(), plugins: [...defaultProfile().plugins, { name: 'Buggy' }] };
    const captured = captureLogger();
    const s = await scheduler({
      profile,
      plugins: { ...defaultRegistry(), Buggy: () => buggy },
      log: captured.log,
    });
    await client.create('pods', pod('poison'));
    for (let i = 0; i < 5; i++) await client.create('pods', pod(`ok-${i}`));
    await eventually(async () => {
      const pods = (await client.list<Pod>('pods', { namespace: 'default' })).items;
      expect(
        pods
          .filter((p) => p.spec.nodeName)
          .map((p) => p.metadata.name)
          .sort(),
      ).toEqual(['ok-0', 'ok-1', 'ok-2', 'ok-3', 'ok-4']);
    });
    await eventually(async () => {
      const condition = (await get(client, 'poison')).status?.conditions?.find(
        (c) => c.type === 'PodScheduled',
      );
      expect(condition).toMatchObject({
        status: 'False',
        reason: 'SchedulerError',
        message: expect.stringContaining('Buggy: threw: Cannot read properties of undefined'),
      });
    });
    const attempts = await s.metrics.attempts.get();
    expect(attempts.values).toContainEqual(
      expect.objectContaining({ labels: { result: 'error' }, value: 1 }),
    );
    expect(captured.find('scheduling cycle failed')).toEqual([
      expect.objectContaining({ pod: 'default/poison', plugin: 'Buggy' }),
    ]);
  });

  it('restarts a piece that throws, logs and counts the restart, and keeps placing pods', async () => {
    const { client, scheduler } = await cluster();
    for (const n of ['n1', 'n2']) await client.create('nodes', node(n));
    const captured = captureLogger();
    const bound: string[] = [];
    // Code run inside the scheduling actor (the benchmarks' bind callback) throws once.
    const s = await scheduler({
      log: captured.log,
      onBound: (key) => {
        bound.push(key);
        if (key === 'default/fault') throw new Error('callback bug');
      },
    });
    await client.create('pods', pod('fault'));
    await eventually(async () =>
      expect((await s.metrics.restarts.get()).values).toEqual([
        expect.objectContaining({ labels: { actor: 'scheduling' }, value: 1 }),
      ]),
    );
    expect(captured.find('actor failed; message dropped')).toEqual([
      expect.objectContaining({ actor: 'scheduling', msgType: 'bound' }),
    ]);
    // The restarted actor rebuilt its cache from the informers and goes on placing pods.
    for (let i = 0; i < 5; i++) await client.create('pods', pod(`after-${i}`));
    await eventually(async () => {
      const pods = (await client.list<Pod>('pods', { namespace: 'default' })).items;
      expect(pods.filter((p) => p.spec.nodeName)).toHaveLength(6);
    });
    expect(bound.filter((key) => key === 'default/fault')).toHaveLength(1); // bound once, never twice
  });

  it('schedules only while leading, and a replica that lost the lease binds nothing', async () => {
    const { client, scheduler } = await cluster();
    await client.create('nodes', node('n1'));
    const election = { leaseDurationMs: 60_000, renewDeadlineMs: 200, retryPeriodMs: 50 };
    const leader = await scheduler({ leaderElection: election, identity: 'leader' });
    await eventually(() =>
      expect(leader.metrics.leader.get()).resolves.toMatchObject({ values: [{ value: 1 }] }),
    );
    await client.create('pods', pod('first'));
    await eventually(async () => expect((await get(client, 'first')).spec.nodeName).toBe('n1'));

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
    await eventually(() =>
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
