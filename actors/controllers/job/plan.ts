/**
 * What a Job should do next, as a pure function of the Job, its pods and the time (Kubernetes'
 * `syncJob` for NonIndexed Jobs, reduced): finish it (Complete, or Failed for
 * BackoffLimitExceeded / DeadlineExceeded), or create and delete pods so that
 *
 *   active = min(parallelism, completions − succeeded)      (completions set)
 *   active = parallelism until one pod succeeds, then none  (work-queue Jobs: completions unset)
 *
 * A finished Job keeps no pod running.
 */
import { labelSelectorMatches } from '../../../protocol/meta.js';
import type { Job } from '../../../protocol/resources/job.js';
import type { Pod } from '../../../protocol/resources/pod.js';

/** Condition reason: the pods failed more often than `backoffLimit` allows. */
export const REASON_BACKOFF_LIMIT_EXCEEDED = 'BackoffLimitExceeded';
/** Condition reason: the Job ran longer than `activeDeadlineSeconds`. */
export const REASON_DEADLINE_EXCEEDED = 'DeadlineExceeded';

/** How a Job ends. */
export type JobFinish =
  | { readonly type: 'Complete' }
  | {
      readonly type: 'Failed';
      readonly reason: typeof REASON_BACKOFF_LIMIT_EXCEEDED | typeof REASON_DEADLINE_EXCEEDED;
      readonly message: string;
    };

/** Pods of a Job counted by what they are doing. */
export interface PodCounts {
  /** Neither finished nor being deleted. */
  readonly active: readonly Pod[];
  readonly succeeded: number;
  readonly failed: number;
  /** Container restarts summed over active pods (what OnFailure counts against backoffLimit). */
  readonly restarts: number;
}

/** The plan of one sync. */
export interface JobPlan {
  /** Pods to create now. */
  readonly create: number;
  /** Active pods to delete now. */
  readonly delete: readonly Pod[];
  /** Set when this sync finishes the Job. */
  readonly finish?: JobFinish;
  /** When to look again although nothing changes (the active deadline), in ms. */
  readonly requeueAfterMs?: number;
}

/** True when the pod has neither finished nor started to be deleted. */
export function isActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** True when the pod's Ready condition is True. */
export function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Counts the Job's pods. */
export function countPods(pods: readonly Pod[]): PodCounts {
  const active = pods.filter(isActive);
  let restarts = 0;
  for (const pod of active) {
    for (const c of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      restarts += c.restartCount ?? 0;
    }
  }
  return {
    active,
    succeeded: pods.filter((p) => p.status?.phase === 'Succeeded').length,
    failed: pods.filter((p) => p.status?.phase === 'Failed').length,
    restarts,
  };
}

/** The Job's finished condition (Complete or Failed, True), if any. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** When the Job started: its recorded startTime, else now (this sync starts it). */
export function startTimeOf(job: Job, now: number): number {
  return job.status?.startTime ? Date.parse(job.status.startTime) : now;
}

/** Plans one sync of `job` with its `pods` at `now` (ms). */
export function planJob(
  job: Job,
  pods: readonly Pod[],
  now: number,
  timing: JobTiming = DEFAULT_JOB_TIMING,
): JobPlan {
  const counts = countPods(pods);
  // 1. A finished Job only makes sure nothing of it still runs.
  if (finishedCondition(job)) return { create: 0, delete: counts.active };

  // 2. Failure: past the backoff limit, or past the active deadline.
  const failure = failureOf(job, counts, now);
  if (failure) return { create: 0, delete: counts.active, finish: failure };

  // 3. Success.
  const { completions } = job.spec;
  const done =
    completions === undefined
      ? counts.succeeded > 0 && counts.active.length === 0
      : counts.succeeded >= completions;
  if (done) return { create: 0, delete: counts.active, finish: { type: 'Complete' } };

  // 4. Scale the active pods to what is wanted, after the failure backoff when pods failed.
  const want = wantedActive(job, counts);
  const diff = want - counts.active.length;
  const deadline = deadlineRemainingMs(job, now);
  const backoff = diff > 0 ? failureBackoffRemainingMs(pods, counts.failed, now, timing) : 0;
  const wake = [deadline, backoff > 0 ? backoff : undefined].filter((ms) => ms !== undefined);
  return {
    create: backoff > 0 ? 0 : Math.max(0, diff),
    delete: diff < 0 ? rankForDeletion(counts.active).slice(0, -diff) : [],
    ...(wake.length > 0 ? { requeueAfterMs: Math.min(...wake) } : {}),
  };
}

