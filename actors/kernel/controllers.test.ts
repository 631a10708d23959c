import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../protocol/client/api-client.js';
import { FencedTransport } from '../../protocol/client/fenced-transport.js';
import { objectKeyOf } from '../../protocol/client/informer.js';
import { EventRecorder } from '../../protocol/client/recorder.js';
import { systemClock } from '../../protocol/clock.js';
import { isReason } from '../../protocol/errors.js';
import type { ConfigMap } from '../../protocol/resources/configmap.js';
import { type InProcessCluster, startInProcessCluster } from '../apiserver/testing/cluster.js';
import { type ControllerDefinition, type RunningControllers, startControllers } from './controllers.js';
import { silentLogger } from './log.js';
import { SharedInformers } from './shared-informers.js';
import { waitFor } from './testing/wait-for.js';

/** Copies every ConfigMap's data into a `<name>-copy` ConfigMap: a controller in miniature. */
const copier: ControllerDefinition = {
  name: 'copier',
  wire(ctx, queue) {
    const informer = ctx.informers.informer<ConfigMap>('configmaps', {
      byCopyOf: (cm) => (cm.metadata.labels?.['copy-of'] ? [cm.metadata.labels['copy-of']] : []),
    });
    informer.on({ add: (cm) => queue.add(objectKeyOf(cm)), update: (_, cm) => queue.add(objectKeyOf(cm)) });
    return {
      async sync(key) {
        const cm = informer.getByKey(key);
        if (!cm || cm.metadata.labels?.['copy-of']) return;
        if (informer.byIndex('byCopyOf', cm.metadata.name as string).length > 0) return;
        await ctx.client.create('configmaps', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            namespace: cm.metadata.namespace,
            name: `${cm.metadata.name}-copy`,
            labels: { 'copy-of': cm.metadata.name as string },
          },
          data: { ...cm.data },
        });
      },
    };
  },
};

describe('controllers on the kernel', () => {
  let cluster: InProcessCluster;
  let running: RunningControllers | undefined;
  afterEach(async () => {
    await running?.stop();
    await cluster?.stop();
  });

  function start(client: ApiClient, registry = new Registry()) {
    const log = silentLogger();
    const recorder = new EventRecorder({ client, clock: systemClock, log, component: 'test' });
    const informers = new SharedInformers({ client, clock: systemClock, log });
    running = startControllers([copier], { client, informers, recorder, clock: systemClock, log, registry });
    return registry;
  }

  it('syncs keys from shared informers and reports per-controller metrics', async () => {
    cluster = await startInProcessCluster();
    const registry = start(cluster.client);
    await running?.synced;
    await cluster.client.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'default', name: 'a' },
      data: { k: 'v' },
    });
    const copy = await waitFor(() =>
      cluster.client.get<ConfigMap>('configmaps', 'default', 'a-copy').catch(() => false as const),
    );
    expect(copy.data).toEqual({ k: 'v' });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/skiff_workqueue_adds_total\{name="copier"\} [1-9]/);
  });

  it('refuses a write without a fence before it leaves the process, and counts the failed sync', async () => {
    cluster = await startInProcessCluster();
    const fenced = new ApiClient(new FencedTransport(cluster.client.transport, () => undefined));
    const registry = start(fenced);
    await cluster.client.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'default', name: 'b' },
    });
    await waitFor(async () =>
      /skiff_controller_sync_errors_total\{controller="copier"\} [1-9]/.test(await registry.metrics()),
    );
    const err = await fenced
      .create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'default', name: 'c' },
      })
      .catch((e: unknown) => e);
    expect(isReason(err, 'Conflict')).toBe(true);
    expect((await fenced.list('configmaps', { namespace: 'default' })).items).toHaveLength(1);
  });
});
