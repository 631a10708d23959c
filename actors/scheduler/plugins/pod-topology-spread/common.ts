/**
 * PodTopologySpread's shared parts: the reasons, and a pod's constraints compiled once per cycle.
 */
import type { TopologySpreadConstraint } from '../../../../protocol/resources/scheduling.js';
import type { NodeInfo, PodInfo } from '../../framework/types.js';
import { PodCounter } from '../../helpers/pod-counter.js';

/** Shown for a node where placing the pod would exceed a constraint's `maxSkew`. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
/** Shown for a node that lacks a constraint's topology label: it belongs to no domain. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

/**
 * The hostname key: every node is its own domain (Kubernetes assumes the label is unique per
 * node, and so does Skiff), so a domain's count is the node's own count, read from the cache's
 * per-node index instead of being summed over the cluster.
 */
export const HOSTNAME_KEY = 'kubernetes.io/hostname';

/** One constraint, ready to count with. */
export interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly minDomains: number | undefined;
  /** Matches the pods the constraint counts: its selector (plus `matchLabelKeys`), pod's namespace. */
  readonly counter: PodCounter;
  /** 1 when the pod matches its own selector: placing it adds one to the chosen domain. */
  readonly selfMatch: number;
}

/**
 * Compiles the pod's constraints with `whenUnsatisfiable`. `matchLabelKeys` adds `key=<the pod's
 * value>` for each listed key the pod has (keys it lacks are ignored, as in Kubernetes). Throws
 * BadRequest for a selector that validation should have refused.
 */
export function compileConstraints(
  pod: PodInfo,
  whenUnsatisfiable: TopologySpreadConstraint['whenUnsatisfiable'],
): Constraint[] {
  const constraints: Constraint[] = [];
  for (const c of pod.pod.spec.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== whenUnsatisfiable) continue;
    const extra: (readonly [string, string])[] = [];
    for (const key of c.matchLabelKeys ?? []) {
      const value = pod.labels[key];
      if (value !== undefined) extra.push([key, value]);
    }
    const counter = PodCounter.of(c.labelSelector, pod.namespace, extra);
    constraints.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      minDomains: c.minDomains,
      counter,
      selfMatch: counter.matches(pod) ? 1 : 0,
    });
  }
  return constraints;
}

/** True when `node` has every constraint's topology label (else it is in no domain). */
export function hasAllKeys(node: NodeInfo, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) {
    if (node.labels[c.topologyKey] === undefined) return false;
  }
  return true;
}
