import type { Pod } from '../../../protocol/resources/pod.js';

/**
 * Kubernetes' IsPodActive: not finished and not terminating. A terminating pod is already on its
 * way out; counting it would make a scale-up wait for a pod that will never come back.
 */
export function isPodActive(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** The pod's Ready condition, if it has one. */
function readyCondition(pod: Readonly<Pod>) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** True when the pod's Ready condition is True. */
export function isPodReady(pod: Readonly<Pod>): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When the pod last became ready (ms since the epoch), or undefined when it is not ready. */
export function readySince(pod: Readonly<Pod>): number | undefined {
  const condition = readyCondition(pod);
  if (condition?.status !== 'True') return undefined;
  const at = condition.lastTransitionTime ? Date.parse(condition.lastTransitionTime) : Number.NaN;
  return Number.isNaN(at) ? 0 : at;
}

/**
 * Kubernetes' IsPodAvailable: ready, and ready for at least `minReadySeconds` as of `now`. With
 * `minReadySeconds` 0 a ready pod is available at once.
 */
export function isPodAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: number): boolean {
  const since = readySince(pod);
  if (since === undefined) return false;
  return minReadySeconds === 0 || since + minReadySeconds * 1000 <= now;
}

export { controllerRefOf } from '../../../protocol/owners.js';

/** Sum of every container's restarts: a pod that keeps crashing goes first on a scale-down. */
export function restartCount(pod: Readonly<Pod>): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + c.restartCount, 0);
}
