/**
 * The scheduler actor: informers feed the cache (nodes, bound pods) and the scheduling queue
 * (pending pods); one loop takes a pod, runs a cycle, assumes the result in the cache and hands
 * the bind to the API in the background, so the next cycle starts at once. The queue is the
 * actor's mailbox: a priority mailbox with backoff, from which the loop takes one pod at a time.
 *
 *   informers ──▶ cache (nodes, bound + assumed pods)        queue ──pop──▶ cycle ──▶ assume ──▶ bind (async, fenced)
 *             └─▶ queue (pending pods of this scheduler) ◀── unschedulable / failed bind (backoff) ┘
 *
 * With leader election on, only the leader runs the loop, and each bind carries the lease's
 * fencing token: an ex-leader's late binds are refused by the API server.
 */
import type { Registry } from 'prom-client';
import type { FenceToken } from '../../protocol/api.js';
import type { ApiClient } from '../../protocol/client/api-client.js';
import { Informer, objectKeyOf } from '../../protocol/client/informer.js';
import { LeaderElector } from '../../protocol/client/leader-election.js';
import { EventRecorder } from '../../protocol/client/recorder.js';
import type { Node } from '../../protocol/resources/node.js';
import { DEFAULT_SCHEDULER_NAME, type Pod } from '../../protocol/resources/pod.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import { Binder } from './binder.js';
import { SchedulerCache } from './cache/cache.js';
import {
  EVENT_FAILED_SCHEDULING,
  EVENT_SCHEDULED,
  podScheduledFalse,
  scheduledMessage,
  withPodScheduled,
} from './conditions.js';
import { schedulePod } from './framework/cycle.js';
import { type Framework, newFramework } from './framework/framework.js';
import { isTerminal, newPodInfo, podKey } from './framework/pod-info.js';
import { type SchedulerMetrics, schedulerMetrics } from './metrics.js';
import { assignedPodUpdateEvent, nodeUpdateEvent } from './queue/events.js';
import { type QueuedPod, SchedulingQueue } from './queue/queue.js';

/** The Lease replicas compete for, as kube-scheduler's. */
export const SCHEDULER_LEASE = { namespace: 'kube-system', name: 'skiff-scheduler' } as const;

export interface SchedulerOptions {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  /** Pods whose `spec.schedulerName` is this are ours (default `default-scheduler`). */
  readonly schedulerName?: string;
  /** This replica's identity in the Lease. */
  readonly identity: string;
  /** Campaign for the Lease before scheduling (default true); off for a single replica. */
  readonly leaderElection?:
    | boolean
    | { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Binds in flight at once (default 256): a cycle never waits for the API. */
  readonly bindConcurrency?: number;
  readonly percentageOfNodesToScore?: number;
  /** Record a `Scheduled` Event per pod (default true). */
  readonly scheduledEvents?: boolean;
  /** Called after each successful bind (benchmarks). */
  readonly onBound?: (key: string, bindMs: number) => void;
}

/** One scheduler replica. */
export class Scheduler {
  readonly metrics: SchedulerMetrics;
  private readonly framework: Framework;
  private readonly cache: SchedulerCache;
  private readonly queue: SchedulingQueue;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly recorder: EventRecorder;
  private readonly binder: Binder;
  private readonly elector: LeaderElector | undefined;
  private fence: FenceToken | undefined;
  private loop: Promise<void> | undefined;
  /** Resolves while this replica may schedule; replaced by a pending promise when it stops leading. */
  private leading: Promise<void>;
  private becomeLeader: () => void = () => undefined;
  private nextStartIndex = 0;
  private readonly name: string;

