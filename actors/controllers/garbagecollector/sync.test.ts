import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Stored } from '../../../protocol/client/api-client.js';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import { systemClock } from '../../../protocol/clock.js';
import { isReason } from '../../../protocol/errors.js';
import type { OwnerReference } from '../../../protocol/meta.js';
import type { ConfigMap } from '../../../protocol/resources/configmap.js';
import type { AnyObject } from '../../../protocol/resources/registry.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { type RunningControllers, startControllers } from '../../kernel/controllers.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { garbageCollectorController } from './controller.js';
import { FOREGROUND_FINALIZER } from './plan.js';
import { BY_OWNER_UID, BY_UID, type GraphCache, graphKey, syncGarbage } from './sync.js';

let cluster: InProcessCluster;
let running: RunningControllers | undefined;

beforeEach(async () => {
  cluster = await startInProcessCluster();
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await cluster.stop();
});

async function startGc(resources?: readonly string[]): Promise<void> {
  const log = silentLogger();
  const { client } = cluster;
  const gc = garbageCollectorController({ notSyncedRetryMs: 10, ...(resources ? { resources } : {}) });
  running = startControllers([gc], {
    client,
    informers: new SharedInformers({ client, clock: systemClock, log }),
    recorder: new EventRecorder({ client, clock: systemClock, log, component: 'test' }),
    clock: systemClock,
    log,
    registry: new Registry(),
  });
  await running.synced;
}

const configMap = (name: string, owners: OwnerReference[] = [], finalizers?: string[]) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    namespace: 'default',
    name,
    ...(owners.length ? { ownerReferences: owners } : {}),
    ...(finalizers ? { finalizers } : {}),
  },
});
const refTo = (cm: Stored<ReturnType<typeof configMap>>, blockOwnerDeletion = false): OwnerReference => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: cm.metadata.name,
  uid: cm.metadata.uid,
  ...(blockOwnerDeletion ? { blockOwnerDeletion } : {}),
});

const create = (obj: ReturnType<typeof configMap>) => cluster.client.create('configmaps', obj);
const read = (name: string) =>
  cluster.client.get<ConfigMap>('configmaps', 'default', name).catch((err: unknown) => {
    if (isReason(err, 'NotFound')) return undefined;
    throw err;
  });
const gone = (name: string) => async () => (await read(name)) === undefined;

