/**
 * Test support: an API handler over an in-memory SQLite store with a simulated clock and
 * deterministic ids. Never imported by production code.
 */
import { Registry } from 'prom-client';
import type { ApiRequest } from '../../../protocol/api.js';
import { SimulatedClock } from '../../../protocol/clock.js';
import { errorFromStatus } from '../../../protocol/errors.js';
import { silentLogger } from '../../kernel/log.js';
import { type ApiDeps, defaultLimits } from '../deps.js';
import { noFaults } from '../faults.js';
import { createHandler, type HandlerResult } from '../handler.js';
import { apiMetrics } from '../metrics.js';
import { bootstrapNamespaces } from '../namespaces.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { Store } from '../store/store.js';

export interface TestApi {
  readonly deps: ApiDeps;
  readonly clock: SimulatedClock;
  readonly store: Store;
  /** Sends a request and returns the raw result. */
  send(req: ApiRequest): Promise<HandlerResult>;
  /** Sends a request and returns its body (as plain JSON), throwing the Status as an ApiError. */
  ok<T = Record<string, unknown>>(req: ApiRequest): Promise<T>;
}

/** A handler over a fresh in-memory store, with the default namespaces created. */
export async function testApi(options: { store?: Store } = {}): Promise<TestApi> {
  const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
  const store = options.store ?? new SqliteStore({ path: ':memory:', now: () => clock.now() });
  let uid = 0;
  let seed = 1;
  const deps: ApiDeps = {
    store,
    clock,
    log: silentLogger(),
    newUid: () => `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`,
    random: () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    },
    faults: noFaults,
    limits: defaultLimits,
  };
  const handler = createHandler(deps, apiMetrics(new Registry()));
  await bootstrapNamespaces(deps);
  return {
    deps,
    clock,
    store,
    send: handler,
    async ok<T>(req: ApiRequest) {
      const result = await handler(req);
      if (!result.ok) throw errorFromStatus(result.status);
      return JSON.parse(JSON.stringify(result.body)) as T;
    },
  };
}
