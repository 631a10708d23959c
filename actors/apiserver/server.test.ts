import { afterEach, describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../protocol/api.js';
import { Informer } from '../../protocol/client/informer.js';
import { systemClock } from '../../protocol/clock.js';
import type { AnyObject } from '../../protocol/resources/registry.js';
import { silentLogger } from '../kernel/log.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { startInProcessCluster } from './testing/cluster.js';

const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels },
  data,
});

describe('API server on the in-process bus and the embedded store', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function cluster() {
    const c = await startInProcessCluster();
    cleanups.push(() => c.stop());
    return c;
  }

  it('serves requests over the bus and reports durability', async () => {
    const { client, server } = await cluster();
    expect(server.durability.durable).toBe(false);
    const created = await client.create('configmaps', cm('a', { k: 'v' }));
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    const got = await client.get<typeof created>('configmaps', 'default', 'a');
    expect(got).toEqual(created);
    await expect(client.get('configmaps', 'default', 'missing')).rejects.toMatchObject({
      reason: 'NotFound',
    });
    const namespaces = await client.list<AnyObject>('namespaces');
    expect(namespaces.items.map((n) => n.metadata.name)).toEqual(['default', 'kube-system']);
  });

  it('watches from a list revision with no gap, re-typing selector changes', async () => {
    const { client } = await cluster();
    await client.create('configmaps', cm('before', {}, { tier: 'web' }));
    const list = await client.list('configmaps', { namespace: 'default' });
    const events: WatchEvent[] = [];
    const watch = await client.watch(
      {
        resource: 'configmaps',
        namespace: 'default',
        labelSelector: 'tier=web',
        resourceVersion: list.metadata.resourceVersion,
      },
      (e) => {
        events.push(e);
      },
    );
    const b = await client.create('configmaps', cm('b', {}, { tier: 'web' }));
    await client.update('configmaps', { ...b, metadata: { ...b.metadata, labels: { tier: 'db' } } });
    await client.create('configmaps', cm('c', {}, { tier: 'db' }));
    await client.delete('configmaps', 'default', 'before');
    await waitFor(() =>
      expect(events.map((e) => `${e.type}:${(e.object as AnyObject).metadata.name}`)).toEqual([
        'ADDED:b',
        'DELETED:b',
        'DELETED:before',
      ]),
    );
    await watch.close();
    expect(await watch.closed).toBeUndefined();
  });

  it('keeps an informer cache equal to the store', async () => {
    const { client } = await cluster();
    for (let i = 0; i < 20; i++) await client.create('configmaps', cm(`pre-${i}`, { i: String(i) }));
    const informer = new Informer({
      client,
      resource: 'configmaps',
      clock: systemClock,
      log: silentLogger(),
    });
    const adds: string[] = [];
    informer.on({ add: (o) => adds.push(o.metadata.name ?? '') });
    await informer.start();
    expect(informer.size).toBe(20);
    for (let i = 0; i < 20; i++) await client.create('configmaps', cm(`post-${i}`));
    for (let i = 0; i < 10; i++) await client.delete('configmaps', 'default', `pre-${i}`);
    await waitFor(async () => {
      const store = await client.list<AnyObject>('configmaps');
      expect(
        informer
          .list()
          .map((o) => o.metadata.resourceVersion)
          .sort(),
      ).toEqual(store.items.map((o) => o.metadata.resourceVersion).sort());
    });
    expect(adds).toHaveLength(40);
    await informer.stop();
  });
});
