/**
 * The scheduling queue (kube-scheduler's `PriorityQueue`): pending pods wait here for a cycle.
 *
 *   add ──▶ activeQ (heap: priority desc, then arrival) ──pop()──▶ in flight (one cycle)
 *              ▲          ▲                                    │ done(key): scheduled
 *              │ expired  │ event may help, not backing off    │ addUnschedulable(pod, plugins)
 *          backoffQ ◀─────┼──── event may help, backing off ───┤
 *  (heap by expiry:       │                                    ▼
 *   1 s doubling to 10 s) └──────────────────────────── unschedulable set
 *                              (leftovers flushed after 5 min)
 *
 * - An unschedulable pod waits for a cluster event that one of the plugins that rejected it
 *   registered (a node added, a pod deleted, ...), not for a timer: `moveAllToActiveOrBackoff`.
 *   The 5-minute flush only catches events that were missed.
 * - If such an event arrives while the pod's cycle is running, the rejection may already be stale,
 *   so the pod goes to backoff instead of the unschedulable set (kube's `moveRequestCycle`).
 * - A pod is in one place at a time: activeQ, backoffQ, unschedulable, or in flight. Updates
 *   replace the queued copy; an update or delete during the pod's cycle is remembered and applied
 *   when the cycle reports back.
 * - Failures without rejecting plugins (plugin errors, failed binds) go to backoff.
 *
 * Time is the injected clock: backoff and the flush are timers on it, so tests advance it.
 */
import { type BackoffPolicy, backoffDelay } from '../../../protocol/backoff.js';
import type { Clock, Timer } from '../../../protocol/clock.js';
import type { Logger } from '../../kernel/log.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { ClusterEvent } from '../framework/types.js';
import { pendingPodChanged } from './events.js';
import { KeyedHeap } from './heap.js';

/** First retry delay of a pod (kube's `podInitialBackoffDuration`). */
export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
/** Longest retry delay of a pod (kube's `podMaxBackoffDuration`). */
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
/** An unschedulable pod is retried after this long even without an event (kube: 5 minutes). */
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;

/** What the queue depends on. */
export interface SchedulingQueueOptions {
  readonly clock: Clock;
  /** Plugin name → events that may undo its rejections (`Framework.pluginEvents`). Unset: any event. */
  readonly pluginEvents?: ReadonlyMap<string, readonly ClusterEvent[]>;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly maxInUnschedulableMs?: number;
  readonly log?: Logger;
}

/** A pod handed to a cycle by `pop`. */
export interface QueuedPod {
  readonly key: string;
  readonly podInfo: PodInfo;
  /** Scheduling attempts, this one included. */
  readonly attempts: number;
  /** When the pod last entered the queue. */
  readonly timestamp: number;
  /** When the pod first entered the queue (for scheduling latency). */
  readonly initialAttemptTimestamp: number;
  /** The cycle number of this attempt. */
  readonly cycle: number;
}

/** Queue sizes, for metrics and tests. */
export interface QueueCounts {
  readonly active: number;
  readonly backoff: number;
  readonly unschedulable: number;
  readonly inFlight: number;
}

interface Entry {
  podInfo: PodInfo;
  attempts: number;
  timestamp: number;
  readonly initialAttemptTimestamp: number;
  unschedulablePlugins: ReadonlySet<string>;
  /** Arrival order: FIFO among equal priority and timestamp. */
  seq: number;
  /** When backoff ends (valid while in backoffQ). */
  backoffExpiry: number;
}

interface InFlight {
  readonly cycle: number;
  readonly entry: Entry;
  updated: PodInfo | undefined;
  deleted: boolean;
}

const NO_PLUGINS: ReadonlySet<string> = new Set();