  constructor(private readonly options: SchedulerOptions) {
    const { client, clock, log } = options;
    this.leading = new Promise((resolve) => {
      this.becomeLeader = resolve;
    });
    this.name = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.metrics = schedulerMetrics(options.registry);
    this.framework = newFramework();
    this.cache = new SchedulerCache({ clock, log });
    this.queue = new SchedulingQueue({ clock, log, pluginEvents: this.framework.pluginEvents });
    this.pods = new Informer<Pod>({ client, resource: 'pods', clock, log });
    this.nodes = new Informer<Node>({ client, resource: 'nodes', clock, log });
    this.recorder = new EventRecorder({
      client,
      clock,
      log,
      component: this.name,
      instance: options.identity,
    });
    this.binder = new Binder({
      client,
      clock,
      log,
      concurrency: options.bindConcurrency ?? 256,
      fence: () => this.fence,
      onSuccess: (qp, node, ms) => this.bound(qp, node, ms),
      onFailure: (qp, node, err) => this.bindFailed(qp, node, err),
      metrics: this.metrics,
    });
    if (options.leaderElection !== false) {
      const timing = typeof options.leaderElection === 'object' ? options.leaderElection : {};
      this.elector = new LeaderElector({
        client,
        clock,
        log,
        lease: SCHEDULER_LEASE,
        identity: options.identity,
        ...timing,
        onStartedLeading: (fence) => this.lead(fence),
        onStoppedLeading: () => this.follow(),
      });
    }
  }

  /** Syncs the caches, then campaigns (or starts scheduling at once without leader election). */
  async start(): Promise<void> {
    this.nodes.on({
      add: (n) => {
        this.cache.addNode(n);
        this.queue.moveAllToActiveOrBackoff('NodeAdd');
      },
      update: (old, n) => {
        this.cache.updateNode(n);
        const event = nodeUpdateEvent(old, n);
        if (event) this.queue.moveAllToActiveOrBackoff(event);
      },
      delete: (n) => {
        this.cache.removeNode(n.metadata.name ?? '');
        this.queue.moveAllToActiveOrBackoff('NodeDelete');
      },
    });
    this.pods.on({
      add: (p) => this.podAdded(p),
      update: (old, p) => this.podUpdated(old, p),
      delete: (p) => this.podDeleted(p),
    });
    this.cache.start((keys) => this.assumptionsExpired(keys));
    await Promise.all([this.nodes.start(), this.pods.start()]);
    this.options.log.info({ nodes: this.nodes.size, pods: this.pods.size }, 'scheduler caches synced');
    if (this.elector) this.elector.start();
    else this.lead(undefined);
  }

  /** Stops scheduling, waits for binds in flight, and gives up the lease. */
  async stop(): Promise<void> {
    this.queue.close();
    this.becomeLeader(); // a follower's loop waits for leadership: let it see the closed queue
    await this.loop;
    await this.binder.drain();
    await this.elector?.stop();
    await Promise.all([this.pods.stop(), this.nodes.stop()]);
    this.cache.stop();
    await this.recorder.flush();
  }

  private lead(fence: FenceToken | undefined): void {
    this.fence = fence;
    this.metrics.leader.set(1);
    this.becomeLeader();
    this.loop ??= this.run();
  }

