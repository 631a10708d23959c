/**
 * NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be used in the same
 * proportion after placing the pod, so that no node ends up with cpu left and no memory (or the
 * reverse) that no pod can use.
 *
 * Score, as kube-scheduler: for each of cpu and memory the fraction `requested / allocatable`
 * (with this pod, capped at 1; resources the node has none of are left out), then
 * `(1 - std) * 100`, where for two fractions the standard deviation is `|f1 - f2| / 2`.
 * Unlike LeastAllocated it counts the real requests (no 100m / 200Mi default for containers
 * without requests).
 *
 * PreScore Skips pods that request neither cpu nor memory: their fractions change nothing, and
 * scoring them would favour the already balanced nodes and pile best-effort pods there
 * (kubernetes/kubernetes#129138).
 */
import {
  type CycleState,
  MAX_NODE_SCORE,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  type Status,
  SUCCESS,
} from '../../framework/types.js';

/** The plugin's registered name (kube-scheduler's). */
export const NAME = 'NodeResourcesBalancedAllocation';

/** Scores nodes by how evenly cpu and memory would be used. */
export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  preScore(_state: CycleState, pod: PodInfo): Status {
    return pod.requests.milliCpu === 0 && pod.requests.memory === 0 ? SKIP : SUCCESS;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return balancedAllocationScore(node, pod);
  }
}

/** `(1 - std) * 100` over the cpu and memory fractions the node would have with the pod. */
export function balancedAllocationScore(node: NodeInfo, pod: PodInfo): number {
  const has = node.allocatable;
  // Written out for the two resources instead of building an array of fractions: this runs for
  // every feasible node of every pod, and the general formula reduces to |f1 - f2| / 2 here.
  const cpu = has.milliCpu > 0 ? fraction(node.requested.milliCpu + pod.requests.milliCpu, has.milliCpu) : -1;
  const memory = has.memory > 0 ? fraction(node.requested.memory + pod.requests.memory, has.memory) : -1;
  const std = cpu >= 0 && memory >= 0 ? Math.abs(cpu - memory) / 2 : 0;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

function fraction(requested: number, allocatable: number): number {
  return Math.min(1, requested / allocatable);
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new BalancedAllocation();
}
