/**
 * NodeResourcesFit: the pod's requests must fit in what the node has left, and among the nodes
 * that fit, the least allocated scores best (the LeastAllocated strategy, kube-scheduler's
 * default), which spreads load.
 *
 * - Filter: `Too many pods` when the node is at its pod limit, and `Insufficient cpu` /
 *   `Insufficient memory` / `Insufficient ephemeral-storage` / `Insufficient <extended resource>`
 *   for each resource whose request exceeds allocatable minus requested. A node short of several
 *   resources reports all of them, so `0/N nodes are available` can count more reasons than nodes.
 *   A resource the pod does not request is never insufficient, even on an overcommitted node.
 * - Score: per resource, `(allocatable - requested) * 100 / allocatable` (integer), averaged over
 *   cpu and memory with weight 1 each, where `requested` includes this pod and counts a container
 *   without requests as 100m / 200Mi (see `PodInfo.nonZeroRequests`).
 *
 * Everything is read from the PodInfo (computed once per pod) and the NodeInfo aggregates (kept
 * by the cache), so both Filter and Score are a handful of arithmetic operations per node.
 */
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type ScorePlugin,
  type Status,
  SUCCESS,
  unschedulable,
} from '../../framework/types.js';

/** The plugin's registered name. */
export const NAME = 'NodeResourcesFit';

/** Shown for a node at its pod limit. */
export const REASON_TOO_MANY_PODS = 'Too many pods';
/** Shown for a node without enough cpu left. */
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
/** Shown for a node without enough memory left. */
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
/** Shown for a node without enough ephemeral storage left. */
export const REASON_INSUFFICIENT_EPHEMERAL_STORAGE = 'Insufficient ephemeral-storage';

/** The reason for an extended resource (`Insufficient example.com/gpu`). */
export function insufficientReason(resource: string): string {
  return `Insufficient ${resource}`;
}

// One bit per standard reason, in kube's reporting order (pods, cpu, memory, storage).
const TOO_MANY_PODS = 1;
const CPU = 2;
const MEMORY = 4;
const EPHEMERAL_STORAGE = 8;

/**
 * The rejection for every combination of the four standard reasons, built once. Full nodes are
 * common (every node that is full rejects every pod), and building a status per rejected node
 * would allocate in the hottest loop of the scheduler.
 */
const REJECTIONS: readonly Status[] = Array.from({ length: 16 }, (_, mask) =>
  unschedulable(...reasonsOf(mask)),
);

function reasonsOf(mask: number): string[] {
  const reasons: string[] = [];
  if (mask & TOO_MANY_PODS) reasons.push(REASON_TOO_MANY_PODS);
  if (mask & CPU) reasons.push(REASON_INSUFFICIENT_CPU);
  if (mask & MEMORY) reasons.push(REASON_INSUFFICIENT_MEMORY);
  if (mask & EPHEMERAL_STORAGE) reasons.push(REASON_INSUFFICIENT_EPHEMERAL_STORAGE);
  return reasons;
}

/** Filters by free resources, scores by the LeastAllocated strategy. */
export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = NAME;
  // Resources come back when a pod on the node goes, or grow with a new or resized node.
  readonly events = ['AssignedPodDelete', 'NodeAdd', 'NodeUpdate'] as const;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const want = pod.requests;
    const has = node.allocatable;
    const used = node.requested;
    let mask = 0;
    if (used.pods + 1 > has.pods) mask |= TOO_MANY_PODS;
    if (want.milliCpu > 0 && want.milliCpu > has.milliCpu - used.milliCpu) mask |= CPU;
    if (want.memory > 0 && want.memory > has.memory - used.memory) mask |= MEMORY;
    if (want.ephemeralStorage > 0 && want.ephemeralStorage > has.ephemeralStorage - used.ephemeralStorage) {
      mask |= EPHEMERAL_STORAGE;
    }
    // Extended resources: usually none, so this loop is empty for ordinary pods.
    let extra: string[] | undefined;
    for (const s of want.scalars) {
      if (s.amount > (has.scalars.get(s.name) ?? 0) - (used.scalars.get(s.name) ?? 0)) {
        extra ??= [];
        extra.push(insufficientReason(s.name));
      }
    }
    if (extra !== undefined) return unschedulable(...reasonsOf(mask), ...extra);
    return mask === 0 ? SUCCESS : (REJECTIONS[mask] as Status);
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return leastAllocatedScore(node, pod);
  }
}

/**
 * LeastAllocated: the mean over cpu and memory (weight 1 each) of the free share after placing
 * the pod, 0..100; resources the node has none of are left out of the mean.
 */
export function leastAllocatedScore(node: NodeInfo, pod: PodInfo): number {
  const has = node.allocatable;
  let total = 0;
  let weights = 0;
  if (has.milliCpu > 0) {
    total += leastRequested(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, has.milliCpu);
    weights++;
  }
  if (has.memory > 0) {
    total += leastRequested(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, has.memory);
    weights++;
  }
  return weights === 0 ? 0 : Math.trunc(total / weights);
}

/** `(capacity - requested) * 100 / capacity` in integers, and 0 when over capacity. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new NodeResourcesFit();
}
