/**
 * Test support (imported by tests only): an API server on the in-process bus and an in-memory
 * SQLite store, with a client over the bus and, when asked, its HTTP face on 127.0.0.1:0.
 */
import { Registry } from 'prom-client';
import { ApiClient } from '../../../protocol/client/api-client.js';
import { NatsTransport } from '../../../protocol/client/nats.js';
import { systemClock } from '../../../protocol/clock.js';
import { Subjects } from '../../../protocol/subjects.js';
import { MemoryBus } from '../../kernel/bus/memory.js';
import { silentLogger } from '../../kernel/log.js';
import type { ServiceRanges } from '../allocation.js';
import { ApiServer } from '../server.js';
import { SqliteStore } from '../store/sqlite/store.js';

export interface InProcessCluster {
  readonly server: ApiServer;
  readonly registry: Registry;
  readonly bus: MemoryBus;
  readonly store: SqliteStore;
  readonly subjects: Subjects;
  /** A client over the bus. */
  readonly client: ApiClient;
  /** The HTTP face's address ('' without one). */
  readonly url: string;
  stop(): Promise<void>;
}

export interface InProcessClusterOptions {
  readonly http?: boolean;
  readonly eventLogMaxMessages?: number;
  readonly bookmarkMs?: number;
  readonly serviceRanges?: ServiceRanges;
}

/** Starts an API server on MemoryBus + SQLite(':memory:'). */
export async function startInProcessCluster(
  options: InProcessClusterOptions = {},
): Promise<InProcessCluster> {
  const bus = new MemoryBus();
  const store = new SqliteStore({ path: ':memory:' });
  const registry = new Registry();
  const subjects = new Subjects('skiff');
  const server = await ApiServer.start({
    bus,
    store,
    subjects,
    clock: systemClock,
    log: silentLogger(),
    registry,
    relay: { blockMs: 20 },
    ...(options.serviceRanges ? { serviceRanges: options.serviceRanges } : {}),
    ...(options.eventLogMaxMessages !== undefined
      ? { eventLogMaxMessages: options.eventLogMaxMessages }
      : {}),
    ...(options.http
      ? {
          http: {
            host: '127.0.0.1',
            port: 0,
            ...(options.bookmarkMs !== undefined ? { bookmarkMs: options.bookmarkMs } : {}),
          },
        }
      : {}),
  });
  return {
    server,
    registry,
    bus,
    store,
    subjects,
    client: new ApiClient(new NatsTransport({ bus, subjects })),
    url: server.httpUrl ?? '',
    async stop() {
      await server.stop();
      await store.close();
      await bus.close();
    },
  };
}
