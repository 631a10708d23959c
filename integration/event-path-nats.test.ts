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

  it('recreates the event log when NATS lost it entirely, and republishes what the store holds', async () => {
    const url = services.nats?.url ?? '';
    const bus = await NatsBus.connect({ servers: url, name: 'event-path-lost-stream', log: silentLogger() });
    const store = new SqliteStore({ path: ':memory:' });
    const subjects = new Subjects(uniquePrefix('lost'));
    const server = await ApiServer.start({
      bus,
      store,
      subjects,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      relay: { blockMs: 20, callTimeoutMs: 3_000 },
    });
    const client = new ApiClient(new NatsTransport({ bus, subjects }));
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
      await client.close();
      await server.stop();
      await store.close();
      await bus.close();
      await removeStreams(url, subjects);
    }
  });
});
