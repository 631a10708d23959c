/**
 * The HTTP face against real NATS and Redis: REST verbs and Status codes, watch from a list
 * revision with no gap, 410 for an expired position, bookmarks, and the SDK (ApiClient and
 * Informer) over the HTTP transport. Own subject prefix, stream and Redis keys, removed after.
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiServer } from '../actors/apiserver/server.js';
import { RedisStore } from '../actors/apiserver/store/redis/store.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import type { WatchEvent } from '../protocol/api.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { HttpTransport } from '../protocol/client/http.js';
import { Informer } from '../protocol/client/informer.js';
import { systemClock } from '../protocol/clock.js';
import type { AnyObject } from '../protocol/resources/registry.js';
import { Subjects } from '../protocol/subjects.js';
import { removeKeys, removeStreams } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });
const prefix = `thttp${randomBytes(4).toString('hex')}`;
const base = '/api/v1/namespaces/default/configmaps';
/** A ConfigMap in `default`; `resourceVersion` is what the server fills in. */
const cm = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' } as { name: string; namespace: string; resourceVersion?: string },
  data: { k: name },
});

describeWithServices('HTTP face over NATS and Redis', skip, () => {
  let shared: SharedServices;
  let bus: NatsBus;
  let store: RedisStore;
  let server: ApiServer;
  let client: ApiClient;
  const subjects = new Subjects(prefix);

  beforeAll(async () => {
    shared = await sharedServices();
    const nats = shared.nats as NonNullable<SharedServices['nats']>;
    bus = await NatsBus.connect({
      servers: nats.url,
      name: 'http-face-test',
      log: silentLogger(),
      ...(nats.user === undefined ? {} : { user: nats.user, pass: nats.pass }),
    });
    store = await RedisStore.open({ url: shared.redis?.url ?? '', prefix, log: silentLogger() });
    server = await ApiServer.start({
      bus,
      store,
      subjects,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      eventLogMaxMessages: 40,
      relay: { blockMs: 50 },
      http: { host: '127.0.0.1', port: 0, bookmarkMs: 100 },
    });
    client = new ApiClient(new HttpTransport({ url: server.httpUrl ?? '' }));
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await store?.close();
    await bus?.close();
    if (shared) await removeStreamAndKeys(shared);
    await shared?.dispose();
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${server.httpUrl}${path}`, init);
  const send = (method: string, path: string, body: unknown) =>
    call(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

  it('serves CRUD with Kubernetes Status errors and codes', async () => {
    const created = await send('POST', base, cm('crud'));
    expect(created.status).toBe(201);
    const object = await json(created);
    expect((await call(`${base}/crud`)).status).toBe(200);
    const dup = await send('POST', base, cm('crud'));
    expect([dup.status, (await json(dup)).reason]).toEqual([409, 'AlreadyExists']);
    const stale = { ...object, metadata: { ...(object.metadata as object), resourceVersion: '1' } };
    const conflict = await send('PUT', `${base}/crud`, stale);
    expect([conflict.status, (await json(conflict)).reason]).toEqual([409, 'Conflict']);
    const invalid = await send('POST', base, cm('NOT valid'));
    expect([invalid.status, (await json(invalid)).reason]).toEqual([422, 'Invalid']);
    const deleted = await call(`${base}/crud`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    const missing = await call(`${base}/crud`);
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'NotFound',
      message: 'configmaps "crud" not found',
      code: 404,
    });
    expect((await call('/apis/apps/v1/nothing')).status).toBe(404);
  });

  it('watches from a list revision with no gap', async () => {
    const list = await json(await call(base));
    const rv = (list.metadata as { resourceVersion: string }).resourceVersion;
    await send('POST', base, cm('gap-1')); // between the list and the watch: must not be missed
    const events: WatchEvent[] = [];
    const watch = await client.watch(
      { resource: 'configmaps', namespace: 'default', resourceVersion: rv },
      (e) => {
        events.push(e);
      },
    );
    await send('POST', base, cm('gap-2'));
    await call(`${base}/gap-1`, { method: 'DELETE' });
    await waitFor(
      () =>
        expect(events.map((e) => `${e.type}:${(e.object as AnyObject).metadata.name}`)).toEqual([
          'ADDED:gap-1',
          'ADDED:gap-2',
          'DELETED:gap-1',
        ]),
      { timeoutMs: 10_000 },
    );
    await watch.close();
  });

  it('sends bookmarks when allowed', async () => {
    const list = await json(await call(base));
    const rv = (list.metadata as { resourceVersion: string }).resourceVersion;
    const res = await call(
      `${base}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=1`,
    );
    const lines = (await res.text()).trim().split('\n');
    const bookmark = lines.map((l) => JSON.parse(l) as WatchEvent).find((e) => e.type === 'BOOKMARK');
    expect(bookmark).toMatchObject({
      type: 'BOOKMARK',
      object: { kind: 'ConfigMap', metadata: { resourceVersion: rv } },
    });
  });

  it('runs the ApiClient and an Informer over the HTTP transport', async () => {
    const applied = await client.apply('configmaps', cm('sdk'));
    expect(applied.action).toBe('created');
    const informer = new Informer({
      client,
      resource: 'configmaps',
      namespace: 'default',
      clock: systemClock,
      log: silentLogger(),
    });
    await informer.start();
    expect(informer.get('default', 'sdk')).toBeDefined();
    await client.patch('configmaps', 'default', 'sdk', { data: { k: 'patched' } });
    await client.delete('configmaps', 'default', 'gap-2');
    await waitFor(
      async () => {
        const listed = await client.list<AnyObject>('configmaps', { namespace: 'default' });
        const versions = (items: readonly AnyObject[]) => items.map((o) => o.metadata.resourceVersion).sort();
        expect(versions(informer.list())).toEqual(versions(listed.items));
      },
      { timeoutMs: 10_000 },
    );
    await informer.stop();
  });

  // Last: it fills the small event log. Earlier tests write too little to trim it, so their
  // watches never meet an expiry that only the size of this test's log would cause.
  it('answers 410 Expired for a resourceVersion the event log no longer holds', async () => {
    const first = await client.create('configmaps', cm('old'));
    for (let i = 0; i < 60; i++) await client.create('configmaps', cm(`churn-${i}`));
    await waitFor(
      async () => {
        const res = await call(`${base}?watch=1&resourceVersion=${first.metadata.resourceVersion}`);
        expect(res.status).toBe(410);
        expect(await json(res)).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
      },
      { timeoutMs: 10_000 },
    );
    await expect(
      client.watch(
        { resource: 'configmaps', resourceVersion: first.metadata.resourceVersion },
        () => undefined,
      ),
    ).rejects.toMatchObject({ reason: 'Expired' });
  });
});

/** Deletes this file's JetStream streams and Redis keys from the shared servers. */
async function removeStreamAndKeys(shared: SharedServices): Promise<void> {
  if (shared.nats) {
    await removeStreams(shared.nats.url, new Subjects(prefix), {
      user: shared.nats.user,
      pass: shared.nats.pass,
    });
  }
  if (shared.redis) await removeKeys(shared.redis.url, prefix);
}
