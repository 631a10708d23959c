/**
 * Which nodes a DaemonSet's pod belongs on (Kubernetes' `NodeShouldRunDaemonPod`): the node
 * selector, the required node affinity terms, and taints, with the tolerations every daemon pod
 * gets (`AddOrUpdateDaemonPodTolerations`), so that daemons keep running on not-ready,
 * unreachable, pressured and cordoned nodes.
 *
 * Kept here rather than borrowed from the scheduler: a controller may not import another
 * component, and these few rules are all a DaemonSet needs.
 */
import type { Node } from '../../../protocol/resources/node.js';
import type { PodSpec } from '../../../protocol/resources/pod.js';
import type { NodeSelectorTerm, Taint, Toleration } from '../../../protocol/resources/scheduling.js';

/** Why a daemon pod cannot go on a node (reasons a reader can act on). */
export const REASON_NODE_SELECTOR = "node(s) didn't match Pod's node affinity/selector";
export const REASON_UNTOLERATED_TAINT = 'node(s) had untolerated taint';

/** The tolerations Kubernetes adds to every daemon pod. */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** `tolerations` plus the daemon defaults not already there. */
export function withDaemonTolerations(tolerations: readonly Toleration[] = []): Toleration[] {
  const missing = DAEMON_POD_TOLERATIONS.filter(
    (d) => !tolerations.some((t) => t.key === d.key && t.effect === d.effect && t.operator === d.operator),
  );
  return [...tolerations, ...missing];
}

/** Where a node stands for a DaemonSet. */
export interface NodeVerdict {
  /** A daemon pod should be created on the node if missing. */
  readonly shouldRun: boolean;
  /** A daemon pod already there may stay (only NoExecute taints evict). */
  readonly shouldContinueRunning: boolean;
  readonly reason?: string;
}

/** Decides whether the daemon pod of `spec` belongs on `node`. */
export function nodeShouldRunDaemonPod(node: Node, spec: PodSpec): NodeVerdict {
  if (!matchesNodeSelector(node, spec)) {
    return { shouldRun: false, shouldContinueRunning: false, reason: REASON_NODE_SELECTOR };
  }
  const tolerations = withDaemonTolerations(spec.tolerations ?? []);
  const taints = node.spec?.taints ?? [];
  const untolerated = (effects: readonly string[]) =>
    taints.some((t) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)));
  if (untolerated(['NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: false, reason: REASON_UNTOLERATED_TAINT };
  }
  if (untolerated(['NoSchedule'])) {
    return { shouldRun: false, shouldContinueRunning: true, reason: REASON_UNTOLERATED_TAINT };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** True when `toleration` tolerates `taint` (Kubernetes' `ToleratesTaint`). */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

/** `nodeSelector` AND (any required node affinity term). */
export function matchesNodeSelector(node: Node, spec: PodSpec): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[key] !== value) return false;
  }
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((term) => termMatches(term, node));
}

/** One node selector term: every requirement ANDed; an empty term matches nothing (as Kubernetes). */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of expressions) {
    if (!requirementMatches(e.operator, labels[e.key], e.values ?? [])) return false;
  }
  for (const f of fields) {
    if (f.key !== 'metadata.name') return false;
    if (!requirementMatches(f.operator, node.metadata.name, f.values ?? [])) return false;
  }
  return true;
}

function requirementMatches(operator: string, value: string | undefined, values: readonly string[]): boolean {
  switch (operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?[0-9]+$/.test(value) || values.length !== 1) return false;
      const [a, b] = [Number(value), Number(values[0])];
      return operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}