/** Active, backoff and unschedulable pods, with event-driven retries. */
export class SchedulingQueue {
  private readonly active = new KeyedHeap<Entry>(
    (e) => e.podInfo.key,
    (a, b) =>
      a.podInfo.priority !== b.podInfo.priority
        ? a.podInfo.priority > b.podInfo.priority
        : a.timestamp !== b.timestamp
          ? a.timestamp < b.timestamp
          : a.seq < b.seq,
  );
  private readonly backoff = new KeyedHeap<Entry>(
    (e) => e.podInfo.key,
    (a, b) => (a.backoffExpiry !== b.backoffExpiry ? a.backoffExpiry < b.backoffExpiry : a.seq < b.seq),
  );
  /** Insertion order is timestamp order (entries enter at `now`), which the flush relies on. */
  private readonly unschedulable = new Map<string, Entry>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly waiters: ((pod: QueuedPod | undefined) => void)[] = [];
  /** Plugin names interested in each event; undefined means "every plugin, every event". */
  private readonly eventPlugins: ReadonlyMap<ClusterEvent, ReadonlySet<string>> | undefined;
  private readonly backoffPolicy: BackoffPolicy;
  private readonly maxInUnschedulableMs: number;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private seq = 0;
  private closed = false;
  private backoffTimer: { readonly at: number; readonly timer: Timer } | undefined;
  private leftoverTimer: { readonly at: number; readonly timer: Timer } | undefined;

  constructor(private readonly options: SchedulingQueueOptions) {
    this.backoffPolicy = {
      baseMs: options.initialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS,
      maxMs: options.maxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS,
      factor: 2,
      jitter: 0,
    };
    this.maxInUnschedulableMs = options.maxInUnschedulableMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS;
    this.eventPlugins = options.pluginEvents && invert(options.pluginEvents);
  }

  // -------------------------------------------------------------------------------------------
  // Informer side.

  /** A new pending pod; when it is already queued or in flight, this is an update. */
  add(podInfo: PodInfo): void {
    if (this.refuse(podInfo.key, 'add')) return;
    if (this.has(podInfo.key)) {
      this.update(podInfo);
      return;
    }
    const now = this.options.clock.now();
    this.pushActive({
      podInfo,
      attempts: 0,
      timestamp: now,
      initialAttemptTimestamp: now,
      unschedulablePlugins: NO_PLUGINS,
      seq: this.seq++,
      backoffExpiry: now,
    });
  }

  /** A pending pod changed: replace the queued copy; a real change retries an unschedulable pod. */
  update(podInfo: PodInfo): void {
    if (this.refuse(podInfo.key, 'update')) return;
    const key = podInfo.key;
    const flight = this.inFlight.get(key);
    if (flight !== undefined) {
      flight.updated = podInfo;
      return;
    }
    const queued = this.active.get(key) ?? this.backoff.get(key);
    if (queued !== undefined) {
      queued.podInfo = podInfo;
      // Re-push restores heap order: the priority may have changed.
      if (this.active.has(key)) this.active.push(queued);
      else this.backoff.push(queued);
      return;
    }
    const waiting = this.unschedulable.get(key);
    if (waiting === undefined) {
      this.add(podInfo);
      return;
    }
    const changed = pendingPodChanged(waiting.podInfo.pod, podInfo.pod);
    waiting.podInfo = podInfo;
    if (changed) {
      this.unschedulable.delete(key);
      this.requeue(waiting);
      this.armLeftoverTimer();
    }
  }

  /** A pending pod is gone (deleted, or bound by someone else). */
  delete(key: string): void {
    this.active.delete(key);
    if (this.backoff.delete(key) !== undefined) this.armBackoffTimer();
    if (this.unschedulable.delete(key)) this.armLeftoverTimer();
    const flight = this.inFlight.get(key);
    if (flight !== undefined) flight.deleted = true;
  }

