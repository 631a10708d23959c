/**
 * The controller manager: every controller of the cluster in one process, run only while this
 * replica holds the Lease `kube-system/skiff-controller-manager`.
 *
 *   ┌──────────────────────── ActorSystem "controller-manager" ─────────────────────────┐
 *   │ elector ──leading / following──▶ controllers                                        │
 *   │ (LeaderElector,                  leading:   startControllers(registry(settings), {  │
 *   │  holds the fence)                             client: FencedTransport(inner, fence),│
 *   │                                               fresh SharedInformers, EventRecorder })│
 *   │                                  following: stop them all at once                  │
 *   └─────────────────────────────────────────────────────────────────────────────────────┘
 *
 * Why fresh informers and queues on every term: controllers are level-triggered, so a new term
 * starts from a new list and redoes whatever the last leader (this one or another) left half done;
 * nothing from an earlier term can leak into this one.
 *
 * Why a fence on every write: a leader paused (GC, SIGSTOP, a stalled VM) past its lease wakes up
 * believing it leads and with writes in hand. Each carries the lease's fencing token, which the
 * API server checks against the Lease: once another replica took it, every such write is refused
 * (409 Conflict) instead of undoing the new leader's work.
 */
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { Bus } from '../../../protocol/bus.js';
import { ApiClient } from '../../../protocol/client/api-client.js';
import { FencedTransport } from '../../../protocol/client/fenced-transport.js';
import { LeaderElector } from '../../../protocol/client/leader-election.js';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import type { Clock } from '../../../protocol/clock.js';
import type { Subjects } from '../../../protocol/subjects.js';
import type { ActorFactory, ActorRef } from '../../kernel/actor.js';
import {
  type ControllerDefinition,
  type RunningControllers,
  startControllers,
} from '../../kernel/controllers.js';
import type { Logger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { restartForever } from '../../kernel/supervision.js';
import { ActorSystem } from '../../kernel/system.js';
import { busHeartbeats } from './heartbeats.js';
import { type ControllerSettings, controllerRegistry } from './registry.js';

/** The Lease replicas compete for, as kube-controller-manager's. */
export const CONTROLLER_MANAGER_LEASE = {
  namespace: 'kube-system',
  name: 'skiff-controller-manager',
} as const;

/** `source.component` of the Events the controllers record. */
export const CONTROLLER_MANAGER_COMPONENT = 'controller-manager';

/** Lease timing; defaults are kube-controller-manager's (15 s, 10 s, 2 s). */
export interface LeaseTiming {
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

export interface ControllerManagerOptions {
  /** The API, unfenced: reads, and the Lease itself. Controllers get a fenced view of it. */
  readonly client: ApiClient;
  /** Where kubelet heartbeats are heard (none: only Node status writes count as heartbeats). */
  readonly bus?: Bus;
  readonly subjects: Subjects;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: PromRegistry;
  /** This replica's identity in the Lease. */
  readonly identity: string;
  /** Campaign for the Lease before acting (default true); off for a single replica. */
  readonly leaderElection?: boolean | LeaseTiming;
  /** Settings per controller (timings, thresholds). */
  readonly settings?: ControllerSettings;
  /** The controllers to run (default `controllerRegistry`); tests add their own. */
  readonly controllers?: (settings: ControllerSettings) => readonly ControllerDefinition[];
  /** Replays every cached object to the controllers this often (default 0: never). */
  readonly resyncMs?: number;
}

type ControllersMsg = { readonly type: 'leading' } | { readonly type: 'following' };

/** One controller-manager replica. */
export class ControllerManager {
  private readonly system: ActorSystem;
  private readonly leader: Gauge;
  private elector: LeaderElector | undefined;
  private running: RunningControllers | undefined;
  private term: number | undefined;

  constructor(private readonly options: ControllerManagerOptions) {
    this.leader = gauge(options.registry);
    this.system = new ActorSystem({
      clock: options.clock,
      log: options.log,
      policy: restartForever,
      restarts: restarts(options.registry),
    });
  }

  /** True while this replica runs the controllers (it leads, or elects no leader). */
  get isLeader(): boolean {
    return this.running !== undefined;
  }

  /** Resolves when the controllers of the current term have their first lists (at once when following). */
  get synced(): Promise<void> {
    return this.running?.synced ?? Promise.resolve();
  }

  /** Starts campaigning (or, without leader election, the controllers at once). */
  async start(): Promise<void> {
    const election = this.options.leaderElection ?? true;
    // Without election the controllers actor starts its one term by itself (see its start hook).
    const controllers = this.system.spawn('controllers', this.controllersActor(election !== false));
    if (election === false) return;
    this.system.spawn(
      'elector',
      this.electorActor(typeof election === 'object' ? election : {}, controllers),
    );
  }

  /** Gives the Lease up and stops the controllers. */
  async stop(): Promise<void> {
    await this.system.stop();
  }

  /** Campaigns for the Lease; tells the controllers actor when this replica starts or stops leading. */
  private electorActor(timing: LeaseTiming, controllers: ActorRef<ControllersMsg>): ActorFactory<never> {
    return () => ({
      start: (ctx) => {
        this.elector = new LeaderElector({
          client: this.options.client,
          clock: ctx.clock,
          log: ctx.log,
          lease: CONTROLLER_MANAGER_LEASE,
          identity: this.options.identity,
          ...timing,
          onStartedLeading: () => controllers.send({ type: 'leading' }),
          onStoppedLeading: () => controllers.send({ type: 'following' }),
        });
        this.elector.start();
      },
      receive() {
        // The elector's work arrives through its timers, not its mailbox.
      },
      stop: async () => {
        await this.elector?.stop();
      },
    });
  }

  /** Runs the controllers of one term at a time: started when leading, stopped when following. */
  private controllersActor(fenced: boolean): ActorFactory<ControllersMsg> {
    /** The term being run: the lease transitions of its fence (-1 without election). */
    const termOf = () => (fenced ? this.elector?.fence?.leaseTransitions : -1);
    return () => ({
      start: (ctx) => {
        // A restarted instance does not know whether it should run: ask the elector's state.
        if (termOf() !== undefined) ctx.self.send({ type: 'leading' });
      },
      receive: async (msg, ctx) => {
        if (msg.type === 'leading') {
          const term = termOf();
          if (term === undefined || (this.running && term === this.term)) return; // stale, or running it
          // A new term while running: the old term's work is stale, start afresh.
          await this.stopTerm();
          this.running = this.startTerm(fenced, ctx.log);
          this.term = term;
          this.leader.set(1);
          ctx.log.info({ identity: this.options.identity, term }, 'leading: controllers started');
          return;
        }
        if (!this.running || termOf() !== undefined) return; // not running, or leading again already
        await this.stopTerm();
        ctx.log.info({ identity: this.options.identity }, 'lost the lease: controllers stopped');
      },
      stop: () => this.stopTerm(),
    });
  }

  /** Fresh informers, recorder and fenced client for one term, and the controllers on them. */
  private startTerm(fenced: boolean, log: Logger): RunningControllers {
    const { options } = this;
    const inner = options.client.transport;
    // The fence is read from the elector at each write: once it lost the lease, writes stop here.
    const client = fenced
      ? new ApiClient(new FencedTransport(inner, () => this.elector?.fence))
      : options.client;
    const informers = new SharedInformers({
      client,
      clock: options.clock,
      log,
      ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    });
    const recorder = new EventRecorder({
      client,
      clock: options.clock,
      log,
      component: CONTROLLER_MANAGER_COMPONENT,
      instance: options.identity,
    });
    const settings = this.settingsWithHeartbeats();
    const definitions = (options.controllers ?? controllerRegistry)(settings);
    return startControllers(definitions, {
      client,
      informers,
      recorder,
      clock: options.clock,
      log,
      registry: options.registry,
    });
  }

  private async stopTerm(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    this.term = undefined;
    this.leader.set(0);
    await running?.stop();
  }

  /** The settings, with the bus heartbeats handed to the node lifecycle controller. */
  private settingsWithHeartbeats(): ControllerSettings {
    const { bus, subjects, log, settings = {} } = this.options;
    if (!bus || settings.nodelifecycle?.heartbeats) return settings;
    return {
      ...settings,
      nodelifecycle: { ...settings.nodelifecycle, heartbeats: busHeartbeats(bus, subjects, log) },
    };
  }
}

/** `skiff_controller_manager_leader`, created once per registry. */
function gauge(registry: PromRegistry): Gauge {
  const name = 'skiff_controller_manager_leader';
  const found = registry.getSingleMetric(name);
  if (found instanceof Gauge) return found;
  return new Gauge({
    name,
    help: '1 while this replica holds the controller-manager lease and runs the controllers',
    registers: [registry],
  });
}

/** `skiff_controller_manager_actor_restarts_total{actor}`, created once per registry. */
function restarts(registry: PromRegistry): Counter<'actor'> {
  const name = 'skiff_controller_manager_actor_restarts_total';
  const found = registry.getSingleMetric(name);
  if (found instanceof Counter) return found as Counter<'actor'>;
  return new Counter({
    name,
    help: 'Restarts of the controller-manager actors after a failure, by actor',
    labelNames: ['actor'],
    registers: [registry],
  });
}
