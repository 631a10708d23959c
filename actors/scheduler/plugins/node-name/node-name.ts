/**
 * NodeName: a pod that names its node (`spec.nodeName`) fits only that node.
 *
 * Pods the API already bound never reach the scheduler; this plugin matters for a pod that asks
 * for a node by name and still goes through scheduling (kube-scheduler keeps the same plugin for
 * the same reason, and preemption relies on it). PreFilter skips the Filter for every pod that
 * names no node, which is almost all of them, so the common cycle pays nothing here.
 */
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreFilterPlugin,
  SKIP,
  type Status,
  SUCCESS,
  unresolvable,
} from '../../framework/types.js';

/** The plugin's registered name. */
export const NAME = 'NodeName';

/** Shown for every node that is not the one the pod names. */
export const ERR_REASON = "node(s) didn't match the requested node name";

const REJECTED = unresolvable(ERR_REASON);

/** Filters nodes by `spec.nodeName`. */
export class NodeName implements PreFilterPlugin, FilterPlugin {
  readonly name = NAME;
  // A node with that name may appear (added) or be replaced; no pod event can change the answer.
  readonly events = ['NodeAdd', 'NodeUpdate'] as const;

  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.nodeName === undefined ? SKIP : SUCCESS;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    // Unresolvable: evicting pods never renames a node, so preemption must not try here.
    return pod.nodeName === undefined || pod.nodeName === node.name ? SUCCESS : REJECTED;
  }
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new NodeName();
}
