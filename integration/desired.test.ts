/**
 * Desired-state events end to end, on real NATS (JetStream) and Redis: a separate service publishes
 * objects with the SDK, and API server replicas apply them through their shared durable consumer,
 * including objects published while no API server was running. Each run has its own subject prefix
 * (hence its own streams) and Redis key prefix, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FailedDesiredApply } from '../actors/apiserver/desired.js';
import { ApiServer } from '../actors/apiserver/server.js';
import { RedisStore } from '../actors/apiserver/store/redis/store.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { DesiredPublisher } from '../protocol/client/desired.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { systemClock } from '../protocol/clock.js';
import type { Event } from '../protocol/resources/event.js';
import type { AnyObject } from '../protocol/resources/registry.js';
import { Subjects } from '../protocol/subjects.js';
import {
  describeWithServices,
  type ServerHandle,
  type SharedServices,
  servicesOrSkip,
  sharedServices,
} from './harness.js';

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });

const configMap = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data,
});

describeWithServices('desired-state events (NATS + Redis)', skip, () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const subjects = new Subjects(prefix);
  let services: SharedServices;
  let nats: ServerHandle;
  let redisUrl: string;
  /** Stopped after each test, newest first: API servers, then their connections and stores. */
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    services = await sharedServices();
    nats = services.nats as ServerHandle;
    redisUrl = (services.redis as ServerHandle).url;
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  afterAll(async () => {
    // This run's streams (and with them the durable consumer) and keys; nothing of other runs.
    const nc = await connect({
      servers: nats.url,
      ...(nats.user ? { user: nats.user, pass: nats.pass } : {}),
    });
    const jsm = await jetstreamManager(nc);
    for (const stream of [subjects.desiredStream(), subjects.eventsStream()]) {
      await jsm.streams.delete(stream).catch((err: unknown) => process.stderr.write(`${stream}: ${err}\n`));
    }
    await nc.close();
    const redis = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    await services.dispose();
  });

  async function bus(name: string): Promise<NatsBus> {
    const b = await NatsBus.connect({
      servers: nats.url,
      name,
      log: silentLogger('bus'),
      ...(nats.user ? { user: nats.user, pass: nats.pass ?? '' } : {}),
    });
    closers.push(() => b.close());
    return b;
  }

  /** An API server replica as its own process would have it: its own connection and store client. */
  async function apiServer(): Promise<{ stop(): Promise<void> }> {
    const b = await bus('apiserver');
    const store = await RedisStore.open({ url: redisUrl, prefix, log: silentLogger('store') });
    closers.push(() => store.close());
    const server = await ApiServer.start({
      bus: b,
      store,
      subjects,
      clock: systemClock,
      log: silentLogger('apiserver'),
      registry: new Registry(),
      relay: { blockMs: 100 },
    });
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= server.stop();
      return stopping;
    };
    closers.push(stop);
    return { stop };
  }

  /** The other service: it only publishes, and reads through the API like any client. */
  async function service() {
    const b = await bus('orders-service');
    return {
      publisher: new DesiredPublisher(b, subjects),
      client: new ApiClient(new NatsTransport({ bus: b, subjects })),
    };
  }

  it('applies an object another service publishes', async () => {
    await apiServer();
    const { publisher, client } = await service();
    const result = await publisher.publish(configMap('orders-config', { region: 'eu' }), {
      msgId: 'orders-config-1',
    });
    expect(result.duplicate).toBe(false);
    // The same msgId again (a retried publish) is stored once.
    expect(
      await publisher.publish(configMap('orders-config', { region: 'eu' }), { msgId: 'orders-config-1' }),
    ).toEqual({
      seq: result.seq,
      duplicate: true,
    });
    const applied = await waitFor(() => client.get<AnyObject>('configmaps', 'default', 'orders-config'), {
      timeoutMs: 10_000,
      description: 'orders-config applied',
    });
    expect(applied).toMatchObject({ data: { region: 'eu' } });
  });

  it('applies everything published while no API server ran, once one starts', async () => {
    const first = await apiServer();
    const { publisher, client } = await service();
    await first.stop();
    for (let i = 0; i < 20; i++) await publisher.publish(configMap(`offline-${i}`, { i: String(i) }));

    await apiServer();
    await waitFor(
      async () => {
        const list = await client.list<AnyObject>('configmaps', { namespace: 'default' });
        const names = list.items.map((c) => c.metadata.name).filter((n) => n?.startsWith('offline-'));
        expect(names).toHaveLength(20);
      },
      { timeoutMs: 20_000, description: 'all 20 applied' },
    );
  });

  it('answers an invalid object with a Warning Event about it', async () => {
    await apiServer();
    const { publisher, client } = await service();
    await publisher.publish({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-containers' }, spec: {} });
    const event = await waitFor(
      async () => {
        const events = await client.list<Event>('events', { namespace: 'default' });
        return events.items.find((e) => e.involvedObject.name === 'no-containers') ?? false;
      },
      { timeoutMs: 10_000, description: 'Warning Event' },
    );
    expect(event).toMatchObject({
      type: 'Warning',
      reason: FailedDesiredApply,
      involvedObject: { kind: 'Pod', namespace: 'default', apiVersion: 'v1' },
    });
    expect(event.message).toMatch(/spec\.containers/);
    await expect(client.get('pods', 'default', 'no-containers')).rejects.toMatchObject({
      reason: 'NotFound',
    });
  });
});
