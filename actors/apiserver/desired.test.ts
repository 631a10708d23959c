import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObjectList } from '../../protocol/api.js';
import { ApiClient } from '../../protocol/client/api-client.js';
import { publishDesired } from '../../protocol/client/desired.js';
import { NatsTransport } from '../../protocol/client/nats.js';
import { systemClock } from '../../protocol/clock.js';
import { StoreUnavailableError } from '../../protocol/errors.js';
import type { Event } from '../../protocol/resources/event.js';
import type { AnyObject } from '../../protocol/resources/registry.js';
import { Subjects } from '../../protocol/subjects.js';
import { MemoryBus } from '../kernel/bus/memory.js';
import { captureLogger, silentLogger } from '../kernel/log.js';
import { ActorSystem } from '../kernel/system.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { type DesiredOptions, desiredLogic, desiredSupervision, FailedDesiredApply } from './desired.js';
import { apiMetrics } from './metrics.js';
import { ApiServer } from './server.js';
import { SqliteStore } from './store/sqlite/store.js';
import type { ObjectKey, Store } from './store/store.js';
import { type TestApi, testApi } from './testing/deps.js';

const subjects = new Subjects('skiff');
const configMap = (name: string, data: Record<string, string> = {}, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

/**
 * A store whose writes fail: with StoreUnavailableError while `outage` lasts (one write each), and
 * with a plain error (a bug: 500) for every write to the `broken` resource.
 */
function flakyStore(inner: Store) {
  let outage = 0;
  let broken: string | undefined;
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (prop !== 'create' && prop !== 'update' && prop !== 'delete') return method.bind(target);
      return async (key: ObjectKey, ...rest: unknown[]) => {
        if (outage > 0) {
          outage--;
          throw new StoreUnavailableError(String(prop), { cause: new Error('connection refused') });
        }
        if (key.resource === broken) throw new Error('disk on fire');
        return method.call(target, key, ...rest);
      };
    },
  });
  return {
    store,
    failWrites: (n: number) => {
      outage = n;
    },
    breakResource: (resource: string) => {
      broken = resource;
    },
  };
}

