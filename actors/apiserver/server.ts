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
import type { Bus, EventLog, Subscription } from '../../protocol/bus.js';
import type { Clock } from '../../protocol/clock.js';
import { NonDurableStoreError, NoRespondersError, unavailable } from '../../protocol/errors.js';
import type { PodExecReply, PodLogReply } from '../../protocol/kubelet.js';
import { followPodLog } from '../../protocol/log-follow.js';
import { type Subject, Subjects } from '../../protocol/subjects.js';
import type { Logger } from '../kernel/log.js';
import { ActorSystem } from '../kernel/system.js';
import type { ServiceRanges } from './allocation.js';
import { type ApiDeps, defaultLimits, type Limits, type NodeClient } from './deps.js';
import { desiredLogic, desiredSupervision } from './desired.js';
import { type Faults, noFaults } from './faults.js';
import { createHandler, type Handler } from './handler.js';
import { HttpFace, type HttpListenOptions, type Readiness } from './http/face.js';
import { type ApiMetrics, apiMetrics } from './metrics.js';
import { bootstrapNamespaces } from './namespaces.js';
import { type RelayHealth, type RelayOptions, relayLogic, relaySupervision } from './relay.js';
import { requestWorker } from './requests.js';
import type { Durability, Store } from './store/store.js';
import { followPodLogOf } from './verbs/log.js';

export interface ApiServerOptions {
  readonly bus: Bus;
  readonly store: Store;
  readonly subjects?: Subjects;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  readonly faults?: Faults;
  readonly limits?: Limits;
  /** Where Services' cluster IPs and node ports come from (default 127.77.0.0/16, 30000–32767). */
  readonly serviceRanges?: ServiceRanges;
  /** Request workers in the pool: how many requests this replica serves at once. */
  readonly workers?: number;
  /** Refuse to start unless an acknowledged write survives a store crash. */
  readonly requireDurableStore?: boolean;
  /** Entries the event log keeps; older ones are trimmed (watchers behind them relist). */
  readonly eventLogMaxMessages?: number;
  readonly relay?: Partial<RelayOptions>;
  /** Also serve the Kubernetes REST API over HTTP here (port 0 picks a free one). */
  readonly http?: HttpListenOptions;
  /** How long `stop` may take before it abandons what is still waiting (default 15 s). */
  readonly stopGraceMs?: number;
}

/** Kubelets reached over the bus, each on its node's subjects. */
function busNodeClient(bus: Bus, subjects: Subjects, clock: Clock): NodeClient {
  const ask = async <R>(subject: Subject, node: string, request: unknown, timeoutMs: number): Promise<R> => {
    try {
      const reply = await bus.request(subject, JSON.stringify(request), { timeoutMs });
      return JSON.parse(reply.text()) as R;
    } catch (err) {
      if (err instanceof NoRespondersError) {
        return { ok: false, status: unavailable(`the kubelet of node ${node} does not answer`).status } as R;
      }
      throw err;
    }
  };
  return {
    logs: (node, request) => ask<PodLogReply>(subjects.nodeLogs(node), node, request, 10_000),
    followLogs: (node, request, handlers, signal) =>
      followPodLog({ bus, subjects, clock }, node, request, handlers, signal),
    exec: (node, request) =>
      ask<PodExecReply>(
        subjects.nodeExec(node),
        node,
        request,
        (request.timeoutSeconds ?? 60) * 1000 + 5_000,
      ),
  };
}

/** The parts of a started replica. */
interface ApiServerParts {
  readonly id: string;
  readonly handler: Handler;
  readonly deps: ApiDeps;
  readonly metrics: ApiMetrics;
  readonly events: EventLog;
  readonly durability: Durability;
  readonly subjects: Subjects;
  readonly system: ActorSystem;
  readonly subscription: Subscription;
  readonly bus: Bus;
  readonly stopGraceMs: number;
  readonly relayHealth: () => RelayHealth;
}

/** One API server replica. */
export class ApiServer {
  private face: HttpFace | undefined;
  readonly id: string;
  readonly handler: Handler;
  readonly deps: ApiDeps;
  readonly metrics: ApiMetrics;
  readonly events: EventLog;
  readonly durability: Durability;
  readonly subjects: Subjects;

  private constructor(private readonly parts: ApiServerParts) {
    ({
      id: this.id,
      handler: this.handler,
      deps: this.deps,
      metrics: this.metrics,
      events: this.events,
      durability: this.durability,
      subjects: this.subjects,
    } = parts);
  }

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

