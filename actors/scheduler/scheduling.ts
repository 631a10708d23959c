/**
 * The scheduling actor: the one owner of the cache, the queue and the framework. Informer changes,
 * leadership, bind outcomes and its own pops all arrive as messages, handled one at a time, so
 * the loop's rule (run the cycle and `assume` with no `await` between) holds by construction:
 * every handler here is synchronous.
 *
 *   pod/node changes ──▶ cache + queue          queue.pop() ──▶ 'popped' ──▶ cycle ──▶ assume ──▶ binder
 *   'bound' / 'bind-failed' ◀── binder            (one pop outstanding, only while leading, synced
 *   'cleanup-assumed' ◀── timer (1 s)              and under the bind limit)
 *
 * A restart builds an empty cache and queue, asks the informers to replay their caches and the
 * elector to report, and ignores answers meant for the previous instance (tagged `generation`).
 * Pods whose binds were in flight come back through the replay; the API server refuses a second
 * bind of a bound pod, so the worst a restart costs is a retried pod, never a double placement.
 */
import type { FenceToken } from '../../protocol/api.js';
import type { Timer } from '../../protocol/clock.js';
import type { Node } from '../../protocol/resources/node.js';
import type { Pod } from '../../protocol/resources/pod.js';
import type { ActorContext, ActorFactory, ActorLogic, ActorRef } from '../kernel/actor.js';
import { DEFAULT_CLEANUP_INTERVAL_MS, SchedulerCache } from './cache/cache.js';
import {
  EVENT_FAILED_SCHEDULING,
  EVENT_SCHEDULED,
  podScheduledFalse,
  REASON_SCHEDULER_ERROR,
  REASON_UNSCHEDULABLE,
  scheduledMessage,
  withPodScheduled,
} from './conditions.js';
import { schedulePod } from './framework/cycle.js';
import type { Framework } from './framework/framework.js';
import { isTerminal, newPodInfo, podKey } from './framework/pod-info.js';
import type {
  BindMsg,
  Change,
  ElectorMsg,
  InformerMsg,
  RecorderMsg,
  SchedulingMsg,
  WatchedResource,
} from './messages.js';
import type { SchedulerMetrics } from './metrics.js';
import { assignedPodUpdateEvent, nodeUpdateEvent } from './queue/events.js';
import { type QueuedPod, SchedulingQueue } from './queue/queue.js';

/** Reads the pod informer's cache (client-go's lister): the freshest copy of a pod. */
export interface PodLister {
  getByKey(key: string): Readonly<Pod> | undefined;
}

/** The other actors the scheduling actor talks to; filled in as they are spawned. */
export interface SchedulingPeers {
  binder?: ActorRef<BindMsg>;
  recorder?: ActorRef<RecorderMsg>;
  informers: ActorRef<InformerMsg>[];
  elector?: ActorRef<ElectorMsg>;
}

/** What the scheduling actor depends on. */
export interface SchedulingDeps {
  /** Pods whose `spec.schedulerName` is this are ours. */
  readonly schedulerName: string;
  /** Builds this instance's framework (validated once by the Scheduler before any spawn). */
  readonly newFramework: () => Framework;
  readonly metrics: SchedulerMetrics;
  readonly peers: SchedulingPeers;
  readonly pods: PodLister;
  /** True when leadership comes from the elector; false: this replica leads from the start. */
  readonly leaderElection: boolean;
  /** Binds in flight at most: no pod is popped while this many wait for the API. */
  readonly bindConcurrency: number;
  readonly percentageOfNodesToScore?: number;
  /** Record a `Scheduled` Event per bound pod. */
  readonly scheduledEvents: boolean;
  /** Tie-breaking draw in [0, 1). */
  readonly random: () => number;
  /** How long an assumed pod waits for its informer event after its bind returned. */
  readonly assumedPodTtlMs?: number;
  readonly initialBackoffMs?: number;
  /** Called after each successful bind (benchmarks); a throw here fails this actor like any bug. */
  readonly onBound?: (key: string, bindMs: number) => void;
}

/** The factory the system restarts from: each instance gets the next generation. */
export function schedulingActor(deps: SchedulingDeps): ActorFactory<SchedulingMsg> {
  let generation = 0;
  return () => new SchedulingInstance(deps, ++generation);
}

