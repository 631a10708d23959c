/**
 * Taints and tolerations, as Kubernetes' `v1helper` (`ToleratesTaint`,
 * `FindMatchingUntoleratedTaint`). Shared by TaintToleration and NodeUnschedulable, which lets a
 * pod tolerating `node.kubernetes.io/unschedulable:NoSchedule` onto a cordoned node.
 */
import type { Taint, Toleration } from '../../../protocol/resources/scheduling.js';

/**
 * True when `toleration` tolerates `taint`: an empty effect matches every effect, an empty key
 * with `Exists` matches every taint, and `Equal` compares values (absent reads as empty).
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

/** True when any of `tolerations` tolerates `taint`. */
export function toleratesTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) {
    if (tolerates(t, taint)) return true;
  }
  return false;
}

/** The first of `taints` that `include` selects and no toleration tolerates, if any. */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  include: (taint: Taint) => boolean,
): Taint | undefined {
  for (const taint of taints) {
    if (include(taint) && !toleratesTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** The taints a pod must tolerate to be scheduled: NoSchedule and NoExecute. */
export function isDoNotScheduleTaint(taint: Taint): boolean {
  return taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
}