    const eventLogConfig = {
      subjects: [subjects.events()],
      maxMessages: options.eventLogMaxMessages ?? 1_000_000,
      duplicateWindowMs: 120_000,
    };
    const events = await options.bus.log(subjects.eventsStream(), eventLogConfig);
    const configured = options.limits ?? defaultLimits;
    // A list reply must fit in one bus message, with room for the envelope around the items; so
    // must an object, or a client on the bus could store it and never read it back (raise NATS'
    // max_payload to store objects up to Kubernetes' 1.5 MiB).
    const limits: Limits = {
      ...configured,
      maxListBytes: Math.max(1024, Math.min(configured.maxListBytes, options.bus.maxPayload - 128 * 1024)),
      maxObjectBytes: Math.max(1024, Math.min(configured.maxObjectBytes, options.bus.maxPayload - 16 * 1024)),
    };
    const deps: ApiDeps = {
      store: options.store,
      clock: options.clock,
      log,
      newUid: randomUUID,
      random: Math.random,
      ...(options.serviceRanges ? { serviceRanges: options.serviceRanges } : {}),
      faults: options.faults ?? noFaults,
      limits,
      nodes: busNodeClient(options.bus, subjects, options.clock),
    };
    const metrics = apiMetrics(options.registry);
    const handler = createHandler(deps, metrics);
    await bootstrapNamespaces(deps);

    const system = new ActorSystem({ clock: options.clock, log });
    let relayHealth: RelayHealth = { state: 'starting', pending: 0, oldestPendingAgeMs: 0 };
    system.spawn(
      'relay',
      () =>
        relayLogic({
          store: options.store,
          log: events,
          subjects,
          faults: deps.faults,
          owner: id,
          options: {
            // Leave room for the subject, headers and envelope under the bus's payload limit.
            maxEventBytes: Math.max(1024, Math.min(900 * 1024, options.bus.maxPayload - 64 * 1024)),
            ...options.relay,
          },
          metrics: {
            lag: metrics.outboxLag,
            oldestPendingAge: metrics.outboxOldestPendingAge,
            state: metrics.relayState,
            relayed: metrics.outboxRelayed,
            heals: metrics.relayHeals,
          },
          ensureLog: async () => {
            await options.bus.log(subjects.eventsStream(), eventLogConfig);
          },
          onReconnect: (listener) => {
            const offBus = options.bus.onStatus((status) => {
              if (status.type === 'reconnected') listener();
            });
            const offStore = options.store.onReconnect(listener);
            return () => {
              offBus();
              offStore();
            };
          },
          report: (health) => {
            relayHealth = health;
          },
        }),
      { policy: relaySupervision },
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
    const server = new ApiServer({
      id,
      handler,
      deps,
      metrics,
      events,
      durability,
      subjects,
      system,
      subscription,
      bus: options.bus,
      stopGraceMs: options.stopGraceMs ?? 15_000,
      relayHealth: () => relayHealth,
    });
    if (options.http) {
      server.face = await HttpFace.start(
        {
          handler,
          events,
          subjects,
          clock: options.clock,
          log,
          metrics,
          registry: options.registry,
          limits,
          readiness: () => server.readiness(),
          followLog: (request, handlers, signal) => followPodLogOf(deps, request, handlers, signal),
        },
        options.http,
      );
    }
    return server;
  }

  /** `http://host:port` of the HTTP face, when it was asked for. */
  get httpUrl(): string | undefined {
    return this.face?.url;
  }

  /** What `/readyz` reports: the relay must be relaying (or standing by for another replica). */
  readiness(): Readiness {
    const relay = this.parts.relayHealth();
    const lag = `${relay.pending} pending, oldest ${(relay.oldestPendingAgeMs / 1000).toFixed(1)} s`;
    const ok = relay.state === 'leader' || relay.state === 'follower';
    const detail =
      relay.state === 'failing'
        ? `failing: ${relay.lastError ?? 'unknown error'} (${lag})`
        : `${relay.state} (${lag})`;
    return { ready: ok, checks: [{ name: 'outbox-relay', ok, detail }] };
  }

  /**
   * Stops serving: closes the HTTP face (ending its watches), leaves the queue group (NATS then
   * routes requests to other replicas), answers every request already received, then stops the
   * relay. With Redis or NATS down some of this can only wait: each step gets what is left of the
   * grace period, and what is still waiting then is abandoned (and logged).
   */
  async stop(): Promise<void> {
    const { system, subscription, bus, stopGraceMs } = this.parts;
    const until = Date.now() + stopGraceMs;
    const step = async (what: string, work: () => Promise<void>) => {
      const left = until - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), Math.max(0, left));
      });
      const outcome = await Promise.race([
        work().catch((err: unknown) => this.deps.log.warn({ err }, `stop: ${what} failed`)),
        expired,
      ]);
      clearTimeout(timer);
      if (outcome === 'expired') this.deps.log.warn({ step: what }, 'stop: grace period over, not waiting');
    };
    await step('close HTTP face', async () => this.face?.close());
    await step('drain API subscription', () => subscription.drain());
    await step('stop actors', () => system.stop());
    await step('flush bus', () => bus.flush());
    this.deps.log.info('API server stopped');
  }
}
