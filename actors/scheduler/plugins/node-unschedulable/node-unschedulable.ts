/**
 * NodeUnschedulable: a cordoned node (`spec.unschedulable: true`, `kubectl cordon`) takes no new
 * pod, unless the pod tolerates the taint that stands for cordoning,
 * `node.kubernetes.io/unschedulable:NoSchedule` (DaemonSet pods do, so that a drained node still
 * runs its node agents).
 *
 * The toleration check runs only for cordoned nodes, which are few: the usual node costs one
 * boolean read, which is why this plugin has no PreFilter.
 */
import type { Taint } from '../../../../protocol/resources/scheduling.js';
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type Status,
  SUCCESS,
  unresolvable,
} from '../../framework/types.js';
import { toleratesTaint } from '../../helpers/taints.js';

/** The plugin's registered name. */
export const NAME = 'NodeUnschedulable';

/** Shown for every cordoned node the pod may not use. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** The taint a pod tolerates to be allowed onto a cordoned node (kube's `TaintNodeUnschedulable`). */
export const UNSCHEDULABLE_TAINT: Taint = Object.freeze({
  key: 'node.kubernetes.io/unschedulable',
  effect: 'NoSchedule',
});

const REJECTED = unresolvable(ERR_REASON_UNSCHEDULABLE);

/** Keeps pods off cordoned nodes. */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = NAME;
  // Uncordoning is a node update; a new node may come uncordoned.
  readonly events = ['NodeAdd', 'NodeUpdate'] as const;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable) return SUCCESS;
    const tolerations = pod.pod.spec.tolerations ?? [];
    // Unresolvable: evicting pods does not uncordon a node.
    return toleratesTaint(tolerations, UNSCHEDULABLE_TAINT) ? SUCCESS : REJECTED;
  }
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new NodeUnschedulable();
}
