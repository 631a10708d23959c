/**
 * Turning informer changes into the cluster events the queue understands. Most updates change
 * nothing the scheduler looks at (a node heartbeat every few seconds per node, a pod's status as
 * it runs), and moving every unschedulable pod back to the active queue on each of them would turn
 * a 5,000-node cluster's heartbeats into thousands of wasted cycles a second. So an update becomes
 * an event only when it changes what a plugin reads, as kube-scheduler's
 * `nodeSchedulingPropertiesChange` decides.
 */

import { deepEqual } from '../../../protocol/resources/immutable.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { isTerminal } from '../framework/pod-info.js';
import type { ClusterEvent } from '../framework/types.js';

/** `NodeUpdate` when a node's labels, taints, cordon or allocatable changed; else undefined. */
export function nodeUpdateEvent(old: Node, next: Node): ClusterEvent | undefined {
  const changed =
    old.spec.unschedulable !== next.spec.unschedulable ||
    !deepEqual(old.metadata.labels ?? {}, next.metadata.labels ?? {}) ||
    !deepEqual(old.spec.taints ?? [], next.spec.taints ?? []) ||
    !deepEqual(old.status?.allocatable ?? {}, next.status?.allocatable ?? {});
  return changed ? 'NodeUpdate' : undefined;
}

/**
 * The event of an update to a bound pod: finishing (Succeeded/Failed) frees its resources like a
 * delete; new labels change spreading counts; anything else is invisible to the scheduler.
 */
export function assignedPodUpdateEvent(old: Pod, next: Pod): ClusterEvent | undefined {
  if (isTerminal(next) && !isTerminal(old)) return 'AssignedPodDelete';
  if (!deepEqual(old.metadata.labels ?? {}, next.metadata.labels ?? {})) return 'AssignedPodUpdate';
  return undefined;
}

/**
 * True when an update to a pending pod may change where it fits (its spec or labels), so an
 * unschedulable pod deserves another attempt; status-only updates (our own condition writes)
 * must not requeue it, or every failure would retrigger itself.
 */
export function pendingPodChanged(old: Pod, next: Pod): boolean {
  return !deepEqual(old.spec, next.spec) || !deepEqual(old.metadata.labels ?? {}, next.metadata.labels ?? {});
}