/** One life of the scheduling actor: its cache and queue live and die with it. */
class SchedulingInstance implements ActorLogic<SchedulingMsg> {
  private framework!: Framework;
  private cache!: SchedulerCache;
  private queue!: SchedulingQueue;
  private ctx!: ActorContext<SchedulingMsg>;
  private leading: boolean;
  private fence: FenceToken | undefined;
  private readonly synced = new Set<WatchedResource>();
  private quiesced = false;
  private popping = false;
  private bindsInFlight = 0;
  private nextStartIndex = 0;
  private cleanupTimer: Timer | undefined;

  constructor(
    private readonly deps: SchedulingDeps,
    private readonly generation: number,
  ) {
    this.leading = !deps.leaderElection;
  }

  start(ctx: ActorContext<SchedulingMsg>): void {
    const { deps } = this;
    this.ctx = ctx;
    this.framework = deps.newFramework();
    this.cache = new SchedulerCache({
      clock: ctx.clock,
      log: ctx.log,
      ...(deps.assumedPodTtlMs !== undefined ? { ttlMs: deps.assumedPodTtlMs } : {}),
    });
    this.queue = new SchedulingQueue({
      clock: ctx.clock,
      log: ctx.log,
      pluginEvents: this.framework.pluginEvents,
      ...(deps.initialBackoffMs !== undefined ? { initialBackoffMs: deps.initialBackoffMs } : {}),
    });
    this.armCleanup();
    if (this.leading) deps.metrics.leader.set(1);
    if (this.generation > 1) {
      // A restart: this instance knows nothing. The informers replay their caches (each ends with
      // 'synced'), and the elector says whether we lead.
      ctx.log.warn({ generation: this.generation }, 'scheduling restarted; rebuilding from the informers');
      for (const informer of deps.peers.informers) informer.send({ type: 'replay' });
      deps.peers.elector?.send({ type: 'report' });
    }
  }

  stop(): void {
    this.queue.close();
    this.cleanupTimer?.cancel();
  }

  receive(msg: SchedulingMsg): void {
    switch (msg.type) {
      case 'pod':
        this.podChanged(msg.change);
        break;
      case 'node':
        this.nodeChanged(msg.change);
        break;
      case 'synced':
        this.informerSynced(msg.resource, msg.keys);
        break;
      case 'leading':
        this.lead(msg.fence);
        break;
      case 'following':
        this.follow();
        break;
      case 'popped':
        if (msg.generation !== this.generation) return; // popped from a queue that is gone
        this.popping = false;
        this.scheduleOne(msg.qp);
        break;
      case 'bound':
        this.bound(msg.qp, msg.node, msg.bindMs, msg.generation);
        break;
      case 'bind-failed':
        this.bindFailed(msg.qp, msg.node, msg.error, msg.generation);
        break;
      case 'cleanup-assumed':
        if (msg.generation === this.generation) this.cleanupAssumed();
        break;
      case 'quiesce':
        this.quiesced = true;
        this.queue.close();
        break;
      default:
        msg satisfies never;
    }
    this.pump();
  }

  // -------------------------------------------------------------------------------------------
  // The loop: one pop outstanding at a time, and only when a popped pod could be scheduled.

  private pump(): void {
    if (this.popping || this.quiesced || !this.leading || this.synced.size < 2) return;
    if (this.bindsInFlight >= this.deps.bindConcurrency) return;
    this.popping = true;
    const { generation } = this;
    void this.queue.pop().then((qp) => {
      // Through the mailbox, not handled here: this continuation runs outside the actor's turn.
      if (qp) this.ctx.self.send({ type: 'popped', qp, generation });
    });
  }

