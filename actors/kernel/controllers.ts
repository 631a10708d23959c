/**
 * Controllers on the kernel: each controller is an actor that owns a work queue and its workers;
 * all controllers of a process read shared informers. A controller is a definition (name, how it
 * turns informer events into keys, how it syncs a key); `startControllers` runs a set of them.
 *
 *   shared informers ──add/update/delete──▶ wire(): keys ──▶ work queue ──▶ workers ──▶ sync(key)
 *                                                                                      │
 *                    API server ◀──────────── writes (fenced by the caller's client) ───┘
 *
 * What the models do (client-go, sample-controller): event handlers only turn events into
 * `namespace/name` keys; `sync(key)` re-reads everything from the informers and acts, so it is
 * level-triggered and a de-duplicated or retried key loses nothing. A throwing sync is retried
 * with per-key backoff; a permanent problem is recorded (an Event) and the sync returns.
 *
 * Metrics per controller: the work queue's (depth, adds, retries, sync duration, labelled
 * `name=<controller>`) and `skiff_controller_sync_errors_total{controller}`.
 */
import { Counter, type Registry } from 'prom-client';
import type { ApiClient } from '../../protocol/client/api-client.js';
import type { EventRecorder } from '../../protocol/client/recorder.js';
import type { Clock } from '../../protocol/clock.js';
import type { ActorFactory } from './actor.js';
import { runWorkers, type SyncFn } from './controller.js';
import type { Logger } from './log.js';
import type { SharedInformers } from './shared-informers.js';
import { restartForever } from './supervision.js';
import { ActorSystem } from './system.js';
import { WorkQueue } from './workqueue.js';
import { workQueueMetrics } from './workqueue-metrics.js';

/** What every controller gets. */
export interface ControllerContext {
  /** Reads and writes; in the controller manager every write carries the leader's fence. */
  readonly client: ApiClient;
  readonly informers: SharedInformers;
  /** Events with Kubernetes' reasons, de-duplicated with a count. */
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
}

/** What `wire` hands back: the sync of one key, and anything to release when the actor stops. */
export interface ControllerWiring {
  readonly sync: SyncFn<string>;
  readonly stop?: () => Promise<void> | void;
}

/** A controller: a name, its wiring (informer events → keys) and its sync. */
export interface ControllerDefinition {
  /** `replicaset`, `deployment`, ...: names the actor, the queue and the metrics. */
  readonly name: string;
  /** Concurrent syncs (default 2); one key is never synced twice at once. */
  readonly workers?: number;
  /**
   * Asks `ctx.informers` for what it reads, registers handlers that add keys to `queue`, and
   * returns the sync. Called once per actor instance, before the informers list.
   */
  wire(ctx: ControllerContext, queue: WorkQueue<string>): ControllerWiring;
}

/** Controllers running in one actor system; `stop` ends their workers, then the informers. */
export interface RunningControllers {
  readonly system: ActorSystem;
  /** Resolves when every informer has its first list. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

/** Starts `definitions` as actors over `ctx.informers`, then starts the informers. */
export function startControllers(
  definitions: readonly ControllerDefinition[],
  ctx: ControllerContext,
): RunningControllers {
  const system = new ActorSystem({ clock: ctx.clock, log: ctx.log });
  const errors = syncErrors(ctx.registry);
  for (const definition of definitions) {
    system.spawn(definition.name, controllerActor(definition, ctx, errors), { policy: restartForever });
  }
  const synced = ctx.informers.start();
  return {
    system,
    synced,
    async stop() {
      await system.stop();
      await ctx.informers.stop();
    },
  };
}

/** The actor of one controller: its queue and workers live as long as the instance. */
function controllerActor(
  definition: ControllerDefinition,
  ctx: ControllerContext,
  errors: Counter<'controller'>,
): ActorFactory<never> {
  return () => {
    let queue: WorkQueue<string> | undefined;
    let wiring: ControllerWiring | undefined;
    let workers: Promise<void> | undefined;
    return {
      start(actor) {
        const log = actor.log;
        queue = new WorkQueue<string>({
          name: definition.name,
          clock: ctx.clock,
          log,
          metrics: workQueueMetrics(ctx.registry, definition.name),
        });
        wiring = definition.wire({ ...ctx, log }, queue);
        workers = runWorkers(queue, wiring.sync, {
          workers: definition.workers ?? 2,
          log,
          onError: () => errors.inc({ controller: definition.name }),
        });
      },
      receive() {
        // A controller's work arrives through its queue, not its mailbox.
      },
      async stop() {
        // Without drain: keys left are level-triggered work the next leader redoes from scratch.
        await queue?.shutDown({ drain: false });
        await workers;
        await wiring?.stop?.();
      },
    };
  };
}

/** `skiff_controller_sync_errors_total{controller}`, created once per registry. */
function syncErrors(registry: Registry): Counter<'controller'> {
  const name = 'skiff_controller_sync_errors_total';
  const found = registry.getSingleMetric(name);
  if (found instanceof Counter) return found as Counter<'controller'>;
  return new Counter({
    name,
    help: 'Syncs that failed and were requeued with backoff, per controller.',
    labelNames: ['controller'],
    registers: [registry],
  });
}
