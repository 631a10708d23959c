/**
 * InterPodAffinity (required terms): place a pod near the pods it must be with, away from the pods
 * it must not be with, and never where an existing pod's anti-affinity forbids it.
 *
 * A term selects pods (namespaces + label selector) and names a topology key; "near" means "on a
 * node with the same value of that label". Filter, as kube-scheduler, refuses a node when:
 * - a pod already placed in the node's domain has a required anti-affinity term that selects the
 *   incoming pod (`node(s) didn't satisfy existing pods anti-affinity rules`);
 * - a pod matching one of the incoming pod's required anti-affinity terms is in the node's domain
 *   for that term (`node(s) didn't match pod anti-affinity rules`);
 * - for some required affinity term, no pod matching all of them is in the node's domain, or the
 *   node lacks the topology label (`node(s) didn't match pod affinity rules`). Exception, as in
 *   kube: when no pod anywhere matches and the pod matches its own terms, it may go anywhere (the
 *   first pod of a group that wants to be together).
 *
 * PreFilter counts, per topology key and value, the pods concerned: the anti-affinity pods the
 * cache indexes (few), and, only for a pod with terms of its own, the pods of every node (one
 * pass, as kube-scheduler). A pod without terms in a cluster without anti-affinity pods Skips.
 * Preferred (soft) terms are not scored yet.
 */
import {
  type CycleState,
  errorStatus,
  type FilterPlugin,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreFilterPlugin,
  SKIP,
  type Snapshot,
  type Status,
  SUCCESS,
  stateKey,
  unresolvable,
  unschedulable,
} from '../../framework/types.js';
import { type AffinityTerm, termMatchesPod, termsAllMatchPod } from '../../helpers/affinity-term.js';

/** The plugin's registered name. */
export const NAME = 'InterPodAffinity';

/** Shown for a node whose domain holds a pod whose anti-affinity selects the incoming pod. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
/** Shown for a node whose domain lacks the pods the incoming pod's affinity requires. */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
/** Shown for a node whose domain holds pods the incoming pod's anti-affinity excludes. */
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

// Unschedulable: evicting the offending pods would resolve these two.
const REJECTED_EXISTING = unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
const REJECTED_ANTI = unschedulable(ERR_REASON_ANTI_AFFINITY);
// Unresolvable: evicting pods never brings the pods the affinity wants.
const REJECTED_AFFINITY = unresolvable(ERR_REASON_AFFINITY);
const MISSING_STATE = errorStatus('InterPodAffinity: Filter ran without its PreFilter state');

/** Topology key → value → count. Nested maps, so Filter looks up without building a string. */
type TopologyCounts = Map<string, Map<string, number>>;

interface PreFilterState {
  readonly existingAnti: TopologyCounts;
  readonly affinity: TopologyCounts;
  readonly anti: TopologyCounts;
  readonly affinityTerms: readonly AffinityTerm[];
  readonly antiTerms: readonly AffinityTerm[];
  /** No pod anywhere matches the affinity terms, and the pod matches them itself. */
  readonly firstOfGroup: boolean;
}

const PRE_FILTER_KEY = stateKey<PreFilterState>('InterPodAffinity/preFilter');

/** Filters by required pod affinity and anti-affinity. */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin {
  readonly name = NAME;
  // Pods coming and going change the counts; node labels change the domains.
  readonly events = [
    'AssignedPodAdd',
    'AssignedPodUpdate',
    'AssignedPodDelete',
    'NodeAdd',
    'NodeUpdate',
  ] as const;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    const affinityTerms = pod.requiredAffinityTerms;
    const antiTerms = pod.requiredAntiAffinityTerms;
    const existingAnti: TopologyCounts = new Map();
    for (const placed of snapshot.podsWithRequiredAntiAffinity()) {
      const node = snapshot.get(placed.nodeName);
      if (node === undefined) continue;
      for (const term of placed.pod.requiredAntiAffinityTerms) {
        if (termMatchesPod(term, pod)) increment(existingAnti, node, term.topologyKey);
      }
    }
    if (affinityTerms.length === 0 && antiTerms.length === 0 && existingAnti.size === 0) return SKIP;

    const affinity: TopologyCounts = new Map();
    const anti: TopologyCounts = new Map();
    if (affinityTerms.length > 0 || antiTerms.length > 0) {
      for (const node of snapshot.nodes) {
        for (const other of node.pods.values()) {
          if (termsAllMatchPod(affinityTerms, other)) {
            for (const term of affinityTerms) increment(affinity, node, term.topologyKey);
          }
          for (const term of antiTerms) {
            if (termMatchesPod(term, other)) increment(anti, node, term.topologyKey);
          }
        }
      }
    }
    const firstOfGroup = affinity.size === 0 && termsAllMatchPod(affinityTerms, pod);
    state.write(PRE_FILTER_KEY, { existingAnti, affinity, anti, affinityTerms, antiTerms, firstOfGroup });
    return SUCCESS;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const s = state.read(PRE_FILTER_KEY);
    if (s === undefined) return MISSING_STATE;
    // kube-scheduler's order: the pod's affinity, its anti-affinity, then the existing pods'.
    for (const term of s.affinityTerms) {
      if (node.labels[term.topologyKey] === undefined) return REJECTED_AFFINITY;
      if (countIn(s.affinity, node, term.topologyKey) === 0 && !s.firstOfGroup) return REJECTED_AFFINITY;
    }
    for (const term of s.antiTerms) {
      if (countIn(s.anti, node, term.topologyKey) > 0) return REJECTED_ANTI;
    }
    for (const [key, values] of s.existingAnti) {
      const value = node.labels[key];
      if (value !== undefined && (values.get(value) ?? 0) > 0) return REJECTED_EXISTING;
    }
    return SUCCESS;
  }
}

/** Adds one to the count of `node`'s domain for `key`; a node without the label is in no domain. */
function increment(counts: TopologyCounts, node: NodeInfo, key: string): void {
  const value = node.labels[key];
  if (value === undefined) return;
  let values = counts.get(key);
  if (values === undefined) {
    values = new Map();
    counts.set(key, values);
  }
  values.set(value, (values.get(value) ?? 0) + 1);
}

function countIn(counts: TopologyCounts, node: NodeInfo, key: string): number {
  const value = node.labels[key];
  return value === undefined ? 0 : (counts.get(key)?.get(value) ?? 0);
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new InterPodAffinity();
}
