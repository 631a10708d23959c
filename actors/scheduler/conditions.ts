/**
 * What the scheduler tells users about a pod, as kube-scheduler words it: the `PodScheduled`
 * condition and the Event reasons. Pure builders; the actor writes them through the API.
 *
 *   PodScheduled=False  reason Unschedulable   message "0/5 nodes are available: ..."
 *   Event  FailedScheduling  (Warning)  same message
 *   Event  Scheduled         (Normal)   "Successfully assigned default/web-1 to node-3"
 */
import type { Condition } from '../../protocol/meta.js';

/** The condition type. */
export const POD_SCHEDULED = 'PodScheduled';
/** Condition reason when no node fits (kube's `PodReasonUnschedulable`). */
export const REASON_UNSCHEDULABLE = 'Unschedulable';
/** Condition reason when scheduling failed for another cause (a plugin error, a failed bind). */
export const REASON_SCHEDULER_ERROR = 'SchedulerError';
/** Event reason of a failed attempt. */
export const EVENT_FAILED_SCHEDULING = 'FailedScheduling';
/** Event reason of a successful bind. */
export const EVENT_SCHEDULED = 'Scheduled';

/** `PodScheduled=False` with `reason` and `message` (a FitError's `message()`), stamped `now` (RFC 3339). */
export function podScheduledFalse(
  message: string,
  now: string,
  reason: typeof REASON_UNSCHEDULABLE | typeof REASON_SCHEDULER_ERROR = REASON_UNSCHEDULABLE,
): Condition {
  return {
    type: POD_SCHEDULED,
    status: 'False',
    reason,
    message,
    lastProbeTime: now,
    lastTransitionTime: now,
  };
}

/**
 * The pod's conditions with `condition` in place of its `PodScheduled` one. The transition time
 * is kept when status and reason did not change, so repeated failures do not look like new
 * transitions (Kubernetes' `UpdatePodCondition`). Returns undefined when nothing would change,
 * so the caller can skip the API write.
 */
export function withPodScheduled(
  conditions: readonly Condition[] | undefined,
  condition: Condition,
): Condition[] | undefined {
  const list = conditions ?? [];
  const index = list.findIndex((c) => c.type === condition.type);
  const old = index >= 0 ? list[index] : undefined;
  if (old === undefined) return [...list, condition];
  const sameState = old.status === condition.status && old.reason === condition.reason;
  if (sameState && old.message === condition.message) return undefined;
  const merged = sameState ? { ...condition, lastTransitionTime: old.lastTransitionTime } : condition;
  return list.map((c, i) => (i === index ? merged : c));
}

/** The message of the `Scheduled` Event: `Successfully assigned <namespace>/<name> to <node>`. */
export function scheduledMessage(podKey: string, nodeName: string): string {
  return `Successfully assigned ${podKey} to ${nodeName}`;
}