  /**
   * A cluster event happened: move the unschedulable pods that a plugin interested in `event`
   * rejected to activeQ (or backoffQ while their backoff lasts). Returns how many moved.
   */
  moveAllToActiveOrBackoff(event: ClusterEvent): number {
    this.moveRequestCycle = this.schedulingCycle;
    const interested = this.eventPlugins?.get(event);
    const moving: Entry[] = [];
    for (const entry of this.unschedulable.values()) {
      if (this.mayHelp(entry, interested)) moving.push(entry);
    }
    for (const entry of moving) {
      this.unschedulable.delete(entry.podInfo.key);
      this.requeue(entry);
    }
    if (moving.length > 0) this.armLeftoverTimer();
    return moving.length;
  }

  // -------------------------------------------------------------------------------------------
  // Scheduling loop side.

  /** The next pod to schedule, waiting while none is active; undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    if (this.active.size > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The pod's cycle ended in success (assumed and bound): it leaves the queue for good. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The pod's cycle ended without a node (or its bind failed). With the plugins that rejected it
   * (`FitError.unschedulablePlugins`), it waits for an event they registered; without any (an
   * error, a failed bind), it backs off. A pod deleted during its cycle is dropped; one updated
   * during its cycle is retried with the update after backoff.
   */
  addUnschedulable(pod: QueuedPod, options: { unschedulablePlugins?: ReadonlySet<string> } = {}): void {
    const flight = this.inFlight.get(pod.key);
    this.inFlight.delete(pod.key);
    if (this.closed || flight?.deleted || this.has(pod.key)) return;
    const entry: Entry = {
      podInfo: flight?.updated ?? pod.podInfo,
      attempts: pod.attempts,
      timestamp: this.options.clock.now(),
      initialAttemptTimestamp: pod.initialAttemptTimestamp,
      unschedulablePlugins: options.unschedulablePlugins ?? NO_PLUGINS,
      seq: this.seq++,
      backoffExpiry: 0,
    };
    const stale = flight?.updated !== undefined || this.moveRequestCycle >= pod.cycle;
    if (stale || entry.unschedulablePlugins.size === 0) {
      this.pushBackoff(entry);
      return;
    }
    this.unschedulable.set(pod.key, entry);
    this.armLeftoverTimer();
  }

  /** Moves pods unschedulable for longer than the limit back (done by a timer; public for tests). */
  flushUnschedulableLeftover(): number {
    const now = this.options.clock.now();
    const due: Entry[] = [];
    for (const entry of this.unschedulable.values()) {
      // Timestamp order: the first entry not yet due ends the scan.
      if (now - entry.timestamp < this.maxInUnschedulableMs) break;
      due.push(entry);
    }
    if (due.length > 0) this.moveRequestCycle = this.schedulingCycle;
    for (const entry of due) {
      this.unschedulable.delete(entry.podInfo.key);
      this.requeue(entry);
    }
    this.armLeftoverTimer();
    return due.length;
  }

