/**
 * The scheduler cache: nodes and the pods placed on them, with pods the scheduler has decided on
 * but not yet seen bound ("assumed"), as kube-scheduler's `internal/cache`.
 *
 *   assume(pod, node) ──▶ assumed (counts on node now)
 *        │ finishBinding(key)        │ forget(key): bind failed
 *        ▼                           ▼
 *   assumed, TTL running ──────▶ dropped
 *        │ addPod (informer sees it bound)      │ TTL elapsed: cleanupExpired()
 *        ▼                                      ▼
 *   added (confirmed; no double count)       dropped
 *
 * Why assume: a bind takes an API round trip, and the informer reports the bound pod later still.
 * If the pod only counted once the informer saw it, every pod scheduled in between would see the
 * node as empty and the node would be overbooked. The TTL starts at `finishBinding` (the bind call
 * returned), never before, so a slow bind is never expired in flight; if the informer then never
 * shows the pod (the bind was lost), the assumption goes after `ttlMs`.
 *
 * The snapshot is the live state, not a copy: the scheduling loop is single-threaded and a cycle is
 * synchronous, so no event can change the cache in the middle of a cycle, and copying 5,000
 * NodeInfos per pod would cost more than the cycle itself. The one rule for callers: run the cycle
 * and `assume` without an `await` in between.
 */

import type { Clock, Timer } from '../../../protocol/clock.js';
import { SchedulerCacheError } from '../../../protocol/errors.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { Logger } from '../../kernel/log.js';
import { NodeInfoRecord } from '../framework/node-info.js';
import { isTerminal, newPodInfo, type PodInfo, podKey } from '../framework/pod-info.js';
import type { NodeInfo, PlacedPod, Snapshot } from '../framework/types.js';

/** kube-scheduler's default: an assumed pod not seen bound 30 s after its bind returned is dropped. */
export const DEFAULT_ASSUMED_POD_TTL_MS = 30_000;
/** How often `start()` runs `cleanupExpired` (kube-scheduler: every second). */
export const DEFAULT_CLEANUP_INTERVAL_MS = 1_000;

const NO_OWNER_PODS: ReadonlyMap<string, number> = new Map();

/** What the cache depends on. */
export interface SchedulerCacheOptions {
  readonly clock: Clock;
  /** How long an assumed pod waits for its informer event after `finishBinding`. */
  readonly ttlMs?: number;
  readonly cleanupIntervalMs?: number;
  readonly log?: Logger;
}

interface PodState {
  pod: PodInfo;
  nodeName: string;
  assumed: boolean;
  /** Set by finishBinding: when the assumption expires. */
  deadline: number | undefined;
}

/** Nodes, bound pods and assumed pods, with per-node aggregates kept incrementally. */
export class SchedulerCache {
  private readonly nodeInfos = new Map<string, NodeInfoRecord>();
  /** The snapshot's node list; a node's index is kept in `positions` for O(1) removal. */
  private readonly list: NodeInfoRecord[] = [];
  private readonly positions = new Map<string, number>();
  /** Pods bound to nodes the cache does not know (the pod's event came before its node's). */
  private readonly orphans = new Map<string, Map<string, PodInfo>>();
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedKeys = new Set<string>();
  /** Owner uid → node name → pods of that owner on that node (see `Snapshot.podsOfOwner`). */
  private readonly owners = new Map<string, Map<string, number>>();
  /** Placed pods with required anti-affinity: few, and every cycle must check them. */
  private readonly antiAffinityPods = new Map<string, PlacedPod>();
  private readonly ttlMs: number;
  private readonly view: Snapshot;
  private generation = 0;
  private cleanupTimer: Timer | undefined;