  /** One cycle. No await between the cycle and `assume`: the snapshot is the cache's live state. */
  private scheduleOne(qp: QueuedPod): void {
    const { deps } = this;
    if (this.quiesced || !this.leading) {
      this.queue.addUnschedulable(qp); // leadership ended while it waited: leave it for the leader
      return;
    }
    if (this.cache.nodeOf(qp.key) !== undefined) {
      // Bound (by us or another scheduler) between the pop and this turn: nothing left to do.
      this.queue.done(qp.key);
      return;
    }
    const started = performance.now();
    const result = schedulePod(this.framework, this.cache.snapshot(), qp.podInfo, {
      nextStartIndex: this.nextStartIndex,
      random: deps.random,
      ...(deps.percentageOfNodesToScore ? { percentageOfNodesToScore: deps.percentageOfNodesToScore } : {}),
    });
    deps.metrics.algorithmDuration.observe((performance.now() - started) / 1000);
    this.nextStartIndex = result.nextStartIndex;
    if (result.kind === 'scheduled') {
      deps.metrics.attempts.inc({ result: 'scheduled' });
      this.cache.assume(qp.podInfo, result.node);
      this.sendBind(qp, result.node);
    } else if (result.kind === 'unschedulable') {
      deps.metrics.attempts.inc({ result: 'unschedulable' });
      this.queue.addUnschedulable(qp, { unschedulablePlugins: result.fitError.unschedulablePlugins });
      this.reportUnschedulable(qp, result.fitError.message(), REASON_UNSCHEDULABLE);
    } else {
      deps.metrics.attempts.inc({ result: 'error' });
      this.ctx.log.error(
        { pod: qp.key, plugin: result.plugin, err: result.message },
        'scheduling cycle failed; the pod backs off',
      );
      this.queue.addUnschedulable(qp);
      this.reportUnschedulable(qp, result.message, REASON_SCHEDULER_ERROR);
    }
    const counts = this.queue.counts;
    deps.metrics.pending.set({ queue: 'active' }, counts.active);
    deps.metrics.pending.set({ queue: 'backoff' }, counts.backoff);
    deps.metrics.pending.set({ queue: 'unschedulable' }, counts.unschedulable);
  }

  private sendBind(qp: QueuedPod, node: string): void {
    const msg: BindMsg = { type: 'bind', qp, node, fence: this.fence, generation: this.generation };
    if (this.deps.peers.binder?.send(msg)) {
      this.bindsInFlight++;
      return;
    }
    // The binder is gone (shutdown): undo the assumption so nothing counts a bind never sent.
    this.cache.forget(qp.key);
    this.queue.addUnschedulable(qp);
  }

  private bound(qp: QueuedPod, node: string, bindMs: number, generation: number): void {
    const { deps } = this;
    if (generation === this.generation) {
      this.bindsInFlight--;
      this.cache.finishBinding(qp.key);
      this.queue.done(qp.key);
      deps.metrics.e2eDuration.observe((this.ctx.clock.now() - qp.initialAttemptTimestamp) / 1000);
    }
    // The bind happened whichever instance asked for it: users and benchmarks hear of it.
    if (deps.scheduledEvents) {
      this.record(qp.podInfo.pod, 'Normal', EVENT_SCHEDULED, scheduledMessage(qp.key, node));
    }
    deps.onBound?.(qp.key, bindMs);
  }

  private bindFailed(
    qp: QueuedPod,
    node: string,
    error: Error & { readonly reason?: string },
    generation: number,
  ): void {
    if (generation !== this.generation) return; // the replay brings the pod back if it is pending
    this.bindsInFlight--;
    this.cache.forget(qp.key);
    if (error.reason === 'NotFound') {
      this.queue.done(qp.key); // the pod is gone
      return;
    }
    this.ctx.log.warn({ pod: qp.key, node, err: error.message }, 'bind failed; retrying with backoff');
    this.queue.addUnschedulable(qp);
  }

  private lead(fence: FenceToken | undefined): void {
    this.leading = true;
    this.fence = fence;
    this.deps.metrics.leader.set(1);
  }

  private follow(): void {
    // Binds already sent carry the old fence: the API server refuses them if the lease moved on.
    this.leading = !this.deps.leaderElection;
    this.fence = undefined;
    if (this.deps.leaderElection) this.deps.metrics.leader.set(0);
  }

  // -------------------------------------------------------------------------------------------
  // Assumed pods whose bind returned but never showed up bound.

  private armCleanup(): void {
    const { generation } = this;
    this.cleanupTimer = this.ctx.clock.setTimeout(
      () => this.ctx.self.send({ type: 'cleanup-assumed', generation }),
      DEFAULT_CLEANUP_INTERVAL_MS,
    );
  }

  private cleanupAssumed(): void {
    for (const key of this.cache.cleanupExpired()) {
      const pod = this.deps.pods.getByKey(key);
      this.ctx.log.warn({ pod: key }, 'assumed pod never showed up bound; scheduling it again');
      if (pod && this.pending(pod)) this.queue.add(newPodInfo(pod));
    }
    this.armCleanup();
  }

  // -------------------------------------------------------------------------------------------
  // What users read: PodScheduled=False (only when it changes) and Events, via the recorder.

