import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../../actors/apiserver/testing/cluster.js';
import { silentLogger } from '../../actors/kernel/log.js';
import { waitFor } from '../../actors/kernel/testing/wait-for.js';
import type { ApiRequest, ApiResponse } from '../api.js';
import { DEFAULT_MAX_PAYLOAD } from '../bus.js';
import { SimulatedClock } from '../clock.js';
import type { ConfigMap } from '../resources/configmap.js';
import { restartDelay } from '../watch/list-pages.js';
import { ApiClient } from './api-client.js';
import { Informer } from './informer.js';
import type { Transport } from './transport.js';

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

describe('Informer over many large objects', () => {
  const COUNT = 1_000;
  const blob = 'x'.repeat(3 * 1024);
  let cluster: InProcessCluster;
  beforeAll(async () => {
    cluster = await startInProcessCluster();
    for (let i = 0; i < COUNT; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          cluster.client.create('configmaps', {
            ...cm(`big-${String(i + j).padStart(4, '0')}`, 'web'),
            data: { blob },
          }),
        ),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await cluster.stop();
  });

  /** A client whose transport records list replies and can act once after the first page. */
  function recordingClient(afterFirstPage?: () => Promise<unknown>) {
    const inner = cluster.client.transport;
    const replies: number[] = [];
    let acted = false;
    const transport: Transport = {
      async request(request: ApiRequest, options?: { timeoutMs?: number }): Promise<ApiResponse> {
        const response = await inner.request(request, options);
        if (request.verb === 'list') {
          replies.push(Buffer.byteLength(JSON.stringify(response)));
          if (!request.options?.continue && afterFirstPage && !acted) {
            acted = true;
            await afterFirstPage();
          }
        }
        return response;
      },
      watch: (options, handler) => inner.watch(options, handler),
      followLog: (request, handlers, signal) => inner.followLog(request, handlers, signal),
      close: () => inner.close(),
    };
    return { client: new ApiClient(transport), replies };
  }

  it('syncs 1,000 ConfigMaps of 3 KiB in pages that each fit in one bus message', async () => {
    const { client, replies } = recordingClient();
    const informer = new Informer<ConfigMap>({
      client,
      resource: 'configmaps',
      clock: new SimulatedClock(),
      log: silentLogger(),
    });
    const added = new Set<string>();
    let adds = 0;
    informer.on({
      add: (o) => {
        adds++;
        added.add(o.metadata.name ?? '');
      },
    });
    try {
      await informer.start();
      expect(informer.size).toBe(COUNT);
      expect(adds).toBe(COUNT); // each object once
      expect(added.size).toBe(COUNT);
      expect(replies.length).toBeGreaterThan(3); // ~3 MiB of objects: cut by bytes, not by count
      expect(Math.max(...replies)).toBeLessThan(DEFAULT_MAX_PAYLOAD);
      expect(informer.listRestarts).toBe(0);
    } finally {
      await informer.stop();
    }
  });

  it('lists again from the first page when the list changed while paging, and counts it', async () => {
    const { client } = recordingClient(() =>
      cluster.client.create('configmaps', { ...cm('zz-late', 'web'), data: { blob } }),
    );
    const clock = new SimulatedClock();
    const informer = new Informer<ConfigMap>({ client, resource: 'configmaps', clock, log: silentLogger() });
    try {
      const synced = informer.start();
      await waitFor(() => expect(informer.listRestarts).toBe(1));
      expect(informer.hasSynced).toBe(false);
      await clock.advance(restartDelay(1));
      await synced;
      expect(informer.get('default', 'zz-late')).toBeDefined();
      expect(informer.size).toBe(COUNT + 1);
      expect(informer.listRestarts).toBe(1);
    } finally {
      await informer.stop();
    }
  });
});
