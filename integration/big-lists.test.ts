/**
 * Lists larger than one bus message, against real NATS (max_payload 1 MiB) and Redis: the API
 * server cuts pages by bytes, and an informer, a plain paged list and a watch started without a
 * resourceVersion each see every object exactly once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import type { WatchEvent } from '../protocol/api.js';
import type { ApiClient } from '../protocol/client/api-client.js';
import { Informer } from '../protocol/client/informer.js';
import { SimulatedClock } from '../protocol/clock.js';
import type { AnyObject } from '../protocol/resources/registry.js';
import { TestCluster } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

const COUNT = 1_000;
const BLOB = 'x'.repeat(3 * 1024);

const cm = (name: string): AnyObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { blob: BLOB },
  }) as AnyObject;

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });

describeWithServices('Lists larger than one bus message (NATS + Redis)', skip, () => {
  let services: SharedServices;
  let cluster: TestCluster;
  let client: ApiClient;

  beforeAll(async () => {
    services = await sharedServices();
    cluster = await TestCluster.start('biglists', {
      natsUrl: services.nats?.url ?? '',
      redisUrl: services.redis?.url ?? '',
      server: { relay: { blockMs: 100 } },
    });
    client = (await cluster.client()).client;
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client.create('configmaps', cm(`big-${String(i + j).padStart(4, '0')}`)),
        ),
      );
    }
  });
  afterAll(async () => {
    await cluster?.dispose();
    await services?.dispose();
  });

  it('answers a list without a limit with a page that fits, and a continue token for the rest', async () => {
    const first = await client.list<AnyObject>('configmaps', { namespace: 'default' });
    expect(first.items.length).toBeGreaterThan(0);
    expect(first.items.length).toBeLessThan(COUNT);
    expect(first.metadata.continue).toBeDefined();
    const all = await client.listAll<AnyObject>('configmaps', { namespace: 'default' });
    const names = all.items.map((o) => o.metadata.name);
    expect(names).toHaveLength(COUNT);
    expect(new Set(names).size).toBe(COUNT);
  });

  it('syncs an informer over 1,000 ConfigMaps of 3 KiB, each added once', async () => {
    const informer = new Informer<AnyObject>({
      client,
      resource: 'configmaps',
      clock: new SimulatedClock(),
      log: silentLogger(),
    });
    const adds = new Map<string, number>();
    informer.on({ add: (o) => adds.set(o.metadata.name ?? '', (adds.get(o.metadata.name ?? '') ?? 0) + 1) });
    try {
      await informer.start();
      expect(informer.size).toBe(COUNT);
      expect(adds.size).toBe(COUNT);
      expect([...adds.values()].every((n) => n === 1)).toBe(true);
      expect(informer.listRestarts).toBe(0);
    } finally {
      await informer.stop();
    }
  });

  it('starts a watch without a resourceVersion with each object once as ADDED, then the changes', async () => {
    const added = new Map<string, number>();
    const revisions: number[] = [];
    const watch = await client.watch(
      { resource: 'configmaps', namespace: 'default' },
      (event: WatchEvent) => {
        if (event.type !== 'ADDED') return;
        const object = event.object as AnyObject;
        const name = object.metadata.name ?? '';
        added.set(name, (added.get(name) ?? 0) + 1);
        revisions.push(Number(object.metadata.resourceVersion));
      },
    );
    try {
      await waitFor(() => expect(added.size).toBe(COUNT), { timeoutMs: 20_000 });
      const snapshot = Math.max(...revisions);
      const late = await client.create('configmaps', cm('zz-late'));
      await waitFor(() => expect(added.get('zz-late')).toBe(1), { timeoutMs: 10_000 });
      expect(Number(late.metadata.resourceVersion)).toBeGreaterThan(snapshot);
      expect([...added.values()].every((n) => n === 1)).toBe(true);
      expect(added.size).toBe(COUNT + 1);
    } finally {
      await watch.close();
    }
  });
});
