/**
 * The runtime of one actor (or one pool): the mailbox, the loop that feeds it to the logic one
 * message at a time, and supervision of the logic's instances.
 *
 *   send ──▶ Mailbox ──take──▶ worker 0: [start] ─▶ receive, receive, ... ─▶ [stop]
 *                     ──take──▶ worker 1: ...            (a pool runs N workers on one mailbox)
 *
 * A worker owns one instance at a time. When start or receive throws, the worker runs the stop
 * hook of that instance, asks `decideRestart`, tells the supervisor, waits out the backoff and
 * builds a new instance from the factory. The mailbox stays, so nothing queued is lost to a
 * restart (only the message that failed is dropped, and logged).
 */

import type { Clock } from '../../protocol/clock.js';
import {
  type ActorContext,
  type ActorFactory,
  type ActorLogic,
  type ActorPool,
  notifySupervisor,
  type StopOptions,
  type SupervisionEvent,
  type Supervisor,
} from './actor.js';
import { describeMessage, type Logger } from './log.js';
import { Mailbox } from './mailbox.js';
import { decideRestart, emptyHistory, type RestartHistory, type SupervisionPolicy } from './supervision.js';

/** Everything a cell needs, passed by the system. */
export interface CellDeps<M> {
  readonly name: string;
  readonly factory: ActorFactory<M>;
  readonly instances: number;
  readonly policy: SupervisionPolicy;
  readonly supervisor: Supervisor;
  readonly clock: Clock;
  readonly log: Logger;
  readonly random: () => number;
  /** Called once per restart decision (the system counts restarts by actor here). */
  readonly onRestart?: () => void;
}

interface Instance<M> {
  readonly logic: ActorLogic<M>;
  readonly ctx: ActorContext<M>;
  readonly abort: AbortController;
  readonly since: number;
}

type Outcome = { readonly type: 'drained' } | { readonly type: 'failed'; readonly error: unknown };

/** Runs one actor or pool: mailbox, workers, restarts, and the stop lifecycle. */
export class ActorCell<M> {
  readonly ref: ActorPool<M>;
  private readonly mailbox = new Mailbox<M>();
  /** Aborted when any stop begins: cuts restart backoffs short. */
  private readonly stopping = new AbortController();
  /** Aborted on a stop without drain (or escalation): aborts every instance's signal at once. */
  private readonly halt = new AbortController();
  private history: RestartHistory = emptyHistory;
  private stopReason: { reason: 'stopped' | 'escalated'; error?: unknown } | undefined;
  private finished: Promise<void> | undefined;

  constructor(private readonly deps: CellDeps<M>) {
    this.ref = { name: deps.name, send: (msg) => this.deliver(msg), instances: deps.instances };
  }

  /** Starts the workers; resolves once every worker has exited and the supervisor was told. */
  start(): Promise<void> {
    this.finished ??= Promise.all(
      Array.from({ length: this.deps.instances }, (_, i) => this.runWorker(i)),
    ).then(() => this.afterStop());
    return this.finished;
  }