/** How long to wait before replacing failed pods (Kubernetes' pod failure backoff). */
export interface JobTiming {
  /** The wait after the first failure, doubled per further failure (default 10 s). */
  readonly backoffBaseMs: number;
  /** The most it waits (default 6 minutes, as Kubernetes). */
  readonly backoffMaxMs: number;
}

export const DEFAULT_JOB_TIMING: JobTiming = { backoffBaseMs: 10_000, backoffMaxMs: 6 * 60_000 };

/**
 * Milliseconds still to wait before creating pods after a failure: base × 2^(failures − 1) from
 * the last failed pod's end, so a crashing Job does not hammer the cluster with new pods.
 */
export function failureBackoffRemainingMs(
  pods: readonly Pod[],
  failed: number,
  now: number,
  timing: JobTiming,
): number {
  if (failed === 0 || timing.backoffBaseMs <= 0) return 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Failed') continue;
    last = Math.max(last, finishedAt(pod));
  }
  if (!Number.isFinite(last)) return 0;
  const delay = Math.min(timing.backoffBaseMs * 2 ** (failed - 1), timing.backoffMaxMs);
  return Math.max(0, last + delay - now);
}

/** When a failed pod ended: its last container's finish, else its Ready condition's last change. */
function finishedAt(pod: Pod): number {
  let end = Number.NEGATIVE_INFINITY;
  for (const c of pod.status?.containerStatuses ?? []) {
    const at = c.state?.terminated?.finishedAt;
    if (at) end = Math.max(end, Date.parse(at));
  }
  if (Number.isFinite(end)) return end;
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : Number.NEGATIVE_INFINITY;
}

/** How many pods should be active: never more than parallelism, nor than the completions left. */
export function wantedActive(job: Job, counts: PodCounts): number {
  if (job.spec.suspend) return 0;
  const parallelism = job.spec.parallelism;
  const completions = job.spec.completions;
  if (completions === undefined) {
    // A work queue: once one pod succeeded the work is done; start no more, let the rest finish.
    return counts.succeeded > 0 ? Math.min(counts.active.length, parallelism) : parallelism;
  }
  return Math.max(0, Math.min(parallelism, completions - counts.succeeded));
}

function failureOf(job: Job, counts: PodCounts, now: number): JobFinish | undefined {
  const limit = job.spec.backoffLimit;
  const onFailure = job.spec.template.spec.restartPolicy === 'OnFailure';
  // Never: every failed pod is one retry. OnFailure: the kubelet restarts containers in place, so
  // their restarts are the retries (Kubernetes' pastBackoffLimitOnFailure; limit 0 means none).
  const restartsExceeded = onFailure && (limit === 0 ? counts.restarts > 0 : counts.restarts >= limit);
  if (counts.failed > limit || restartsExceeded) {
    return {
      type: 'Failed',
      reason: REASON_BACKOFF_LIMIT_EXCEEDED,
      message: 'Job has reached the specified backoff limit',
    };
  }
  const remaining = deadlineRemainingMs(job, now);
  if (remaining !== undefined && remaining <= 0) {
    return {
      type: 'Failed',
      reason: REASON_DEADLINE_EXCEEDED,
      message: 'Job was active longer than specified deadline',
    };
  }
  return undefined;
}

/** Milliseconds left before `activeDeadlineSeconds`, if the Job has one. */
export function deadlineRemainingMs(job: Job, now: number): number | undefined {
  const seconds = job.spec.activeDeadlineSeconds;
  if (seconds === undefined) return undefined;
  return startTimeOf(job, now) + seconds * 1000 - now;
}

/** Active pods in the order to delete them: unscheduled, then not ready, then newest first. */
export function rankForDeletion(active: readonly Pod[]): Pod[] {
  const rank = (p: Pod) => (!p.spec.nodeName ? 0 : !isReady(p) ? 1 : 2);
  return [...active].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
  );
}

/**
 * Pods the Job should adopt (Kubernetes' ClaimPods): in its namespace, matching its selector,
 * without a controller and not being deleted. With the generated selector that is only a pod of
 * this very Job whose reference was removed; with `manualSelector`, any pod the user aimed at it.
 */
export function podsToAdopt(job: Job, candidates: readonly Pod[]): Pod[] {
  const selector = job.spec.selector;
  if (!selector) return [];
  return candidates.filter(
    (p) =>
      p.metadata.namespace === job.metadata.namespace &&
      !p.metadata.deletionTimestamp &&
      !(p.metadata.ownerReferences ?? []).some((r) => r.controller === true) &&
      labelSelectorMatches(selector, p.metadata.labels),
  );
}
