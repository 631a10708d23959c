/**
 * A Job's status, recomputed from its pods and the plan of this sync (Kubernetes reports the
 * active count the controller is heading for: active now, plus created, minus deleted).
 */
import type { Condition } from '../../../protocol/meta.js';
import type { Job, JobStatus } from '../../../protocol/resources/job.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { countPods, isReady, type JobPlan, startTimeOf } from './plan.js';

/** Computes `status` after `plan` is applied at `now`. */
export function calculateJobStatus(job: Job, pods: readonly Pod[], plan: JobPlan, now: number): JobStatus {
  const counts = countPods(pods);
  const previous = job.status ?? {};
  // A finished Job's counts are its record: pods deleted afterwards (by hand, by a TTL) change
  // nothing about how it ended.
  if ((previous.conditions ?? []).some(isFinishing)) return { ...previous, active: 0, ready: 0 };
  const finished = plan.finish !== undefined;
  const active = finished ? 0 : counts.active.length + plan.create - plan.delete.length;
  const conditions = [...(previous.conditions ?? [])];
  const iso = rfc3339(now);
  if (plan.finish) {
    conditions.push(
      condition(
        plan.finish.type,
        iso,
        plan.finish.type === 'Failed' ? plan.finish : { reason: 'Completed', message: 'Job completed' },
      ),
    );
  }
  return {
    ...previous,
    active,
    succeeded: counts.succeeded,
    failed: counts.failed,
    ready: finished ? 0 : counts.active.filter(isReady).length,
    startTime: previous.startTime ?? rfc3339(startTimeOf(job, now)),
    ...(plan.finish?.type === 'Complete' ? { completionTime: iso } : {}),
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}

function isFinishing(c: Condition): boolean {
  return (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True';
}

function condition(type: string, at: string, why: { reason: string; message: string }): Condition {
  return {
    type,
    status: 'True',
    lastProbeTime: at,
    lastTransitionTime: at,
    reason: why.reason,
    message: why.message,
  } as Condition;
}

/** Seconds precision, as Kubernetes writes `metav1.Time`. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
