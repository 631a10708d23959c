/**
 * The plugin-facing vocabulary of the scheduling framework, in one import: the extension-point
 * interfaces (this file) and, re-exported, Status, PodInfo, NodeInfo and CycleState, which live
 * in their own files so that none of them grows into a god file.
 *
 *   PreFilter(pod, snapshot)      once per cycle: precompute, or Skip the plugin's Filter
 *   Filter(pod, node)             per sampled node: Success, or a rejection with reasons
 *   PreScore(pod, feasible)       once per cycle: precompute, or Skip the plugin's Score
 *   Score(pod, node)              per feasible node: an integer, then
 *   NormalizeScore(scores)        once per cycle: bring the scores to 0..100
 *
 * A plugin is a class implementing the interfaces of the points it extends, built by a factory
 * its folder exports next to its `NAME`. Plugins hold no per-pod state between calls: whatever
 * one cycle needs goes through the CycleState, so one instance serves every cycle.
 */
import type { CycleState } from './cycle-state.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Status } from './status.js';

export { CycleState, type StateKey, stateKey } from './cycle-state.js';
export type { NodeInfo, NodeResources } from './node-info.js';
export type { HostPort, PodInfo, ResourceRequests, ScalarAmount } from './pod-info.js';
export {
  type Code,
  errorStatus,
  isRejection,
  isSuccess,
  SKIP,
  type Status,
  SUCCESS,
  unresolvable,
  unschedulable,
} from './status.js';

/** The highest score a plugin may give a node after normalization (kube's `MaxNodeScore`). */
export const MAX_NODE_SCORE = 100;

/**
 * Cluster changes that may make an unschedulable pod schedulable. Plugins register the ones that
 * could undo their own rejections; the queue retries a pod only on an event registered by a
 * plugin that rejected it (kube's EnqueueExtensions / ClusterEvent).
 */
export const CLUSTER_EVENTS = [
  'NodeAdd',
  'NodeUpdate',
  'NodeDelete',
  'AssignedPodAdd',
  'AssignedPodUpdate',
  'AssignedPodDelete',
] as const;
export type ClusterEvent = (typeof CLUSTER_EVENTS)[number];

/** The nodes a cycle looks at. The cache's live view: read it synchronously, never keep it. */
export interface Snapshot {
  /** Every schedulable-candidate node (nodes known to the cache), in a stable order. */
  readonly nodes: readonly NodeInfo[];
  /** The NodeInfo of `name`, if the cache knows that node. */
  get(name: string): NodeInfo | undefined;
  /** Bumped on every change to the cache. */
  readonly generation: number;
  /**
   * Node name → number of pods (bound and assumed) whose controller owner has uid `ownerUid`.
   * Indexed by owner rather than stored per node: a score then reads one small map that stays in
   * the CPU cache, instead of one map per node for 500 nodes (measured: the per-node maps were the
   * single most expensive line of the cycle).
   */
  podsOfOwner(ownerUid: string): ReadonlyMap<string, number>;
  /** The placed pods (bound and assumed) that carry required anti-affinity terms, with their node. */
  podsWithRequiredAntiAffinity(): Iterable<PlacedPod>;
}

/** A pod and the node it is counted on. */
export interface PlacedPod {
  readonly pod: PodInfo;
  readonly nodeName: string;
}

/** What every plugin has: its name, as registered and as shown in logs. */
export interface Plugin {
  readonly name: string;
}

/** A plugin that can reject pods says which cluster events could undo its rejections. */
export interface EnqueueExtensions {
  readonly events: readonly ClusterEvent[];
}

/** Runs once per cycle before Filter: precompute into the CycleState, reject early, or Skip. */
export interface PreFilterPlugin extends Plugin, EnqueueExtensions {
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status;
}

/** Runs for each sampled node: `SUCCESS` (the shared constant) or a rejection. Must not allocate on success. */
export interface FilterPlugin extends Plugin, EnqueueExtensions {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

/**
 * Runs once per cycle before Score, with the feasible nodes (a scratch array: read it during the
 * call, never keep it). Returning `SKIP` skips this plugin's Score for the cycle.
 */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: Snapshot): Status;
}

/** Scores a feasible node; the framework multiplies the (normalized) score by the plugin's weight. */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /**
   * Rewrites `scores` (one per node of `nodes`, same order) in place to 0..MAX_NODE_SCORE. Without
   * it, `score` must already return 0..MAX_NODE_SCORE.
   */
  normalizeScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: Float64Array): void;
}

/** Builds a plugin instance; registered by name in the registry. */
export type PluginFactory = () => Plugin;