  private reportUnschedulable(
    qp: QueuedPod,
    message: string,
    reason: typeof REASON_UNSCHEDULABLE | typeof REASON_SCHEDULER_ERROR,
  ): void {
    const pod = this.deps.pods.getByKey(qp.key) ?? qp.podInfo.pod;
    const now = `${new Date(this.ctx.clock.now()).toISOString().slice(0, 19)}Z`;
    const conditions = withPodScheduled(pod.status?.conditions, podScheduledFalse(message, now, reason));
    if (conditions) {
      this.deps.peers.recorder?.send({
        type: 'pod-conditions',
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name ?? '',
        conditions,
      });
    }
    this.record(pod, 'Warning', EVENT_FAILED_SCHEDULING, message);
  }

  private record(pod: Readonly<Pod>, eventType: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.peers.recorder?.send({ type: 'event', involved: pod, eventType, reason, message });
  }

  // -------------------------------------------------------------------------------------------
  // Informer changes: bound pods go to the cache, pending pods of this scheduler to the queue.

  private nodeChanged(change: Change<Node>): void {
    if (change.kind === 'add') {
      this.cache.addNode(change.obj);
      this.queue.moveAllToActiveOrBackoff('NodeAdd');
    } else if (change.kind === 'update') {
      this.cache.updateNode(change.obj);
      const event = nodeUpdateEvent(change.old, change.obj);
      if (event) this.queue.moveAllToActiveOrBackoff(event);
    } else {
      this.cache.removeNode(change.obj.metadata.name ?? '');
      this.queue.moveAllToActiveOrBackoff('NodeDelete');
    }
  }

  private podChanged(change: Change<Pod>): void {
    if (change.kind === 'add') this.podAdded(change.obj);
    else if (change.kind === 'update') this.podUpdated(change.old, change.obj);
    else this.podDeleted(change.obj);
  }

  private pending(p: Readonly<Pod>): boolean {
    return (
      !p.spec.nodeName &&
      !p.metadata.deletionTimestamp &&
      !isTerminal(p) &&
      p.spec.schedulerName === this.deps.schedulerName
    );
  }

  private counted(p: Readonly<Pod>): boolean {
    return Boolean(p.spec.nodeName) && !isTerminal(p);
  }

  private podAdded(p: Readonly<Pod>): void {
    if (this.counted(p)) {
      const ours = this.cache.isAssumed(podKey(p)); // our own bind showing up: counted already
      this.cache.addPod(p);
      this.queue.delete(podKey(p));
      if (!ours) this.queue.moveAllToActiveOrBackoff('AssignedPodAdd');
    } else if (this.pending(p)) {
      this.queue.add(newPodInfo(p));
    }
  }

  private podUpdated(old: Readonly<Pod>, p: Readonly<Pod>): void {
    const key = podKey(p);
    if (this.counted(p)) {
      if (!this.counted(old) || this.cache.nodeOf(key) === undefined) {
        this.podAdded(p); // just bound (or new to this instance)
        return;
      }
      this.cache.updatePod(p);
      const event = assignedPodUpdateEvent(old, p);
      if (event) this.queue.moveAllToActiveOrBackoff(event);
    } else if (this.counted(old)) {
      this.cache.removePod(old); // finished: its resources are free
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    } else if (this.pending(p)) {
      this.queue.update(newPodInfo(p));
    } else {
      this.queue.delete(key);
    }
  }

  private podDeleted(p: Readonly<Pod>): void {
    const key = podKey(p);
    if (this.cache.isAssumed(key)) this.cache.forget(key);
    if (this.counted(p)) {
      this.cache.removePod(p);
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    }
    this.queue.delete(key);
  }

  /**
   * An informer listed and `keys` is everything it holds: whatever this actor still has that is
   * not there was deleted while nobody told us (an informer restarted), so it goes now.
   */
  private informerSynced(resource: WatchedResource, keys: ReadonlySet<string>): void {
    this.synced.add(resource);
    if (resource === 'nodes') {
      for (const name of this.cache.nodeNames()) if (!keys.has(name)) this.cache.removeNode(name);
      return;
    }
    for (const key of this.cache.podKeys()) if (!keys.has(key)) this.cache.removePodByKey(key);
    for (const key of this.queue.keys()) if (!keys.has(key)) this.queue.delete(key);
  }
}
