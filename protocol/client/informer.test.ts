import { afterEach, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../../actors/apiserver/testing/cluster.js';
import { SimulatedClock } from '../../actors/kernel/clock.js';
import { silentLogger } from '../../actors/kernel/log.js';
import { waitFor } from '../../actors/kernel/testing/wait-for.js';
import type { ConfigMap } from '../resources/configmap.js';
import { Informer } from './informer.js';

const cm = (name: string, tier: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { tier } },
});

describe('Informer', () => {
  let cluster: InProcessCluster;
  const informers: Informer<ConfigMap>[] = [];
  afterEach(async () => {
    for (const i of informers.splice(0)) await i.stop();
    await cluster.stop();
  });

  async function start(options: { resyncMs?: number; relistMs?: number } = {}) {
    cluster = await startInProcessCluster();
    const clock = new SimulatedClock();
    const informer = new Informer<ConfigMap>({
      client: cluster.client,
      resource: 'configmaps',
      clock,
      log: silentLogger(),
      indexers: { tier: (o) => [o.metadata.labels?.tier ?? ''] },
      ...options,
    });
    informers.push(informer);
    return { informer, clock, client: cluster.client };
  }

  it('replays every cached object to update() on each resync period', async () => {
    const { informer, clock, client } = await start({ resyncMs: 30_000 });
    await client.create('configmaps', cm('a', 'web'));
    await client.create('configmaps', cm('b', 'db'));
    const updates: string[] = [];
    informer.on({ update: (old, next) => old === next && updates.push(next.metadata.name ?? '') });
    await informer.start();
    await clock.advance(29_999);
    expect(updates).toEqual([]);
    await clock.advance(1);
    expect(updates.sort()).toEqual(['a', 'b']);
    await clock.advance(30_000);
    expect(updates).toHaveLength(4);
  });

  it('keeps indexes in step with changes', async () => {
    const { informer, client } = await start();
    await informer.start();
    const a = await client.create('configmaps', cm('a', 'web'));
    await client.create('configmaps', cm('b', 'web'));
    await waitFor(() =>
      expect(
        informer
          .byIndex('tier', 'web')
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(['a', 'b']),
    );
    await client.update('configmaps', { ...a, metadata: { ...a.metadata, labels: { tier: 'db' } } });
    await waitFor(() => expect(informer.byIndex('tier', 'db').map((o) => o.metadata.name)).toEqual(['a']));
    expect(informer.byIndex('tier', 'web').map((o) => o.metadata.name)).toEqual(['b']);
    await client.delete('configmaps', 'default', 'b');
    await waitFor(() => expect(informer.byIndex('tier', 'web')).toEqual([]));
  });

  it('relists on its relist period and reports exactly the difference to the handlers', async () => {
    const { informer, clock, client } = await start({ relistMs: 60_000 });
    await client.create('configmaps', cm('a', 'web'));
    const seen: string[] = [];
    informer.on({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (_o, n) => seen.push(`update ${n.metadata.name}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    await informer.start();
    await client.create('configmaps', cm('b', 'web'));
    await waitFor(() => expect(informer.size).toBe(2));
    await clock.advance(60_000);
    await waitFor(() => expect(informer.relists).toBe(1));
    expect(seen).toEqual(['add a', 'add b']); // nothing changed: a relist adds no events
  });
});
