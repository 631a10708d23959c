/**
 * Which pods `drain` deletes, as kubectl's drain filters decide (k8s.io/kubectl/pkg/drain): for
 * each pod the filters run in order (DaemonSet, mirror, local storage, unreplicated) until one says
 * "keep"; the last verdict counts, as in kubectl. Refusals are kubectl's texts, word for word (its
 * "cannot delete cannot delete Pods that declare no controller" included, which users grep for).
 *
 * Pure: the caller says which DaemonSets exist; `planDrain` returns what to delete, the warnings
 * and the refusals, and kubectl's lines for them.
 */
import type { Pod } from '../../protocol/resources/pod.js';

export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
export const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
export const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
export const UNMANAGED_FATAL = 'cannot delete Pods that declare no controller (use --force to override)';
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface DrainOptions {
  readonly force: boolean;
  readonly ignoreDaemonSets: boolean;
  readonly deleteEmptyDirData: boolean;
}

/** One filter's verdict on a pod. */
type Verdict =
  | { readonly delete: true; readonly warning?: string }
  | { readonly delete: false; readonly warning?: string; readonly error?: string };

export interface DrainPlan {
  readonly toDelete: readonly Pod[];
  /** kubectl's `Warning: ...` text (without the prefix), or '' for none. */
  readonly warning: string;
  /** `cannot delete <why>: ns/a, ns/b`, one per reason. */
  readonly errors: readonly string[];
}

/** Plans the drain of `pods`; `daemonSetExists(ns, name)` says whether a pod's DaemonSet is there. */
export function planDrain(
  pods: readonly Pod[],
  options: DrainOptions,
  daemonSetExists: (namespace: string, name: string) => boolean,
): DrainPlan {
  const toDelete: Pod[] = [];
  const warnings = new Map<string, string[]>();
  const errors = new Map<string, string[]>();
  const filters = [
    (p: Pod) => daemonSetFilter(p, options, daemonSetExists),
    mirrorFilter,
    (p: Pod) => localStorageFilter(p, options),
    (p: Pod) => unreplicatedFilter(p, options),
  ];
  for (const pod of pods) {
    let verdict: Verdict = { delete: true };
    for (const filter of filters) {
      verdict = filter(pod);
      if (!verdict.delete) break;
    }
    const ref = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
    const add = (map: Map<string, string[]>, key: string) => map.set(key, [...(map.get(key) ?? []), ref]);
    if (verdict.delete) toDelete.push(pod);
    if (!verdict.delete && verdict.error) add(errors, verdict.error);
    else if (verdict.warning) add(warnings, verdict.warning);
  }
  return {
    toDelete,
    warning: [...warnings].map(([why, refs]) => `${why}: ${refs.join(', ')}`).join('; '),
    errors: [...errors].map(([why, refs]) => `cannot delete ${why}: ${refs.join(', ')}`),
  };
}

/** kubectl's stderr for refusals: the summary line, the pending node, then each refusal. */
export function drainRefusal(node: string, errors: readonly string[]): string {
  const summary = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  return [
    `error: unable to drain node "${node}" due to error: ${summary}, continuing command...`,
    'There are pending nodes to be drained:',
    ` ${node}`,
    ...errors,
  ].join('\n');
}

function finished(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function controllerOf(pod: Pod) {
  return pod.metadata.ownerReferences?.find((r) => r.controller === true);
}

function daemonSetFilter(
  pod: Pod,
  options: DrainOptions,
  exists: (namespace: string, name: string) => boolean,
): Verdict {
  const owner = controllerOf(pod);
  if (owner?.kind !== 'DaemonSet' || finished(pod)) return { delete: true };
  if (!exists(pod.metadata.namespace ?? '', owner.name)) {
    const missing = `daemonsets.apps "${owner.name}" not found`;
    return options.force ? { delete: true, warning: missing } : { delete: false, error: missing };
  }
  if (!options.ignoreDaemonSets) return { delete: false, error: DAEMONSET_FATAL };
  return { delete: false, warning: DAEMONSET_WARNING };
}

function mirrorFilter(pod: Pod): Verdict {
  return pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined ? { delete: false } : { delete: true };
}

function localStorageFilter(pod: Pod, options: DrainOptions): Verdict {
  const emptyDir = (pod.spec.volumes ?? []).some((v) => (v as { emptyDir?: unknown }).emptyDir !== undefined);
  if (!emptyDir || finished(pod)) return { delete: true };
  if (!options.deleteEmptyDirData) return { delete: false, error: LOCAL_STORAGE_FATAL };
  return { delete: true, warning: LOCAL_STORAGE_WARNING };
}

function unreplicatedFilter(pod: Pod, options: DrainOptions): Verdict {
  if (finished(pod) || controllerOf(pod)) return { delete: true };
  if (options.force) return { delete: true, warning: UNMANAGED_WARNING };
  return { delete: false, error: UNMANAGED_FATAL };
}
