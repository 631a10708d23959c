/**
 * PodTopologySpread's hard constraints (`whenUnsatisfiable: DoNotSchedule`), as kube-scheduler:
 * placing the pod on a node of domain D must keep
 *
 *   count(D) + selfMatch - min over eligible domains of count  <=  maxSkew
 *
 * where a domain is a value of the topology label, `count` is the number of existing pods in the
 * pod's namespace matching the constraint's selector on the domain's nodes, and the eligible nodes
 * are those the pod could go to by its node selector and required node affinity and that carry
 * every constraint's topology label. With `minDomains` and fewer eligible domains than that, the
 * minimum is taken as 0.
 *
 * Cost: a zone-like key needs one pass over the cluster in PreFilter, as in kube-scheduler. The
 * hostname key does not: a node's count comes from the cache's index in Filter, and the minimum
 * stops at the first eligible node with no matching pod, which, while a workload has fewer
 * replicas than the cluster has nodes, is among the first few nodes.
 */
import type { NodeInfo, PodInfo, Snapshot, Status } from '../../framework/types.js';
import { SUCCESS, unresolvable, unschedulable } from '../../framework/types.js';
import { RequiredNodeAffinity } from '../../helpers/node-affinity.js';
import {
  type Constraint,
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  HOSTNAME_KEY,
  hasAllKeys,
} from './common.js';

const REJECTED = unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
// Unresolvable: no eviction gives a node the label it lacks.
const REJECTED_NO_LABEL = unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);

/** What PreFilter computes for Filter. */
export interface FilterState {
  readonly constraints: readonly Constraint[];
  readonly affinity: RequiredNodeAffinity;
  /** Per constraint: matching pods per domain; undefined for a hostname constraint (read per node). */
  readonly domainCounts: readonly (Map<string, number> | undefined)[];
  /** Per constraint: the global minimum; Infinity when no node is eligible (nothing to skew against). */
  readonly minCounts: readonly number[];
}

/** Counts matching pods per domain and the minimum per constraint, over the whole snapshot. */
export function buildFilterState(
  pod: PodInfo,
  constraints: readonly Constraint[],
  snapshot: Snapshot,
): FilterState {
  const affinity = RequiredNodeAffinity.of(pod.pod);
  const nodes = snapshot.nodes;
  // minDomains needs the number of hostname domains, so it takes the counting path.
  const perNode = constraints.map((c) => c.topologyKey === HOSTNAME_KEY && c.minDomains === undefined);
  const domainCounts = constraints.map((_, i) => (perNode[i] ? undefined : new Map<string, number>()));
  const minCounts = constraints.map(() => Number.POSITIVE_INFINITY);

  // Domain counts: one pass over the cluster. Indexed loops without closures: this pass runs for
  // every node for every pod with a zone-like constraint.
  if (domainCounts.some((d) => d !== undefined)) {
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n] as NodeInfo;
      if (!hasAllKeys(node, constraints) || !affinity.matches(node)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const counts = domainCounts[i];
        if (counts === undefined) continue;
        const c = constraints[i] as Constraint;
        const domain = node.labels[c.topologyKey] as string;
        counts.set(domain, (counts.get(domain) ?? 0) + c.counter.count(node));
      }
    }
    constraints.forEach((c, i) => {
      const counts = domainCounts[i];
      if (counts === undefined) return;
      let min = Number.POSITIVE_INFINITY;
      for (const count of counts.values()) min = Math.min(min, count);
      const tooFewDomains = c.minDomains !== undefined && counts.size < c.minDomains;
      minCounts[i] = tooFewDomains ? 0 : min;
    });
  }

  // Hostname: only the minimum is needed, and it cannot go below zero.
  constraints.forEach((c, i) => {
    if (!perNode[i]) return;
    let min = Number.POSITIVE_INFINITY;
    for (let n = 0; n < nodes.length && min > 0; n++) {
      const node = nodes[n] as NodeInfo;
      if (hasAllKeys(node, constraints) && affinity.matches(node)) min = Math.min(min, c.counter.count(node));
    }
    minCounts[i] = min;
  });
  return { constraints, affinity, domainCounts, minCounts };
}

/** Checks every hard constraint for `node`. */
export function filterNode(state: FilterState, node: NodeInfo): Status {
  const { constraints, domainCounts, minCounts } = state;
  if (!hasAllKeys(node, constraints)) return REJECTED_NO_LABEL;
  // An ineligible node's pods were never counted in its domain: its count reads as 0, as in kube.
  let eligible: boolean | undefined;
  for (let i = 0; i < constraints.length; i++) {
    const c = constraints[i] as Constraint;
    const counts = domainCounts[i];
    let count: number;
    if (counts !== undefined) count = counts.get(node.labels[c.topologyKey] ?? '') ?? 0;
    else {
      eligible ??= state.affinity.matches(node);
      count = eligible ? c.counter.count(node) : 0;
    }
    if (count + c.selfMatch - (minCounts[i] as number) > c.maxSkew) return REJECTED;
  }
  return SUCCESS;
}

/** True when `pod` has no hard constraint (its Filter can be skipped). */
export function hasHardConstraints(pod: PodInfo): boolean {
  return (pod.pod.spec.topologySpreadConstraints ?? []).some((c) => c.whenUnsatisfiable === 'DoNotSchedule');
}
