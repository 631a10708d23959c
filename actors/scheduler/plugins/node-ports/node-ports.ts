/**
 * NodePorts: two pods cannot hold the same host port on the same address of one node.
 *
 * A port is `protocol/hostIP/hostPort`; `hostIP` 0.0.0.0 (the default) binds every address, so it
 * conflicts with the same protocol and port on any address, and any address conflicts with it
 * (kube's `HostPortInfo.CheckConflict`). The node's ports in use are indexed by the cache, both
 * per address and per protocol/port, so each check is one or two map lookups.
 *
 * Most pods ask for no host port: PreFilter then Skips, and the Filter never runs.
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
  unschedulable,
} from '../../framework/types.js';

/** The plugin's registered name. */
export const NAME = 'NodePorts';

/** Shown for every node where a requested host port is taken. */
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

const REJECTED = unschedulable(ERR_REASON);

/** Filters out nodes where one of the pod's host ports is in use. */
export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NAME;
  // A port is freed when the pod holding it goes; a new node has all ports free.
  readonly events = ['AssignedPodDelete', 'NodeAdd', 'NodeUpdate'] as const;

  preFilter(_state: CycleState, pod: PodInfo): Status {
    // The ports were collected once in the PodInfo; nothing else to precompute.
    return pod.hostPorts.length === 0 ? SKIP : SUCCESS;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    for (const p of pod.hostPorts) {
      // Unschedulable (not unresolvable): evicting the pod that holds the port would free it.
      if (node.hostPortConflict(p.protocol, p.hostIP, p.port)) return REJECTED;
    }
    return SUCCESS;
  }
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new NodePorts();
}
