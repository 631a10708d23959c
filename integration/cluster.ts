/**
 * Test support: API server replicas running in this process against real NATS and Redis, each
 * test file in its own subject prefix and Redis key prefix, cleaned up afterwards (streams deleted,
 * keys removed).
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { ApiServer, type ApiServerOptions } from '../actors/apiserver/server.js';
import { RedisStore } from '../actors/apiserver/store/redis/store.js';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { systemClock } from '../protocol/clock.js';
import { Subjects } from '../protocol/subjects.js';

export interface ClusterOptions {
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly replicas?: number;
  readonly server?: Partial<
    Omit<ApiServerOptions, 'bus' | 'store' | 'subjects' | 'clock' | 'log' | 'registry'>
  >;
}

export interface Replica {
  readonly server: ApiServer;
  readonly bus: NatsBus;
  readonly store: RedisStore;
  stop(): Promise<void>;
}

/** A prefix unique to one test file (subjects, streams and Redis keys). */
export function uniquePrefix(label: string): string {
  return `t${label}${randomBytes(4).toString('hex')}`;
}

/** API server replicas and clients for one test file. */
export class TestCluster {
  readonly subjects: Subjects;
  readonly replicas: Replica[] = [];
  private readonly buses: NatsBus[] = [];

  private constructor(
    readonly prefix: string,
    private readonly options: ClusterOptions,
  ) {
    this.subjects = new Subjects(prefix);
  }

  /** Starts `replicas` API servers (default 1). */
  static async start(label: string, options: ClusterOptions): Promise<TestCluster> {
    const cluster = new TestCluster(uniquePrefix(label), options);
    for (let i = 0; i < (options.replicas ?? 1); i++) await cluster.addReplica();
    return cluster;
  }

  /** Starts one more API server replica with its own connections. */
  async addReplica(overrides: ClusterOptions['server'] = {}): Promise<Replica> {
    const bus = await NatsBus.connect({
      servers: this.options.natsUrl,
      name: 'apiserver',
      log: silentLogger(),
    });
    const store = await RedisStore.open({
      url: this.options.redisUrl,
      prefix: this.prefix,
      log: silentLogger(),
    });
    const server = await ApiServer.start({
      bus,
      store,
      subjects: this.subjects,
      clock: systemClock,
      log: silentLogger(),
      registry: new Registry(),
      ...this.options.server,
      ...overrides,
    });
    const replica: Replica = {
      server,
      bus,
      store,
      stop: async () => {
        await server.stop();
        await store.close();
        await bus.close();
      },
    };
    this.replicas.push(replica);
    return replica;
  }

  /** A client on its own NATS connection (optionally through a proxy address). */
  async client(servers = this.options.natsUrl): Promise<{ client: ApiClient; bus: NatsBus }> {
    const bus = await NatsBus.connect({
      servers,
      name: 'client',
      log: silentLogger(),
      reconnectTimeWaitMs: 100,
    });
    this.buses.push(bus);
    return { client: new ApiClient(new NatsTransport({ bus, subjects: this.subjects })), bus };
  }

  /** Stops everything and removes this file's streams and keys. */
  async dispose(): Promise<void> {
    for (const r of this.replicas.splice(0)) await r.stop().catch(() => undefined);
    for (const b of this.buses.splice(0)) await b.close().catch(() => undefined);
    await removeStreams(this.options.natsUrl, this.subjects);
    await removeKeys(this.options.redisUrl, this.prefix);
  }
}

/** Deletes the JetStream streams of one prefix. */
export async function removeStreams(
  natsUrl: string,
  subjects: Subjects,
  credentials: { user?: string; pass?: string } = {},
): Promise<void> {
  const nc = await connect({
    servers: natsUrl,
    ...(credentials.user ? { user: credentials.user, pass: credentials.pass } : {}),
  });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [subjects.eventsStream(), subjects.desiredStream()]) {
      await jsm.streams.delete(name).catch(() => false); // absent: nothing to remove
    }
  } finally {
    await nc.close();
  }
}

/** Deletes every Redis key under one prefix's hash tag. */
export async function removeKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { protocol: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