  private follow(): void {
    // Binds already sent carry the old fence: the API server refuses them if the lease moved on.
    this.fence = undefined;
    this.metrics.leader.set(0);
    this.leading = new Promise((resolve) => {
      this.becomeLeader = resolve;
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      await this.leading;
      const qp = await this.queue.pop();
      if (!qp) return;
      if (this.elector && !this.fence) {
        this.queue.addUnschedulable(qp); // leadership ended while waiting: leave it for the leader
        continue;
      }
      this.scheduleOne(qp);
      await this.binder.slot();
      const counts = this.queue.counts;
      this.metrics.pending.set({ queue: 'active' }, counts.active);
      this.metrics.pending.set({ queue: 'backoff' }, counts.backoff);
      this.metrics.pending.set({ queue: 'unschedulable' }, counts.unschedulable);
    }
  }

  /** One cycle. No await between the cycle and `assume`: the snapshot is the cache's live state. */
  private scheduleOne(qp: QueuedPod): void {
    const started = performance.now();
    const result = schedulePod(this.framework, this.cache.snapshot(), qp.podInfo, {
      nextStartIndex: this.nextStartIndex,
      random: Math.random,
      ...(this.options.percentageOfNodesToScore
        ? { percentageOfNodesToScore: this.options.percentageOfNodesToScore }
        : {}),
    });
    this.metrics.algorithmDuration.observe((performance.now() - started) / 1000);
    this.nextStartIndex = result.nextStartIndex;
    if (result.kind === 'scheduled') {
      this.metrics.attempts.inc({ result: 'scheduled' });
      this.cache.assume(qp.podInfo, result.node);
      this.binder.bind(qp, result.node);
      return;
    }
    if (result.kind === 'unschedulable') {
      this.metrics.attempts.inc({ result: 'unschedulable' });
      this.queue.addUnschedulable(qp, { unschedulablePlugins: result.fitError.unschedulablePlugins });
      this.reportUnschedulable(qp, result.fitError.message(), 'Unschedulable');
      return;
    }
    this.metrics.attempts.inc({ result: 'error' });
    this.options.log.error(
      { pod: qp.key, plugin: result.plugin, err: result.message },
      'scheduling cycle failed',
    );
    this.queue.addUnschedulable(qp);
    this.reportUnschedulable(qp, result.message, 'SchedulerError');
  }

  private bound(qp: QueuedPod, node: string, bindMs: number): void {
    this.cache.finishBinding(qp.key);
    this.queue.done(qp.key);
    this.metrics.e2eDuration.observe((this.options.clock.now() - qp.initialAttemptTimestamp) / 1000);
    if (this.options.scheduledEvents !== false) {
      this.recorder.event(qp.podInfo.pod, 'Normal', EVENT_SCHEDULED, scheduledMessage(qp.key, node));
    }
    this.options.onBound?.(qp.key, bindMs);
  }

  private bindFailed(qp: QueuedPod, node: string, err: Error & { reason?: string }): void {
    this.cache.forget(qp.key);
    if (err.reason === 'NotFound') {
      this.queue.done(qp.key); // the pod is gone
      return;
    }
    this.options.log.warn({ pod: qp.key, node, err: err.message }, 'bind failed; retrying with backoff');
    this.queue.addUnschedulable(qp);
  }

  /** Sets `PodScheduled=False` with the reason on the pod (only when it changes) and records an Event. */
  private reportUnschedulable(
    qp: QueuedPod,
    message: string,
    reason: 'Unschedulable' | 'SchedulerError',
  ): void {
    const pod = this.pods.getByKey(qp.key) ?? qp.podInfo.pod;
    const now = `${new Date(this.options.clock.now()).toISOString().slice(0, 19)}Z`;
    const conditions = withPodScheduled(pod.status?.conditions, podScheduledFalse(message, now, reason));
    if (conditions) {
      void this.options.client
        .patch(
          'pods',
          pod.metadata.namespace ?? 'default',
          pod.metadata.name ?? '',
          { status: { conditions } },
          'application/merge-patch+json',
          {
            subresource: 'status',
          },
        )
        .catch((err: Error) =>
          this.options.log.warn({ pod: qp.key, err: err.message }, 'could not update PodScheduled'),
        );
    }
    this.recorder.event(pod, 'Warning', EVENT_FAILED_SCHEDULING, message);
  }

  private assumptionsExpired(keys: readonly string[]): void {
    for (const key of keys) {
      const pod = this.pods.getByKey(key);
      this.options.log.warn({ pod: key }, 'assumed pod never showed up bound; scheduling it again');
      if (pod && this.pending(pod)) this.queue.add(newPodInfo(pod));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pod informer events: bound pods go to the cache, pending pods of this scheduler to the queue.

  private pending(p: Pod): boolean {
    return (
      !p.spec.nodeName &&
      !p.metadata.deletionTimestamp &&
      !isTerminal(p) &&
      p.spec.schedulerName === this.name
    );
  }

  private counted(p: Pod): boolean {
    return Boolean(p.spec.nodeName) && !isTerminal(p);
  }

  private podAdded(p: Pod): void {
    if (this.counted(p)) {
      const ours = this.cache.isAssumed(podKey(p)); // our own bind showing up: counted already
      this.cache.addPod(p);
      this.queue.delete(podKey(p));
      if (!ours) this.queue.moveAllToActiveOrBackoff('AssignedPodAdd');
    } else if (this.pending(p)) {
      this.queue.add(newPodInfo(p));
    }
  }

  private podUpdated(old: Pod, p: Pod): void {
    const key = objectKeyOf(p);
    if (this.counted(p)) {
      if (!this.counted(old)) {
        this.podAdded(p); // just bound
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

  private podDeleted(p: Pod): void {
    const key = objectKeyOf(p);
    if (this.cache.isAssumed(key)) this.cache.forget(key);
    if (this.counted(p)) {
      this.cache.removePod(p);
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    }
    this.queue.delete(key);
  }
}