  constructor(private readonly options: SchedulerCacheOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_ASSUMED_POD_TTL_MS;
    const generation = () => this.generation;
    this.view = {
      nodes: this.list,
      get: (name) => this.nodeInfos.get(name),
      get generation() {
        return generation();
      },
      podsOfOwner: (ownerUid) => this.owners.get(ownerUid) ?? NO_OWNER_PODS,
      podsWithRequiredAntiAffinity: () => this.antiAffinityPods.values(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Nodes (from the node informer).

  /** Adds a node, or replaces it when known; pods already reported on it are counted on it. */
  addNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const existing = this.nodeInfos.get(name);
    if (existing !== undefined) {
      existing.setNode(node);
    } else {
      const info = new NodeInfoRecord(node);
      this.nodeInfos.set(name, info);
      this.positions.set(name, this.list.length);
      this.list.push(info);
      for (const pod of this.orphans.get(name)?.values() ?? []) info.addPod(pod);
      this.orphans.delete(name);
    }
    this.generation++;
  }

  /** Replaces a node (labels, taints, allocatable, cordon). */
  updateNode(node: Node): void {
    this.addNode(node);
  }

  /**
   * Removes a node. Its pods stay known, as orphans, until their own delete events arrive: the
   * informers do not order node and pod events, and a node that comes back must count them.
   */
  removeNode(name: string): void {
    const info = this.nodeInfos.get(name);
    if (info === undefined) return;
    this.nodeInfos.delete(name);
    // Swap-remove keeps removal O(1); the order of nodes only decides where sampling starts.
    const index = this.positions.get(name) as number;
    const last = this.list.pop() as NodeInfoRecord;
    if (last !== info) {
      this.list[index] = last;
      this.positions.set(last.name, index);
    }
    this.positions.delete(name);
    if (info.pods.size > 0) this.orphans.set(name, new Map(info.pods));
    this.generation++;
  }

  // -------------------------------------------------------------------------------------------
  // Bound pods (from the informer of pods with `spec.nodeName` set).

  /**
   * A pod the informer reports bound. If it was assumed, the assumption is confirmed and
   * replaced, counted once; if it landed elsewhere than assumed, it moves there. A terminal pod
   * (Succeeded/Failed) frees its resources, so it is removed instead.
   */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (isTerminal(pod)) {
      this.removePodByKey(key);
      return;
    }
    const nodeName = pod.spec.nodeName;
    if (!nodeName) {
      this.options.log?.warn({ pod: key }, 'scheduler cache: ignoring a pod without spec.nodeName');
      return;
    }
    const info = newPodInfo(pod, state?.pod);
    if (state !== undefined) {
      if (state.assumed && state.nodeName !== nodeName) {
        this.options.log?.warn(
          { pod: key, assumed: state.nodeName, actual: nodeName },
          'scheduler cache: pod bound to another node than assumed',
        );
      }
      this.unplace(state.pod, state.nodeName);
    }
    this.assumedKeys.delete(key);
    this.place(info, nodeName);
    this.podStates.set(key, { pod: info, nodeName, assumed: false, deadline: undefined });
    this.generation++;
  }

  /** A bound pod changed (labels for spreading, phase): same as `addPod`. */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** A bound (or assumed) pod is gone: its node gets its resources back. */
  removePod(pod: Pod): void {
    this.removePodByKey(podKey(pod));
  }

  // -------------------------------------------------------------------------------------------
  // Assumed pods (from the scheduling loop).

  /**
   * Counts `pod` on `nodeName` at once, before the bind. Throws SchedulerCacheError when the pod is
   * already in the cache (assumed or bound): the scheduling loop must never place a pod twice.
   */
  assume(pod: PodInfo, nodeName: string): void {
    if (this.podStates.has(pod.key)) {
      throw new SchedulerCacheError(`pod ${pod.key} is already in the scheduler cache; cannot assume it`);
    }
    this.place(pod, nodeName);
    this.podStates.set(pod.key, { pod, nodeName, assumed: true, deadline: undefined });
    this.assumedKeys.add(pod.key);
    this.generation++;
  }

  /** The bind call returned: start the assumption's TTL. False when `key` is not assumed. */
  finishBinding(key: string): boolean {
    const state = this.podStates.get(key);
    if (state === undefined || !state.assumed) return false;
    state.deadline = this.options.clock.now() + this.ttlMs;
    return true;
  }

  /** The bind failed: drop the assumption. False when `key` is not assumed (already confirmed or gone). */
  forget(key: string): boolean {
    const state = this.podStates.get(key);
    if (state === undefined || !state.assumed) return false;
    this.removePodByKey(key);
    return true;
  }

  /** True while `key` is assumed and not yet confirmed by the informer. */
  isAssumed(key: string): boolean {
    return this.assumedKeys.has(key);
  }

  /** Drops assumptions whose TTL elapsed; returns their keys (for logs and requeueing). */
  cleanupExpired(): string[] {
    const now = this.options.clock.now();
    const expired: string[] = [];
    for (const key of this.assumedKeys) {
      const deadline = this.podStates.get(key)?.deadline;
      if (deadline !== undefined && now >= deadline) expired.push(key);
    }
    for (const key of expired) {
      this.options.log?.warn({ pod: key }, 'scheduler cache: assumed pod expired; its bind was never seen');
      this.removePodByKey(key);
    }
    return expired;
  }

  /** Runs `cleanupExpired` every `cleanupIntervalMs` on the clock until `stop()`. */
  start(onExpired?: (keys: readonly string[]) => void): void {
    if (this.cleanupTimer !== undefined) return;
    const interval = this.options.cleanupIntervalMs ?? DEFAULT_CLEANUP_INTERVAL_MS;
    const tick = () => {
      const expired = this.cleanupExpired();
      if (expired.length > 0) onExpired?.(expired);
      this.cleanupTimer = this.options.clock.setTimeout(tick, interval);
    };
    this.cleanupTimer = this.options.clock.setTimeout(tick, interval);
  }

  /** Stops the cleanup timer. */
  stop(): void {
    this.cleanupTimer?.cancel();
    this.cleanupTimer = undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Reading.

  /** The view a cycle reads: the live NodeInfos (see the module comment for why not a copy). */
  snapshot(): Snapshot {
    return this.view;
  }

  /** The NodeInfo of `name`, if known. */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodeInfos.get(name);
  }

  /** The node `key` is counted on (assumed or bound), if the cache holds the pod. */
  nodeOf(key: string): string | undefined {
    return this.podStates.get(key)?.nodeName;
  }

  /** Keys of every pod the cache counts, bound or assumed. */
  podKeys(): string[] {
    return [...this.podStates.keys()];
  }

  /** Names of the nodes the cache knows. */
  nodeNames(): string[] {
    return [...this.nodeInfos.keys()];
  }

  /** Drops a pod by key, bound or assumed (its delete event was missed: a relist no longer shows it). */
  removePodByKey(key: string): void {
    const state = this.podStates.get(key);
    if (state === undefined) return;
    this.unplace(state.pod, state.nodeName);
    this.podStates.delete(key);
    this.assumedKeys.delete(key);
    this.generation++;
  }

  /** Counts for metrics and tests. */
  get stats(): { readonly nodes: number; readonly pods: number; readonly assumed: number } {
    return { nodes: this.list.length, pods: this.podStates.size, assumed: this.assumedKeys.size };
  }

  // -------------------------------------------------------------------------------------------

  /** Counts a pod on its node, or as an orphan when the node is not known yet. */
  private place(pod: PodInfo, nodeName: string): void {
    if (pod.requiredAntiAffinityTerms.length > 0) this.antiAffinityPods.set(pod.key, { pod, nodeName });
    if (pod.ownerUid !== undefined) {
      let perNode = this.owners.get(pod.ownerUid);
      if (perNode === undefined) {
        perNode = new Map();
        this.owners.set(pod.ownerUid, perNode);
      }
      perNode.set(nodeName, (perNode.get(nodeName) ?? 0) + 1);
    }
    const info = this.nodeInfos.get(nodeName);
    if (info !== undefined) {
      info.addPod(pod);
      return;
    }
    let pods = this.orphans.get(nodeName);
    if (pods === undefined) {
      pods = new Map();
      this.orphans.set(nodeName, pods);
    }
    pods.set(pod.key, pod);
  }

  private unplace(pod: PodInfo, nodeName: string): void {
    this.antiAffinityPods.delete(pod.key);
    const perNode = pod.ownerUid === undefined ? undefined : this.owners.get(pod.ownerUid);
    if (perNode !== undefined) {
      const left = (perNode.get(nodeName) ?? 0) - 1;
      if (left > 0) perNode.set(nodeName, left);
      else perNode.delete(nodeName);
      if (perNode.size === 0) this.owners.delete(pod.ownerUid as string);
    }
    if (this.nodeInfos.get(nodeName)?.removePod(pod.key)) return;
    const pods = this.orphans.get(nodeName);
    pods?.delete(pod.key);
    if (pods?.size === 0) this.orphans.delete(nodeName);
  }
}
