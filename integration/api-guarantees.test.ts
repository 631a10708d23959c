/**
 * The API server's guarantees, against real NATS (JetStream) and Redis:
 * optimistic concurrency under contention, watchers that converge after a disconnect (and after
 * falling out of the retained history), and replicas that stop without losing acknowledged writes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import type { ApiClient } from '../protocol/client/api-client.js';
import { Informer } from '../protocol/client/informer.js';
import { systemClock } from '../protocol/clock.js';
import { ApiError } from '../protocol/errors.js';
import type { AnyObject } from '../protocol/resources/registry.js';
import { TestCluster } from './cluster.js';
import { FaultProxy } from './fault-proxy.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

type ConfigMap = AnyObject & { kind: 'ConfigMap'; data?: Record<string, string> };

const cm = (name: string, data: Record<string, string> = {}): ConfigMap =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data }) as ConfigMap;

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });

describeWithServices('API server guarantees (NATS + Redis)', skip, () => {
  let services: SharedServices;
  const clusters: TestCluster[] = [];
  const natsUrl = () => services.nats?.url ?? '';
  const redisUrl = () => services.redis?.url ?? '';

  beforeAll(async () => {
    services = await sharedServices();
  });
  afterAll(async () => {
    for (const c of clusters) await c.dispose();
    await services.dispose();
  });

  async function cluster(label: string, options: { maxMessages?: number } = {}) {
    const c = await TestCluster.start(label, {
      natsUrl: natsUrl(),
      redisUrl: redisUrl(),
      server: {
        relay: { blockMs: 100 },
        ...(options.maxMessages ? { eventLogMaxMessages: options.maxMessages } : {}),
      },
    });
    clusters.push(c);
    return c;
  }

  /** A writer, and an informer whose NATS connection goes through a fault proxy the test controls. */
  async function watcherBehindProxy(c: TestCluster) {
    const writer = (await c.client()).client;
    const proxy = await FaultProxy.start(Number(new URL(natsUrl()).port));
    const watcherConn = await c.client(`nats://${proxy.address}`);
    const informer = new Informer<ConfigMap>({
      client: watcherConn.client,
      resource: 'configmaps',
      clock: systemClock,
      log: silentLogger(),
    });
    await informer.start();
    return { writer, proxy, informer };
  }

  it('16 clients, 1,000 updates of one object: stale writes get 409, the last write wins, versions only grow', async () => {
    const c = await cluster('cas');
    const clients: ApiClient[] = [];
    for (let i = 0; i < 16; i++) clients.push((await c.client()).client);
    await clients[0]?.create('configmaps', cm('hot', { n: '0' }));
    const successes: { rv: number; n: number; writer: number }[] = [];
    let conflicts = 0;
    await Promise.all(
      clients.map(async (client, writer) => {
        while (successes.length < 1000) {
          const current = await client.get<ConfigMap>('configmaps', 'default', 'hot');
          const n = Number(current.data?.n) + 1;
          try {
            const written = await client.update('configmaps', {
              ...current,
              data: { n: String(n), writer: String(writer) },
            });
            successes.push({ rv: Number(written.metadata.resourceVersion), n, writer });
          } catch (err) {
            if (!(err instanceof ApiError) || err.code !== 409) throw err;
            conflicts++;
          }
        }
      }),
    );
    // Ordered by version, the successful writes form one chain: each read the one before it, so
    // the counter goes 1, 2, 3, ... with no lost and no duplicated update.
    const ordered = [...successes].sort((a, b) => a.rv - b.rv);
    expect(ordered.map((s) => s.n)).toEqual(ordered.map((_, i) => i + 1));
    expect(new Set(ordered.map((s) => s.rv)).size).toBe(ordered.length);
    const last = ordered.at(-1) as { rv: number; n: number; writer: number };
    const final = await clients[0]?.get<ConfigMap>('configmaps', 'default', 'hot');
    expect(final?.metadata.resourceVersion).toBe(String(last.rv));
    expect(final?.data).toEqual({ n: String(last.n), writer: String(last.writer) });
    expect(successes.length).toBeGreaterThanOrEqual(1000);
    expect(conflicts).toBeGreaterThan(0);
  });

  it('a watcher cut off from NATS for 5 s while 1,000 writes happen converges to the store', async () => {
    const { writer, proxy, informer } = await watcherBehindProxy(await cluster('watch'));
    try {
      proxy.pause();
      proxy.cutAll();
      const cutAt = Date.now();
      for (let i = 0; i < 1000; i++) {
        if (i % 3 === 2) await writer.delete('configmaps', 'default', `w-${i - 1}`);
        else await writer.create('configmaps', cm(`w-${i}`, { i: String(i) }));
      }
      await waitFor(() => expect(Date.now() - cutAt).toBeGreaterThanOrEqual(5000), { timeoutMs: 10_000 });
      proxy.resume();
      await waitFor(async () => expect(await versions(informer)).toEqual(await storeVersions(writer)), {
        timeoutMs: 30_000,
      });
    } finally {
      await informer.stop();
      await proxy.close();
    }
  });

  it('a watcher cut off past the retained history gets Expired, relists, and converges', async () => {
    const { writer, proxy, informer } = await watcherBehindProxy(
      await cluster('expire', { maxMessages: 100 }),
    );
    try {
      proxy.pause();
      proxy.cutAll();
      for (let i = 0; i < 400; i++) await writer.create('configmaps', cm(`x-${i}`));
      proxy.resume();
      await waitFor(async () => expect(await versions(informer)).toEqual(await storeVersions(writer)), {
        timeoutMs: 30_000,
      });
      expect(informer.relists).toBeGreaterThanOrEqual(1);
    } finally {
      await informer.stop();
      await proxy.close();
    }
  });

  it('two replicas share the load; stopping one loses no acknowledged request', async () => {
    const c = await cluster('replicas');
    await c.addReplica();
    const { client } = await c.client();
    const acknowledged: string[] = [];
    const failures: unknown[] = [];
    let stoppedAt: number | undefined;
    const load = (async () => {
      // Keep writing until well after one replica is gone, so requests cross the stop.
      for (let i = 0; stoppedAt === undefined || i < stoppedAt + 200; i++) {
        try {
          await client.create('configmaps', cm(`r-${i}`));
          acknowledged.push(`r-${i}`);
        } catch (err) {
          failures.push(err);
        }
      }
    })();
    await waitFor(() => expect(acknowledged.length).toBeGreaterThan(100), { timeoutMs: 20_000 });
    await c.replicas[0]?.stop();
    c.replicas.shift();
    stoppedAt = acknowledged.length;
    await load;
    const stored = new Set((await client.listAll<AnyObject>('configmaps')).items.map((o) => o.metadata.name));
    expect(acknowledged.filter((name) => !stored.has(name))).toEqual([]);
    expect(failures).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(stoppedAt + 150);
  });
});

async function versions(informer: Informer<ConfigMap>): Promise<string[]> {
  return informer
    .list()
    .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
    .sort();
}

async function storeVersions(client: ApiClient): Promise<string[]> {
  return (await client.listAll<ConfigMap>('configmaps')).items
    .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
    .sort();
}