  /** Ends the queue: pending and future `pop` calls resolve undefined, timers stop. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backoffTimer?.timer.cancel();
    this.leftoverTimer?.timer.cancel();
    this.backoffTimer = undefined;
    this.leftoverTimer = undefined;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** True when `key` is queued anywhere or in flight. */
  has(key: string): boolean {
    return (
      this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key)
    );
  }

  /** Keys of every pod queued anywhere or in flight (to drop the ones an informer relist no longer shows). */
  keys(): string[] {
    return [
      ...this.active.values().map((e) => e.podInfo.key),
      ...this.backoff.values().map((e) => e.podInfo.key),
      ...this.unschedulable.keys(),
      ...this.inFlight.keys(),
    ];
  }

  /** Where the pods are. */
  get counts(): QueueCounts {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  /** The backoff of a pod after `attempts` attempts: 1 s, 2 s, 4 s, 8 s, then 10 s. */
  backoffMs(attempts: number): number {
    return backoffDelay(this.backoffPolicy, attempts - 1);
  }

  // -------------------------------------------------------------------------------------------

  private take(): QueuedPod {
    const entry = this.active.pop() as Entry;
    entry.attempts++;
    const cycle = ++this.schedulingCycle;
    this.inFlight.set(entry.podInfo.key, { cycle, entry, updated: undefined, deleted: false });
    return Object.freeze({
      key: entry.podInfo.key,
      podInfo: entry.podInfo,
      attempts: entry.attempts,
      timestamp: entry.timestamp,
      initialAttemptTimestamp: entry.initialAttemptTimestamp,
      cycle,
    });
  }

  private pushActive(entry: Entry): void {
    this.active.push(entry);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(this.take());
  }

  /** To backoffQ while the pod's backoff lasts, else straight to activeQ. */
  private requeue(entry: Entry): void {
    if (this.backoffExpiryOf(entry) > this.options.clock.now()) this.pushBackoff(entry);
    else this.pushActive(entry);
  }

  private pushBackoff(entry: Entry): void {
    entry.backoffExpiry = this.backoffExpiryOf(entry);
    if (entry.backoffExpiry <= this.options.clock.now()) {
      this.pushActive(entry);
      return;
    }
    this.backoff.push(entry);
    this.armBackoffTimer();
  }

  private backoffExpiryOf(entry: Entry): number {
    return entry.timestamp + this.backoffMs(entry.attempts);
  }

  /** One timer, set for the earliest backoff expiry, instead of kube's one-second poll. */
  private armBackoffTimer(): void {
    const head = this.backoff.peek();
    if (this.backoffTimer !== undefined && this.backoffTimer.at === head?.backoffExpiry) return;
    this.backoffTimer?.timer.cancel();
    this.backoffTimer = undefined;
    if (head === undefined || this.closed) return;
    const at = head.backoffExpiry;
    const timer = this.options.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.flushBackoffCompleted();
    }, at - this.options.clock.now());
    this.backoffTimer = { at, timer };
  }

  private flushBackoffCompleted(): void {
    const now = this.options.clock.now();
    for (let head = this.backoff.peek(); head !== undefined && head.backoffExpiry <= now; ) {
      this.backoff.pop();
      this.pushActive(head);
      head = this.backoff.peek();
    }
    this.armBackoffTimer();
  }

  /** One timer, for when the oldest unschedulable pod reaches the limit. */
  private armLeftoverTimer(): void {
    const oldest = this.unschedulable.values().next();
    const at = oldest.done ? undefined : oldest.value.timestamp + this.maxInUnschedulableMs;
    if (this.leftoverTimer !== undefined && this.leftoverTimer.at === at) return;
    this.leftoverTimer?.timer.cancel();
    this.leftoverTimer = undefined;
    if (at === undefined || this.closed) return;
    const timer = this.options.clock.setTimeout(() => {
      this.leftoverTimer = undefined;
      this.flushUnschedulableLeftover();
    }, at - this.options.clock.now());
    this.leftoverTimer = { at, timer };
  }

  /** True when no plugin rejected the pod (an error), or one that did is interested in the event. */
  private mayHelp(entry: Entry, interested: ReadonlySet<string> | undefined): boolean {
    if (this.eventPlugins === undefined || entry.unschedulablePlugins.size === 0) return true;
    for (const plugin of entry.unschedulablePlugins) {
      // A plugin that registered no events at all is assumed to care about every event.
      if (interested?.has(plugin) || !this.options.pluginEvents?.has(plugin)) return true;
    }
    return false;
  }

  private refuse(key: string, operation: string): boolean {
    if (!this.closed) return false;
    this.options.log?.debug({ pod: key, operation }, 'scheduling queue is closed; pod ignored');
    return true;
  }
}

/** Plugin → events, turned into event → plugins. */
function invert(
  pluginEvents: ReadonlyMap<string, readonly ClusterEvent[]>,
): ReadonlyMap<ClusterEvent, ReadonlySet<string>> {
  const byEvent = new Map<ClusterEvent, Set<string>>();
  for (const [plugin, events] of pluginEvents) {
    for (const event of events) {
      let plugins = byEvent.get(event);
      if (plugins === undefined) {
        plugins = new Set();
        byEvent.set(event, plugins);
      }
      plugins.add(plugin);
    }
  }
  return byEvent;
}
