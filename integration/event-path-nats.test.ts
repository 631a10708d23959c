/**
 * The event path's fault scenarios (actors/apiserver/event-path-contract.ts) on real NATS
 * JetStream: the same scenarios the in-process bus passes, with appends failed or held back on
 * their way to the server (integration/log-faults.ts), fenced by the real server.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEventPathContract } from '../actors/apiserver/event-path-contract.js';
import { ApiServer } from '../actors/apiserver/server.js';
import { SqliteStore } from '../actors/apiserver/store/sqlite/store.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { systemClock } from '../protocol/clock.js';
import { Subjects } from '../protocol/subjects.js';
import { removeStreams, uniquePrefix } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';
import { withLogFaults } from './log-faults.js';

const skip = await servicesOrSkip({ nats: 'shared' });

describeWithServices('event path under faults on NATS', skip, () => {
  let services: SharedServices;
  beforeAll(async () => {
    services = await sharedServices({ nats: true });
  });
  afterAll(async () => {
    await services.dispose();
  });

  describeEventPathContract('NATS JetStream', async (options) => {
    const url = services.nats?.url ?? '';
    const real = await NatsBus.connect({ servers: url, name: 'event-path-test', log: silentLogger() });
    const faults = withLogFaults(real);
    const store = new SqliteStore({ path: ':memory:', ...options });
    const subjects = new Subjects(uniquePrefix('evpath'));
    return {
      bus: faults.bus,
      store,
      subjects,
      failAppends: faults.failAppends,
      holdAppend: faults.holdAppend,
      async cleanup() {
        await store.close();
        await real.close();
        await removeStreams(url, subjects);
      },
    };
  });

  /** An API server (HTTP face included) on its own NATS connection and prefix, and a client; `stop` removes all. */
  const startApi = async (label: string) => {
    const url = services.nats?.url ?? '';
    const bus = await NatsBus.connect({ servers: url, name: `event-path-${label}`, log: silentLogger() });
    const store = new SqliteStore({ path: ':memory:' });
    const subjects = new Subjects(uniquePrefix(label));
    const server = await ApiServer.start({
      bus,
      store,
      subjects,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      relay: { blockMs: 20, callTimeoutMs: 3_000 },
      http: { host: '127.0.0.1', port: 0 },
    });
    const client = new ApiClient(new NatsTransport({ bus, subjects }));
    return {
      url,
      bus,
      store,
      subjects,
      server,
      client,
      async stop() {
        await client.close();
        await server.stop();
        await store.close();
        await bus.close();
        await removeStreams(url, subjects);
      },
    };
  };

  it('recreates the event log when NATS lost it entirely, and republishes what the store holds', async () => {
    const { url, store, subjects, server, client, stop } = await startApi('lost');
    try {
      const listed = await client.list('configmaps', { namespace: 'default' });
      const cm = (name: string) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'default' },
      });
      const before = await client.create('configmaps', cm('before'));
      await waitFor(async () => expect((await store.outboxState()).pending).toBe(0));
      // As a NATS server that came back without its store: the stream is gone.
      const nc = await connect({ servers: url });
      await (await jetstreamManager(nc)).streams.delete(subjects.eventsStream());
      await nc.close();
      const after = await client.create('configmaps', cm('after'));
      const seen: string[] = [];
      await waitFor(
        async () => {
          seen.length = 0;
          const w = await client.watch(
            { resource: 'configmaps', resourceVersion: listed.metadata.resourceVersion },
            (e) => {
              seen.push((e.object as { metadata: { name: string } }).metadata.name);
            },
          );
          try {
            await waitFor(() => expect(seen).toEqual([before.metadata.name, after.metadata.name]), {
              timeoutMs: 1_000,
            });
          } finally {
            await w.close();
          }
        },
        { timeoutMs: 20_000 },
      );
      await waitFor(() => expect(server.readiness().ready).toBe(true));
    } finally {
      await stop();
    }
  });

  it('a 1 MiB object written over HTTP: label- and field-selector watches over NATS behave as for a small one', async () => {
    const { server, client, stop } = await startApi('big');
    const base = `${server.httpUrl}/api/v1/namespaces/default/configmaps`;
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as { metadata: { resourceVersion: string } };
    };
    try {
      const listed = await client.list('configmaps', { namespace: 'default' });
      const rv = listed.metadata.resourceVersion;
      const types = (events: { type: string }[]) => events.map((e) => e.type);
      const byLabel: { type: string; object: unknown }[] = [];
      const byField: { type: string; object: unknown }[] = [];
      const w1 = await client.watch(
        { resource: 'configmaps', resourceVersion: rv, labelSelector: 'size=big' },
        (e) => {
          byLabel.push(e);
        },
      );
      const w2 = await client.watch(
        { resource: 'configmaps', resourceVersion: rv, fieldSelector: 'metadata.name=huge' },
        (e) => {
          byField.push(e);
        },
      );
      // An object of 1 MiB in all (data just under it): the largest one bus message carries, so its
      // events (object and previous version) are too large and travel as references with summaries.
      // Larger ones are refused at write time with 413, since no client on the bus could read them.
      const tooBig = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'too-big', namespace: 'default' },
          data: { blob: 'x'.repeat(1024 * 1024) },
        }),
      });
      expect(tooBig.status).toBe(413);
      expect(await tooBig.text()).toMatch(/too large: \d+ bytes, the limit is \d+/);
      const blob = 'x'.repeat(1024 * 1024 - 20 * 1024);
      const cm = (labels: Record<string, string>, resourceVersion?: string) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'huge',
          namespace: 'default',
          labels,
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        data: { blob },
      });
      const created = await send('POST', '', cm({ size: 'big' }));
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED']));
      expect((byLabel[0]?.object as { data: { blob: string } } | undefined)?.data.blob).toHaveLength(
        blob.length,
      );
      const unlabelled = await send('PUT', '/huge', cm({}, created.metadata.resourceVersion));
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED', 'DELETED']));
      await send('PUT', '/huge', cm({ size: 'big' }, unlabelled.metadata.resourceVersion));
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED', 'DELETED', 'ADDED']));
      await send('DELETE', '/huge');
      await waitFor(() => expect(types(byLabel)).toEqual(['ADDED', 'DELETED', 'ADDED', 'DELETED']));
      await waitFor(() => expect(types(byField)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']));
      expect((byLabel[3]?.object as { metadata: { labels: unknown } } | undefined)?.metadata.labels).toEqual({
        size: 'big',
      });
      await w1.close();
      await w2.close();
    } finally {
      await stop();
    }
  });
});
