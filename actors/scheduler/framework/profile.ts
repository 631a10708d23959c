/**
 * A scheduling profile: which plugins run, in which order, and how much each one's score weighs.
 *
 * Like kube-scheduler's `multiPoint` configuration, one list enables a plugin at every extension
 * point it implements. The order is the Filter order: a node gets the status of the first plugin
 * that rejects it (that status is what the user reads in the message), and the cheap, most
 * selective checks come first so that most rejected nodes cost one check.
 *
 * Default weights are kube-scheduler's (v1.24+ defaults): TaintToleration 3, NodeAffinity 2,
 * PodTopologySpread 2, NodeResourcesFit 1 (LeastAllocated), NodeResourcesBalancedAllocation 1.
 * InterPodAffinity (weight 2 in kube) filters only: it scores no preferred terms yet.
 * SelectorSpread gets 2: it stands in for the system-default constraints of PodTopologySpread
 * (maxSkew 3 on the hostname, ScheduleAnyway) that do default spreading in kube-scheduler, and
 * which score with PodTopologySpread's weight 2. The two never score the same pod: SelectorSpread
 * skips pods with constraints of their own, PodTopologySpread skips pods without.
 */
import { DEFAULT_SCHEDULER_NAME } from '../../../protocol/resources/pod.js';
import { IN_TREE_PLUGINS } from './registry.js';

/** One enabled plugin; `weight` applies to its Score (default 1). */
export interface PluginConfig {
  readonly name: string;
  readonly weight?: number;
}

/** A named scheduler configuration. */
export interface Profile {
  /** Pods whose `spec.schedulerName` is this are scheduled with this profile. */
  readonly schedulerName: string;
  /** Enabled plugins, in Filter order. */
  readonly plugins: readonly PluginConfig[];
  /**
   * Share of the nodes to find feasible before scoring (1..100); unset means adaptive,
   * `max(5, 50 - nodes/125)` percent, as kube-scheduler's default.
   */
  readonly percentageOfNodesToScore?: number;
}

/** The default profile for `default-scheduler`. */
export function defaultProfile(): Profile {
  return {
    schedulerName: DEFAULT_SCHEDULER_NAME,
    // One list (registry.ts) holds every plugin with its Filter position and weight.
    plugins: IN_TREE_PLUGINS.map(({ name, weight }) => (weight === undefined ? { name } : { name, weight })),
  };
}