describe('garbage collector syncs', () => {
  it('Background: deleting the owner deletes its dependents, recursively', async () => {
    await startGc();
    const owner = await create(configMap('owner'));
    const child = await create(configMap('child', [refTo(owner)]));
    await create(configMap('grandchild', [refTo(child)]));
    await cluster.client.delete('configmaps', 'default', 'owner');
    await waitFor(gone('child'));
    await waitFor(gone('grandchild'));
  });

  it('keeps a dependent with another live owner, without the dead reference', async () => {
    await startGc();
    const a = await create(configMap('a'));
    const b = await create(configMap('b'));
    await create(configMap('shared', [refTo(a), refTo(b)]));
    await cluster.client.delete('configmaps', 'default', 'a');
    const shared = await waitFor(async () => {
      const cm = await read('shared');
      return cm?.metadata.ownerReferences?.length === 1 ? cm : false;
    });
    expect(shared.metadata.ownerReferences?.[0]?.uid).toBe(b.metadata.uid);
  });

  it('deletes a dependent created while the GC was down whose owner no longer exists (live check)', async () => {
    const ghost: OwnerReference = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: 'no-such-uid' };
    await create(configMap('orphaned', [ghost]));
    // Same name, other uid: a recreated owner is not the dependent's owner.
    const recreated = await create(configMap('owner2'));
    await create(
      configMap('stale', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner2', uid: 'old-uid' }]),
    );
    await create(configMap('fine', [refTo(recreated)]));
    await startGc();
    await waitFor(gone('orphaned'));
    await waitFor(gone('stale'));
    expect(await read('fine')).toBeDefined();
  });

  it('asks the API server before deleting: an owner its informers do not hold still protects', async () => {
    // Only secrets are watched, so a ConfigMap owner is never in the cache: only a live GET finds it.
    const owner = await create(configMap('unwatched-owner'));
    const gone = { apiVersion: 'v1', kind: 'ConfigMap', name: 'never-was', uid: 'nope' };
    const secret = (name: string, ref: OwnerReference) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: 'default', name, ownerReferences: [ref] },
      data: {},
    });
    await cluster.client.create('secrets', secret('kept', refTo(owner)));
    await cluster.client.create('secrets', secret('collected', gone));
    await startGc(['secrets']);
    await waitFor(async () =>
      cluster.client
        .get('secrets', 'default', 'collected')
        .then(() => false)
        .catch((err: unknown) => isReason(err, 'NotFound')),
    );
    expect(await cluster.client.get('secrets', 'default', 'kept')).toBeDefined();
  });

  it('Orphan: dependents stay, without the owner reference, and the owner goes', async () => {
    await startGc();
    const owner = await create(configMap('owner'));
    await create(configMap('kid', [refTo(owner, true)]));
    await cluster.client.delete('configmaps', 'default', 'owner', { propagationPolicy: 'Orphan' });
    await waitFor(gone('owner'));
    const kid = await read('kid');
    expect(kid?.metadata.ownerReferences ?? []).toEqual([]);
  });

  it('Foreground: the owner waits for its blocking dependents, then goes', async () => {
    const owner = await create(configMap('owner'));
    // The blocking dependent holds its own finalizer, so it lingers while being deleted.
    await create(configMap('blocker', [refTo(owner, true)], ['example.com/hold']));
    await create(configMap('plain', [refTo(owner)]));
    await startGc();
    await cluster.client.delete('configmaps', 'default', 'owner', { propagationPolicy: 'Foreground' });
    await waitFor(async () => Boolean((await read('blocker'))?.metadata.deletionTimestamp));
    await waitFor(gone('plain'));
    const waiting = await read('owner');
    expect(waiting?.metadata.finalizers).toContain(FOREGROUND_FINALIZER);
    // Release the blocker: the owner follows.
    const blocker = (await read('blocker')) as ConfigMap;
    await cluster.client.update('configmaps', {
      ...blocker,
      metadata: { ...blocker.metadata, finalizers: [] },
    });
    await waitFor(gone('blocker'));
    await waitFor(gone('owner'));
  });

  it('Foreground cascades through a dependent that has dependents of its own', async () => {
    await startGc();
    const owner = await create(configMap('top'));
    const mid = await create(configMap('mid', [refTo(owner, true)]));
    await create(configMap('leaf', [refTo(mid, true)]));
    await cluster.client.delete('configmaps', 'default', 'top', { propagationPolicy: 'Foreground' });
    await waitFor(gone('top'));
    expect(await read('mid')).toBeUndefined();
    expect(await read('leaf')).toBeUndefined();
  });
});

/** A cache frozen with `objects`, as a lagging informer would hold them. */
function frozenCache(objects: AnyObject[]): GraphCache {
  const key = (o: AnyObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  return {
    getByKey: (k) => objects.find((o) => key(o) === k),
    byIndex: (index, value) =>
      objects.filter((o) =>
        index === BY_UID
          ? o.metadata.uid === value
          : index === BY_OWNER_UID && (o.metadata.ownerReferences ?? []).some((r) => r.uid === value),
      ),
  };
}

describe('garbage collector sync on a stale cache', () => {
  it('decides on the live object: a dependent already orphaned is not deleted for its old owner', async () => {
    const owner = await create(configMap('was-owner'));
    const live = await create(configMap('freed'));
    await cluster.client.delete('configmaps', 'default', 'was-owner');
    // The cache still shows the reference the Orphan deletion already removed.
    const stale = { ...live, metadata: { ...live.metadata, ownerReferences: [refTo(owner)] } } as AnyObject;
    const deps = {
      client: cluster.client,
      informers: new Map([['configmaps', frozenCache([stale])]]),
      log: silentLogger(),
      enqueue: () => undefined,
    };
    await syncGarbage(deps, graphKey('configmaps', stale));
    expect(await read('freed')).toBeDefined();
  });

  it('deletes when the live object agrees its owner is gone', async () => {
    const owner = await create(configMap('dead-owner'));
    const child = await create(configMap('doomed', [refTo(owner)]));
    await cluster.client.delete('configmaps', 'default', 'dead-owner');
    const deps = {
      client: cluster.client,
      informers: new Map([['configmaps', frozenCache([child as AnyObject])]]),
      log: silentLogger(),
      enqueue: () => undefined,
    };
    await syncGarbage(deps, graphKey('configmaps', child as AnyObject));
    expect(await read('doomed')).toBeUndefined();
  });
});
