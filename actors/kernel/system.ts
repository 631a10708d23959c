/**
 * The actor system: spawns actors and pools by name, supervises them, and stops them all in
 * reverse spawn order (so an actor outlives the ones it started, and receives their last words).
 *
 * Supervision events of an actor spawned without a `supervisor` go to the root handler, which by
 * default logs them; a parent actor passes its own ref and receives them as messages.
 */

import type { Clock } from '../../protocol/clock.js';
import { SpawnError } from '../../protocol/errors.js';
import type {
  ActorFactory,
  ActorPool,
  ActorRef,
  StopOptions,
  SupervisionEvent,
  Supervisor,
} from './actor.js';
import { ActorCell } from './cell.js';
import type { Logger } from './log.js';
import {
  defaultSupervisionPolicy,
  type SupervisionOverrides,
  type SupervisionPolicy,
  supervisionPolicy,
} from './supervision.js';

/** What the system depends on. */
export interface ActorSystemDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Source of jitter for restart backoff; default `Math.random`. Tests pin it. */
  readonly random?: () => number;
  /** Receives supervision events of actors spawned without a supervisor; default: log them. */
  readonly onChildEvent?: (event: SupervisionEvent) => void;
  /** Overrides of `defaultSupervisionPolicy` that every spawn starts from. */
  readonly policy?: SupervisionOverrides;
  /**
   * Counts every restart by actor name, whoever supervises the actor. A prom-client
   * `Counter<'actor'>` fits: components export it as `skiff_<component>_actor_restarts_total`.
   */
  readonly restarts?: RestartCounter;
}

/** Where restarts are counted (structurally a prom-client counter with an `actor` label). */
export interface RestartCounter {
  inc(labels: { actor: string }): void;
}

/** Options of one spawn. */
export interface SpawnOptions {
  /** Who hears about failures and stops; default the root handler. */
  readonly supervisor?: Supervisor;
  /** Overrides of the system's policy for this actor. */
  readonly policy?: SupervisionOverrides;
}

/** Options of a pool: a spawn with `instances` workers. */
export interface PoolOptions extends SpawnOptions {
  /** How many instances serve the shared queue, each one message at a time. */
  readonly instances: number;
}

/** What the registry keeps of a running actor: its message type no longer matters there. */
interface Running {
  readonly name: string;
  stop(options?: StopOptions): Promise<void>;
}

/** Spawns, supervises and stops actors. */
export class ActorSystem {
  private readonly running: Running[] = [];
  private readonly byName = new Map<string, Running>();
  private readonly policy: SupervisionPolicy;
  private stopped = false;

  constructor(private readonly deps: ActorSystemDeps) {
    this.policy = supervisionPolicy(defaultSupervisionPolicy, deps.policy);
  }

  /** Starts an actor named `name` whose instances come from `factory`. */
  spawn<M>(name: string, factory: ActorFactory<M>, options: SpawnOptions = {}): ActorRef<M> {
    return this.spawnCell(name, factory, 1, options);
  }

  /**
   * Starts a pool (router): `instances` copies of the same logic sharing one queue. Each instance
   * handles one message at a time, so the pool handles up to `instances` at once; the API server
   * serves requests this way.
   */
  spawnPool<M>(name: string, factory: ActorFactory<M>, options: PoolOptions): ActorPool<M> {
    if (!Number.isInteger(options.instances) || options.instances < 1) {
      throw new SpawnError(`pool ${name}: instances must be a positive integer, got ${options.instances}`);
    }
    return this.spawnCell(name, factory, options.instances, options);
  }

  /** Names of the actors still running, in spawn order. */
  get names(): string[] {
    return this.running.map((r) => r.name);
  }

  /** Stops one actor by ref or name; resolves once it has stopped (at once when it is unknown). */
  async stopActor(actor: { readonly name: string } | string, options: StopOptions = {}): Promise<void> {
    await this.byName.get(typeof actor === 'string' ? actor : actor.name)?.stop(options);
  }

  /** Stops every actor with drain, newest first, one after the other; refuses spawns afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    // One at a time, newest first: a parent spawned before its children is still running while
    // they drain, so it receives their `child-stopped` events and any last messages they send.
    for (const actor of [...this.running].reverse()) await actor.stop();
  }

  private spawnCell<M>(
    name: string,
    factory: ActorFactory<M>,
    instances: number,
    options: SpawnOptions,
  ): ActorPool<M> {
    if (this.stopped) throw new SpawnError(`cannot spawn ${name}: the actor system is stopped`);
    if (this.byName.has(name)) throw new SpawnError(`an actor named ${name} is already running`);
    const cell = new ActorCell<M>({
      name,
      factory,
      instances,
      policy: supervisionPolicy(this.policy, options.policy),
      supervisor: options.supervisor ?? ((event) => this.rootHandler(event)),
      clock: this.deps.clock,
      log: this.deps.log.child({ actor: name }),
      random: this.deps.random ?? Math.random,
      onRestart: () => this.deps.restarts?.inc({ actor: name }),
    });
    const entry: Running = { name, stop: (o) => cell.stop(o) };
    this.running.push(entry);
    this.byName.set(name, entry);
    // The cell's promise never rejects (every failure inside it is caught and reported); when it
    // settles the actor is gone, and its name may be used again.
    void cell.start().then(() => this.forget(entry));
    return cell.ref;
  }

  private forget(entry: Running): void {
    const index = this.running.indexOf(entry);
    if (index >= 0) this.running.splice(index, 1);
    if (this.byName.get(entry.name) === entry) this.byName.delete(entry.name);
  }

  private rootHandler(event: SupervisionEvent): void {
    if (this.deps.onChildEvent) {
      this.deps.onChildEvent(event);
      return;
    }
    const fields = { actor: event.child.name, event: event.type };
    if (event.type === 'child-failed')
      this.deps.log.warn({ ...fields, restarts: event.restarts }, 'actor failed');
    else if (event.reason === 'escalated')
      this.deps.log.error({ ...fields, err: event.error }, 'actor gave up');
    else this.deps.log.debug(fields, 'actor stopped');
  }
}