  /** Stops the actor (draining by default) and resolves once it has fully stopped. */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopReason ??= { reason: 'stopped' };
    this.stopping.abort();
    if (options.drain === false) this.haltNow();
    else this.mailbox.close();
    return this.start();
  }

  private deliver(msg: M): boolean {
    if (this.mailbox.put(msg)) return true;
    // Stopped actors refuse mail; the sender sees `false`. Debug level: during shutdown, event
    // handlers still firing at stopped actors are expected and would otherwise flood the log.
    this.deps.log.debug({ msgType: describeMessage(msg) }, 'message to a stopped actor refused');
    return false;
  }

  private haltNow(): void {
    this.halt.abort();
    const dropped = this.mailbox.close({ discard: true });
    if (dropped > 0) this.deps.log.warn({ dropped }, 'stopped without drain; queued messages dropped');
  }

  private async runWorker(index: number): Promise<void> {
    const log = this.deps.instances > 1 ? this.deps.log.child({ instance: index }) : this.deps.log;
    for (;;) {
      if (this.halt.signal.aborted || (this.mailbox.closed && this.mailbox.size === 0)) return;
      const started = await this.startInstance(index, log);
      if ('error' in started) {
        if (await this.recover(started.error, 'start', undefined, log)) continue;
        return;
      }
      const outcome = await this.serve(started, log);
      await this.disposeInstance(started, log);
      if (outcome.type === 'drained') return;
      if (!(await this.recover(outcome.error, 'receive', started.since, log))) return;
    }
  }

  private async startInstance(index: number, log: Logger): Promise<Instance<M> | { error: unknown }> {
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, this.halt.signal]);
    const ctx: ActorContext<M> = { self: this.ref, clock: this.deps.clock, log, signal, instance: index };
    try {
      const logic = this.deps.factory();
      await logic.start?.(ctx);
      return { logic, ctx, abort, since: this.deps.clock.now() };
    } catch (error) {
      abort.abort();
      log.error({ err: error }, 'actor failed to start');
      return { error };
    }
  }

  private async serve(instance: Instance<M>, log: Logger): Promise<Outcome> {
    for (;;) {
      const next = await this.mailbox.take();
      if (next.done) return { type: 'drained' };
      try {
        await instance.logic.receive(next.value, instance.ctx);
      } catch (error) {
        // The message that made the logic throw is dropped: retrying it on the new instance would
        // most likely crash that one too. Actors that need a retry keep the work in their state.
        log.error({ err: error, msgType: describeMessage(next.value) }, 'actor failed; message dropped');
        return { type: 'failed', error };
      }
    }
  }

  private async disposeInstance(instance: Instance<M>, log: Logger): Promise<void> {
    instance.abort.abort();
    try {
      await instance.logic.stop?.(instance.ctx);
    } catch (error) {
      // The instance is going away either way; a failing stop hook is worth an error line, not a
      // restart (there is nothing left to restart).
      log.error({ err: error }, 'actor stop hook failed');
    }
  }

  /** Decides, reports and waits; true when the worker should build a new instance. */
  private async recover(error: unknown, phase: 'start' | 'receive', since: number | undefined, log: Logger) {
    const { clock, policy, random } = this.deps;
    const decision = decideRestart(this.history, { now: clock.now(), runningSince: since }, policy, random());
    this.history = decision.history;
    if (decision.type === 'escalate') {
      log.error({ err: error, restarts: decision.restarts }, 'actor failed too often; stopping it');
      this.stopReason = { reason: 'escalated', error };
      this.stopping.abort();
      this.haltNow();
      return false;
    }
    if (this.halt.signal.aborted) return false;
    const { delayMs, restarts } = decision;
    this.deps.onRestart?.();
    this.tell({ type: 'child-failed', child: this.ref, error, restarts, phase, delayMs });
    log.warn({ restarts, delayMs }, 'restarting actor after backoff');
    try {
      await clock.sleep(delayMs, this.stopping.signal);
    } catch {
      // A stop began during the backoff. With drain, restart at once to finish the queue (waiting
      // up to 30 s would only delay shutdown); without drain, the loop's halt check ends the worker.
      log.debug('restart backoff cut short by stop');
    }
    return !this.halt.signal.aborted;
  }

  private afterStop(): void {
    const { reason, error } = this.stopReason ?? { reason: 'stopped' };
    this.deps.log.debug({ reason }, 'actor stopped');
    this.tell({ type: 'child-stopped', child: this.ref, reason, ...(error === undefined ? {} : { error }) });
  }

  private tell(event: SupervisionEvent): void {
    try {
      if (!notifySupervisor(this.deps.supervisor, event)) {
        this.deps.log.warn({ event: event.type }, 'supervisor refused a supervision event (it has stopped)');
      }
    } catch (error) {
      // A root handler that throws must not take this actor's loop down with it.
      this.deps.log.error({ err: error, event: event.type }, 'supervisor handler threw');
    }
  }
}
