/**
 * The scheduler: an ActorSystem of supervised actors, wired here, as the API server's is.
 *
 *   ┌──────────────────────────── ActorSystem "scheduler" ─────────────────────────────────┐
 *   │ pod-informer ──┐ changes, synced                                                      │
 *   │ node-informer ─┼────────────────▶ scheduling ──bind──▶ binder (pool, N in flight)    │
 *   │ elector ───────┘ leading/following   (cache,    ◀─bound / bind-failed─┘               │
 *   │                                       queue,    ──events, PodScheduled──▶ recorder    │
 *   │                                       cycle)                                          │
 *   └───────────────────────────────────────────────────────────────────────────────────────┘
 *
 * Every piece restarts forever with capped backoff (`restartForever`): a throw is logged, counted
 * in `skiff_scheduler_actor_restarts_total{actor}`, and the piece comes back, instead of
 * scheduling stopping in silence. A plugin that throws fails only its pod's cycle (cycle.ts).
 *
 * Spawn order is stop order reversed: the elector gives the lease up first, the informers stop,
 * the binder finishes the binds in flight, the scheduling actor handles their outcomes, and the
 * recorder writes the last Events.
 *
 * With leader election on, only the leader schedules, and each bind carries the lease's fencing
 * token: an ex-leader's late binds are refused by the API server.
 */
import type { Registry as PromRegistry } from 'prom-client';
import type { ApiClient } from '../../protocol/client/api-client.js';
import type { Clock } from '../../protocol/clock.js';
import type { Node } from '../../protocol/resources/node.js';
import { DEFAULT_SCHEDULER_NAME, type Pod } from '../../protocol/resources/pod.js';
import type { ActorRef } from '../kernel/actor.js';
import type { Logger } from '../kernel/log.js';
import { restartForever } from '../kernel/supervision.js';
import { ActorSystem } from '../kernel/system.js';
import { binderActor } from './binder.js';
import { newFramework } from './framework/framework.js';
import type { Profile } from './framework/profile.js';
import type { Registry } from './framework/registry.js';
import { InformerHolder, informerActor } from './informers.js';
import { electorActor, type LeaseTiming } from './leadership.js';
import type { SchedulingMsg } from './messages.js';
import { type SchedulerMetrics, schedulerMetrics } from './metrics.js';
import { recorderActor } from './recorder.js';
import { type SchedulingPeers, schedulingActor } from './scheduling.js';

export { SCHEDULER_LEASE } from './leadership.js';

export interface SchedulerOptions {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: PromRegistry;
  /** Pods whose `spec.schedulerName` is this are ours (default `default-scheduler`). */
  readonly schedulerName?: string;
  /** This replica's identity in the Lease. */
  readonly identity: string;
  /** Campaign for the Lease before scheduling (default true); off for a single replica. */
  readonly leaderElection?: boolean | LeaseTiming;
  /** Binds in flight at once (default 256): a cycle never waits for the API. */
  readonly bindConcurrency?: number;
  readonly percentageOfNodesToScore?: number;
  /** Record a `Scheduled` Event per pod (default true). */
  readonly scheduledEvents?: boolean;
  /** Called after each successful bind (benchmarks). */
  readonly onBound?: (key: string, bindMs: number) => void;
  /** The profile and plugin registry (default: the in-tree plugins, kube's default profile). */
  readonly profile?: Profile;
  readonly plugins?: Registry;
  /** Tie-breaking draw in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** How long an assumed pod waits for its informer event after the bind returned (default 30 s). */
  readonly assumedPodTtlMs?: number;
}

/** One scheduler replica. */
export class Scheduler {
  readonly metrics: SchedulerMetrics;
  private readonly system: ActorSystem;
  private scheduling: ActorRef<SchedulingMsg> | undefined;

  constructor(private readonly options: SchedulerOptions) {
    this.metrics = schedulerMetrics(options.registry);
    this.system = new ActorSystem({
      clock: options.clock,
      log: options.log,
      policy: restartForever,
      restarts: this.metrics.restarts,
    });
    // Built once here so that a bad profile fails the constructor, not every restart.
    newFramework(options.profile, options.plugins);
  }

  /** Starts every piece; resolves once both informers listed (and then campaigns, when electing). */
  async start(): Promise<void> {
    const { options, system } = this;
    const { client } = options;
    const name = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    const concurrency = options.bindConcurrency ?? 256;
    const election = options.leaderElection ?? true;
    const peers: SchedulingPeers = { informers: [] };
    const pods = new InformerHolder<Pod>();
    const nodes = new InformerHolder<Node>();

    peers.recorder = system.spawn(
      'recorder',
      recorderActor({ client, component: name, instance: options.identity }),
    );
    const scheduling = system.spawn(
      'scheduling',
      schedulingActor({
        schedulerName: name,
        newFramework: () => newFramework(options.profile, options.plugins),
        metrics: this.metrics,
        peers,
        pods,
        leaderElection: election !== false,
        bindConcurrency: concurrency,
        scheduledEvents: options.scheduledEvents !== false,
        random: options.random ?? Math.random,
        ...(options.percentageOfNodesToScore !== undefined
          ? { percentageOfNodesToScore: options.percentageOfNodesToScore }
          : {}),
        ...(options.assumedPodTtlMs !== undefined ? { assumedPodTtlMs: options.assumedPodTtlMs } : {}),
        ...(options.onBound ? { onBound: options.onBound } : {}),
      }),
    );
    this.scheduling = scheduling;
    peers.binder = system.spawnPool(
      'binder',
      binderActor({ client, metrics: this.metrics, scheduling: () => scheduling }),
      { instances: concurrency },
    );

    const listed = new Set<string>();
    let allListed: () => void = () => undefined;
    const synced = new Promise<void>((resolve) => {
      allListed = resolve;
    });
    const onListed = (resource: string) => () => {
      listed.add(resource);
      if (listed.size === 2) allListed();
    };
    peers.informers.push(
      system.spawn(
        'pod-informer',
        informerActor<Pod>({
          resource: 'pods',
          client,
          holder: pods,
          toMessage: (change) => ({ type: 'pod', change }),
          scheduling,
          onListed: onListed('pods'),
        }),
      ),
      system.spawn(
        'node-informer',
        informerActor<Node>({
          resource: 'nodes',
          client,
          holder: nodes,
          toMessage: (change) => ({ type: 'node', change }),
          scheduling,
          onListed: onListed('nodes'),
        }),
      ),
    );
    await synced;
    options.log.info({ nodes: nodes.current?.size, pods: pods.current?.size }, 'scheduler caches synced');
    if (election !== false) {
      peers.elector = system.spawn(
        'elector',
        electorActor({
          client,
          identity: options.identity,
          timing: typeof election === 'object' ? election : {},
          scheduling,
        }),
      );
    }
  }

  /** Stops scheduling, waits for binds in flight and the last Events, and gives up the lease. */
  async stop(): Promise<void> {
    this.scheduling?.send({ type: 'quiesce' });
    await this.system.stop();
  }
}
