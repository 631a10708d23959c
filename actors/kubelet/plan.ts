/**
 * What a pod worker should do next for one pod, from the pod's spec and what the runtime holds:
 * a pure function (Nomad's "reconciler returns a plain result"), so the lifecycle rules read in one
 * place and are tested without a runtime.
 *
 *   pod (spec, deletionTimestamp) + runtime containers + now ──planPod──▶ actions, wakeAt
 *
 * Rules, as the kubelet's:
 * - a pod being deleted stops every running container (with its grace period), then is finished;
 * - a container with no run yet is started (attempt 0);
 * - an exited container restarts per `restartPolicy` (Always; OnFailure when the exit code is not 0;
 *   Never), not before its CrashLoopBackOff delay has passed since it exited (10 s doubling to
 *   5 min; a container that ran 10 minutes without failing starts again from 10 s);
 * - a pod whose containers have all finished for good (Never, or OnFailure after success) is done:
 *   nothing restarts.
 */
import type { Pod } from '../../protocol/resources/pod.js';
import type { RuntimeContainerStatus } from './runtimes/runtime.js';

/** CrashLoopBackOff timing (Kubernetes: 10 s doubling to 5 min, reset after 10 min of running). */
export interface CrashLoopPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
}

export const defaultCrashLoopPolicy: CrashLoopPolicy = {
  baseMs: 10_000,
  maxMs: 300_000,
  resetAfterMs: 600_000,
};

/** One step for the worker. */
export type PodAction =
  | { readonly type: 'start'; readonly container: string; readonly attempt: number }
  | { readonly type: 'stop'; readonly containerId: string; readonly gracePeriodMs: number }
  | { readonly type: 'finish' };

export interface PodPlan {
  readonly actions: readonly PodAction[];
  /** When to look again although nothing happens meanwhile (a back-off ending); undefined: never. */
  readonly wakeAt?: number;
  /** Containers waiting out a back-off, by name, with when it ends: status shows CrashLoopBackOff. */
  readonly backingOff: ReadonlyMap<string, number>;
}

/** The newest run of each container of the pod, by container name. */
export function latestRuns(
  containers: readonly RuntimeContainerStatus[],
): Map<string, RuntimeContainerStatus> {
  const latest = new Map<string, RuntimeContainerStatus>();
  for (const c of containers) {
    const seen = latest.get(c.name);
    if (!seen || c.attempt > seen.attempt) latest.set(c.name, c);
  }
  return latest;
}

/** The back-off before restart number `restarts` (1-based). */
export function crashLoopDelay(policy: CrashLoopPolicy, restarts: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, restarts - 1));
}

/** Decides the next steps for `pod` given the runtime's containers of it. */
export function planPod(
  pod: Pod,
  containers: readonly RuntimeContainerStatus[],
  now: number,
  policy: CrashLoopPolicy = defaultCrashLoopPolicy,
): PodPlan {
  const backingOff = new Map<string, number>();
  const running = containers.filter((c) => c.state === 'running' || c.state === 'created');

  // Deletion: stop what runs with the pod's grace period, then finish. As the kubelet does, the
  // period counts from the stop, not from `deletionTimestamp` (whole seconds, so up to 1 s early).
  if (pod.metadata.deletionTimestamp) {
    if (running.length === 0) return { actions: [{ type: 'finish' }], backingOff };
    const gracePeriodMs =
      (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds) * 1000;
    return {
      actions: running.map((c) => ({ type: 'stop', containerId: c.id, gracePeriodMs })),
      backingOff,
    };
  }

  const latest = latestRuns(containers);
  const actions: PodAction[] = [];
  let wakeAt: number | undefined;
  for (const container of pod.spec.containers) {
    const run = latest.get(container.name);
    if (!run) {
      actions.push({ type: 'start', container: container.name, attempt: 0 });
      continue;
    }
    if (run.state !== 'exited') continue;
    if (!shouldRestart(pod.spec.restartPolicy, run.exitCode ?? 0)) continue;
    // The attempt that just ended is the restart count so far; a long healthy run resets the back-off.
    const ranFor = (run.finishedAt ?? now) - (run.startedAt ?? run.createdAt);
    const restarts = ranFor >= policy.resetAfterMs ? 1 : run.attempt + 1;
    const at = (run.finishedAt ?? now) + crashLoopDelay(policy, restarts);
    if (at <= now) actions.push({ type: 'start', container: container.name, attempt: run.attempt + 1 });
    else {
      backingOff.set(container.name, at);
      wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at);
    }
  }
  return { actions, backingOff, ...(wakeAt !== undefined ? { wakeAt } : {}) };
}

/** Whether a container that exited with `exitCode` runs again under `restartPolicy`. */
export function shouldRestart(restartPolicy: Pod['spec']['restartPolicy'], exitCode: number): boolean {
  if (restartPolicy === 'Always') return true;
  if (restartPolicy === 'OnFailure') return exitCode !== 0;
  return false;
}
