/**
 * The API server: wires the request pool, the outbox relay and the default namespaces over one
 * store and one bus, and stops them in the right order (stop taking requests, finish the ones in
 * hand, then release the relay and the store).
 *
 *   bus: skiff.api.> (queue group "apiserver") ──▶ request pool ──▶ handler ──▶ store
 *                                                               store outbox ──▶ relay ──▶ event log
 */
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { Subjects } from '../../protocol/subjects.js';
import type { Bus, EventLog, Subscription } from '../kernel/bus/bus.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { ActorSystem } from '../kernel/system.js';
import { type ApiDeps, defaultLimits, type Limits } from './deps.js';
import { desiredLogic, desiredSupervision } from './desired.js';
import { type Faults, noFaults } from './faults.js';
import { createHandler, type Handler } from './handler.js';
import { HttpFace, type HttpListenOptions } from './http/face.js';
import { type ApiMetrics, apiMetrics } from './metrics.js';
import { bootstrapNamespaces } from './namespaces.js';
import { type RelayOptions, relayLogic } from './relay.js';
import { requestWorker } from './requests.js';
import type { Durability, Store } from './store/store.js';

export interface ApiServerOptions {
  readonly bus: Bus;
  readonly store: Store;
  readonly subjects?: Subjects;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  readonly faults?: Faults;
  readonly limits?: Limits;
  /** Request workers in the pool: how many requests this replica serves at once. */
  readonly workers?: number;
  /** Refuse to start unless an acknowledged write survives a store crash. */
  readonly requireDurableStore?: boolean;
  /** Entries the event log keeps; older ones are trimmed (watchers behind them relist). */
  readonly eventLogMaxMessages?: number;
  readonly relay?: Partial<RelayOptions>;
  /** Also serve the Kubernetes REST API over HTTP here (port 0 picks a free one). */
  readonly http?: HttpListenOptions;
}

/** Raised when the store is not durable and the server was told to require it. */
export class NonDurableStoreError extends Error {
  override name = 'NonDurableStoreError';
}

/** One API server replica. */
export class ApiServer {
  private face: HttpFace | undefined;

  private constructor(
    readonly id: string,
    readonly handler: Handler,
    readonly deps: ApiDeps,
    readonly metrics: ApiMetrics,
    readonly events: EventLog,
    readonly durability: Durability,
    readonly subjects: Subjects,
    private readonly system: ActorSystem,
    private readonly subscription: Subscription,
    private readonly bus: Bus,
  ) {}

  /** Starts a replica: checks the store, prepares the event log and default namespaces, serves. */
  static async start(options: ApiServerOptions): Promise<ApiServer> {
    const id = `apiserver-${randomUUID().slice(0, 8)}`;
    const log = options.log.child({ replica: id });
    const subjects = options.subjects ?? new Subjects();
    const durability = await options.store.durability();
    if (!durability.durable) {
      if (options.requireDurableStore) {
        throw new NonDurableStoreError(`the store is not durable (${durability.detail}); refusing to start`);
      }
      log.warn(
        { store: options.store.kind, detail: durability.detail },
        'store is not durable: a store crash can lose acknowledged writes',
      );
    } else {
      log.info({ store: options.store.kind, detail: durability.detail }, 'store is durable');
    }

    const events = await options.bus.log(subjects.eventsStream(), {
      subjects: [subjects.events()],
      maxMessages: options.eventLogMaxMessages ?? 1_000_000,
      duplicateWindowMs: 120_000,
    });
    const limits = options.limits ?? defaultLimits;
    const deps: ApiDeps = {
      store: options.store,
      clock: options.clock,
      log,
      newUid: randomUUID,
      random: Math.random,
      faults: options.faults ?? noFaults,
      limits,
    };
    const metrics = apiMetrics(options.registry);
    const handler = createHandler(deps, metrics);
    await bootstrapNamespaces(deps);

    const system = new ActorSystem({ clock: options.clock, log });
    system.spawn('relay', () =>
      relayLogic({
        store: options.store,
        log: events,
        subjects,
        faults: deps.faults,
        owner: id,
        ...(options.relay ? { options: options.relay } : {}),
        metrics: { lag: metrics.outboxLag, relayed: metrics.outboxRelayed },
      }),
    );
    const pool = system.spawnPool('requests', () => requestWorker({ subjects, handler, limits }), {
      instances: options.workers ?? 64,
    });
    // Desired state published by other services, applied like `skiff apply` (stopped before the pool).
    system.spawn(
      'desired',
      () => desiredLogic({ bus: options.bus, subjects, handler, clock: options.clock, replica: id, metrics }),
      { policy: desiredSupervision },
    );
    const subscription = options.bus.subscribe(
      subjects.apiAll(),
      (msg) => {
        pool.send({ type: 'request', msg });
      },
      { queue: 'apiserver' },
    );
    await options.bus.flush();
    log.info({ subjects: subjects.apiAll() }, 'API server serving on the bus');
    const server = new ApiServer(
      id,
      handler,
      deps,
      metrics,
      events,
      durability,
      subjects,
      system,
      subscription,
      options.bus,
    );
    if (options.http) {
      server.face = await HttpFace.start(
        { handler, events, subjects, clock: options.clock, log, metrics, registry: options.registry, limits },
        options.http,
      );
    }
    return server;
  }

  /** `http://host:port` of the HTTP face, when it was asked for. */
  get httpUrl(): string | undefined {
    return this.face?.url;
  }

  /**
   * Stops serving: closes the HTTP face (ending its watches), leaves the queue group (NATS then
   * routes requests to other replicas), answers every request already received, then stops the relay.
   */
  async stop(): Promise<void> {
    await this.face?.close();
    await this.subscription.drain();
    await this.system.stop();
    await this.bus.flush();
    this.deps.log.info('API server stopped');
  }
}
