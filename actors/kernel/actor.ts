/**
 * What an actor is, as the rest of Skiff sees it.
 *
 * An actor is pure logic (`ActorLogic`) run by a generic runtime (`ActorSystem`): the runtime owns
 * the mailbox, hands the logic one message at a time, and turns every failure into a message to
 * the supervisor. Logic never sees another actor's exceptions and never shares state with it; it
 * holds `ActorRef`s and sends them messages.
 *
 * Messages are discriminated unions and logic matches them exhaustively, so adding a message type
 * is a compile error everywhere it is not handled:
 *
 *   receive: (msg, ctx) =>
 *     match(msg)
 *       .with({ type: 'sync' }, ({ key }) => syncReplicaSet(key))
 *       .with({ type: 'child-failed' }, (e) => ctx.log.warn({ child: e.child.name }, 'child failed'))
 *       .exhaustive(),
 */
import type { Clock } from '../../protocol/clock.js';
import type { Logger } from './log.js';

/** An address to send messages to. Holding a ref grants nothing but the right to send. */
export interface ActorRef<M> {
  /** Unique within its system; restarts keep it. */
  readonly name: string;
  /**
   * Queues `msg` and returns at once; the actor handles it later, in order. Returns false (and
   * logs) when the actor has stopped and no longer accepts messages.
   */
  readonly send: (msg: M) => boolean;
}

/** A ref to a pool; sending to it queues one message for whichever instance is free first. */
export interface ActorPool<M> extends ActorRef<M> {
  /** How many instances serve the shared queue. */
  readonly instances: number;
}

/** Any actor's ref, for places (supervision events) that name an actor without messaging it. */
export type AnyActorRef = ActorRef<never>;

/** What the runtime gives an actor instance. */
export interface ActorContext<M> {
  /** This actor's own ref: send to it to queue work for later (it goes behind queued messages). */
  readonly self: ActorRef<M>;
  /** The injected clock: every timer an actor sets goes through it. */
  readonly clock: Clock;
  /** A child logger tagged with the actor's name (and `instance` in a pool). */
  readonly log: Logger;
  /**
   * Aborted when this instance goes away: on stop (after the drain, or at once without drain) and
   * before a restart. Pass it to timers, requests and subscriptions the instance starts.
   */
  readonly signal: AbortSignal;
  /** Index of this instance in its pool; 0 for a plain actor. */
  readonly instance: number;
}

/** The logic of an actor. The runtime calls it; it never calls the runtime except through refs. */
export interface ActorLogic<M> {
  /** Runs before the first message; a throw counts as a failure (the instance is restarted). */
  start?(ctx: ActorContext<M>): Promise<void> | void;
  /** Handles one message; the next one is not delivered until this settles. */
  receive(msg: M, ctx: ActorContext<M>): Promise<void> | void;
  /** Runs when an instance that started goes away (stop, or before its replacement starts). */
  stop?(ctx: ActorContext<M>): Promise<void> | void;
}

/** Builds a fresh instance of an actor's logic; called again for each restart. */
export type ActorFactory<M> = () => ActorLogic<M>;

/** How to stop an actor. */
export interface StopOptions {
  /**
   * True (the default): refuse new messages, handle the queued ones, then run the stop hook.
   * False: drop the queue (logged), abort `ctx.signal` at once, wait for the message in hand.
   */
  readonly drain?: boolean;
}

/**
 * What a supervisor learns about its children. Failures arrive here as messages, never as
 * exceptions: a parent actor handles them in `receive` like any other message.
 */
export type SupervisionEvent =
  | {
      readonly type: 'child-failed';
      readonly child: AnyActorRef;
      readonly error: unknown;
      /** Failures (hence restarts) inside the current window, this one included. */
      readonly restarts: number;
      /** Where it failed: in the start hook or handling a message (the message is dropped). */
      readonly phase: 'start' | 'receive';
      /** How long the runtime waits before building a new instance. */
      readonly delayMs: number;
    }
  | {
      readonly type: 'child-stopped';
      readonly child: AnyActorRef;
      /** `escalated`: it failed more often than its policy allows and was stopped for good. */
      readonly reason: 'stopped' | 'escalated';
      readonly error?: unknown;
    };

/** Where supervision events go: a parent actor's ref, or the system's root handler. */
export type Supervisor = ActorRef<SupervisionEvent> | ((event: SupervisionEvent) => void);

/** Delivers a supervision event to whichever kind of supervisor was given; false when it was refused. */
export function notifySupervisor(supervisor: Supervisor, event: SupervisionEvent): boolean {
  if (typeof supervisor !== 'function') return supervisor.send(event);
  supervisor(event);
  return true;
}