describe('desired-state consumer on the in-process bus and the embedded store', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Replicas of the consumer (each its own actor system and metrics) over one bus and one store. */
  async function cluster(options: { replicas?: number; desired?: Partial<DesiredOptions> } = {}) {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const flaky = flakyStore(new SqliteStore({ path: ':memory:' }));
    const api = await testApi({ store: flaky.store });
    const replicas = Array.from({ length: options.replicas ?? 1 }, (_, i) => {
      const metrics = apiMetrics(new Registry());
      const logs = captureLogger({ level: 'info' });
      const system = new ActorSystem({ clock: systemClock, log: logs.log });
      const deps = { bus, subjects, handler: api.send, clock: api.clock, replica: `r${i}`, metrics };
      const desired = { retryDelayMs: 10, ...options.desired };
      system.spawn('desired', () => desiredLogic({ ...deps, options: desired }), {
        policy: desiredSupervision,
      });
      return { metrics, system, logs };
    });
    // Joined: every replica is a member of the consumer before the test publishes anything.
    await waitFor(() => replicas.every((r) => r.logs.find('applying desired state').length === 1));
    cleanups.push(async () => {
      for (const r of replicas) await r.system.stop();
      await bus.close();
      await api.store.close();
    });
    const counted = async (result: string) => {
      let total = 0;
      for (const r of replicas) {
        const { values } = await r.metrics.desiredApplied.get();
        total += values.find((v) => v.labels.result === result)?.value ?? 0;
      }
      return total;
    };
    return { bus, api, replicas, counted, ...flaky };
  }

  const list = async <T = AnyObject>(api: TestApi, resource: string) =>
    (await api.ok<ObjectList<T>>({ verb: 'list', resource })).items;

  it('applies a published object, and counts a second publish of it as unchanged', async () => {
    const { bus, api, counted } = await cluster();
    await publishDesired(bus, subjects, configMap('settings', { mode: 'fast' }));
    await waitFor(async () => (await counted('applied')) === 1);
    const stored = await api.ok<AnyObject>({
      verb: 'get',
      resource: 'configmaps',
      namespace: 'default',
      name: 'settings',
    });
    expect(stored).toMatchObject({ data: { mode: 'fast' } });

    await publishDesired(bus, subjects, configMap('settings', { mode: 'fast' }));
    await waitFor(async () => (await counted('unchanged')) === 1);
    const again = await api.ok<AnyObject>({
      verb: 'get',
      resource: 'configmaps',
      namespace: 'default',
      name: 'settings',
    });
    expect(again.metadata.resourceVersion).toBe(stored.metadata.resourceVersion);
  });

  it('records a Warning Event naming the bad field, and stores nothing else', async () => {
    const { bus, api, counted } = await cluster();
    await api.ok({
      verb: 'create',
      resource: 'namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
    });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'broken', namespace: 'team-a' },
      spec: {},
    };
    await publishDesired(bus, subjects, pod);
    await waitFor(async () => (await counted('invalid')) === 1);
    const events = await list<Event>(api, 'events');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      metadata: { namespace: 'team-a' },
      type: 'Warning',
      reason: FailedDesiredApply,
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'broken', namespace: 'team-a' },
      source: { component: 'apiserver' },
      reportingComponent: 'skiff-apiserver',
      count: 1,
    });
    expect(events[0]?.message).toMatch(/spec\.containers/);
    expect(events[0]?.firstTimestamp).toBe(events[0]?.lastTimestamp);
    expect(await list(api, 'pods')).toEqual([]);
  });

  it('retries through a store outage until the object is stored', async () => {
    const { bus, api, counted, failWrites } = await cluster();
    failWrites(3);
    await publishDesired(bus, subjects, configMap('after-outage'));
    await waitFor(async () => (await counted('applied')) === 1);
    expect(await counted('retry')).toBe(3);
    expect((await list(api, 'configmaps')).map((c) => c.metadata.name)).toEqual(['after-outage']);
    expect(await list(api, 'events')).toEqual([]);
  });

  it('shares entries between replicas without applying any twice', async () => {
    const { bus, api, replicas, counted } = await cluster({ replicas: 2 });
    for (let i = 0; i < 20; i++) await publishDesired(bus, subjects, configMap(`cm-${i}`));
    await waitFor(async () => (await counted('applied')) === 20);
    expect(await counted('unchanged')).toBe(0);
    for (const r of replicas) {
      const { values } = await r.metrics.desiredApplied.get();
      expect(values.find((v) => v.labels.result === 'applied')?.value).toBeGreaterThan(0);
    }
    expect(await list(api, 'configmaps')).toHaveLength(20);
  });

  it('acknowledges poison entries with an Event and goes on with the next one', async () => {
    const { bus, api, counted } = await cluster();
    const log = await bus.log(subjects.desiredStream());
    await log.append(subjects.desired('configmaps'), '{not json');
    await log.append(subjects.desired('pods'), JSON.stringify(configMap('wrong-subject')));
    await log.append(
      subjects.desired('widgets'),
      JSON.stringify({ apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } }),
    );
    await publishDesired(bus, subjects, configMap('fine'));
    await waitFor(async () => (await counted('applied')) === 1);
    expect(await counted('invalid')).toBe(3);
    const messages = (await list<Event>(api, 'events')).map((e) => e.message).sort();
    expect(messages).toEqual([
      expect.stringMatching(/^a ConfigMap was published on skiff\.desired\.pods/),
      expect.stringMatching(/is not JSON/),
      expect.stringMatching(/unknown kind "Widget"/),
    ]);
    expect((await list(api, 'configmaps')).map((c) => c.metadata.name)).toEqual(['fine']);
  });

  it('gives up on a failure other than the store being down after maxAttempts, with an Event', async () => {
    const { bus, api, counted, breakResource } = await cluster({ desired: { maxAttempts: 3 } });
    breakResource('configmaps');
    await publishDesired(bus, subjects, configMap('doomed'));
    await publishDesired(bus, subjects, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'next' } });
    await waitFor(async () => (await counted('applied')) === 1);
    expect(await counted('retry')).toBe(2);
    expect(await counted('failed')).toBe(1);
    const [event] = await list<Event>(api, 'events');
    expect(event?.message).toMatch(/^given up after 3 attempts: Internal error occurred: disk on fire/);
    expect(event?.involvedObject).toMatchObject({ kind: 'ConfigMap', name: 'doomed', namespace: 'default' });
  });

  it('is started and stopped by the API server', async () => {
    const bus = new MemoryBus({ log: silentLogger('bus') });
    const store = new SqliteStore({ path: ':memory:' });
    const registry = new Registry();
    const server = await ApiServer.start({
      bus,
      store,
      subjects,
      clock: systemClock,
      log: silentLogger(),
      registry,
      relay: { blockMs: 50 },
    });
    cleanups.push(async () => {
      await server.stop();
      await store.close();
      await bus.close();
    });
    const client = new ApiClient(new NatsTransport({ bus, subjects }));
    await publishDesired(bus, subjects, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'from-bus' },
    });
    await waitFor(() => client.get('namespaces', '', 'from-bus'), { description: 'namespace applied' });
    const metric = await registry.getSingleMetricAsString('skiff_apiserver_desired_applied_total');
    expect(metric).toContain('result="applied"} 1');
  });
});
