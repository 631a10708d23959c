/**
 * Test support (imported by tests only): an API server with its HTTP face on 127.0.0.1 and a free
 * port, over the in-process bus and an in-memory SQLite store, as server.test.ts starts one.
 */
import { Registry } from 'prom-client';
import { Subjects } from '../../../protocol/subjects.js';
import { MemoryBus } from '../../kernel/bus/memory.js';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/log.js';
import { ApiServer } from '../server.js';
import { SqliteStore } from '../store/sqlite/store.js';

/** A running in-process cluster with an HTTP face. */
export interface HttpCluster {
  readonly server: ApiServer;
  readonly registry: Registry;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts an API server on MemoryBus + SQLite(':memory:') with its HTTP face on 127.0.0.1:0. */
export async function startHttpCluster(
  options: { readonly eventLogMaxMessages?: number; readonly bookmarkMs?: number } = {},
): Promise<HttpCluster> {
  const bus = new MemoryBus();
  const store = new SqliteStore({ path: ':memory:' });
  const registry = new Registry();
  const server = await ApiServer.start({
    bus,
    store,
    subjects: new Subjects('skiff'),
    clock: systemClock,
    log: silentLogger(),
    registry,
    relay: { blockMs: 20 },
    ...(options.eventLogMaxMessages !== undefined
      ? { eventLogMaxMessages: options.eventLogMaxMessages }
      : {}),
    http: {
      host: '127.0.0.1',
      port: 0,
      ...(options.bookmarkMs !== undefined ? { bookmarkMs: options.bookmarkMs } : {}),
    },
  });
  return {
    server,
    registry,
    url: server.httpUrl ?? '',
    async stop() {
      await server.stop();
      await store.close();
      await bus.close();
    },
  };
}
