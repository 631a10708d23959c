/**
 * A ReplicaSet's status, recomputed from its pods every sync (never incremented): Kubernetes'
 * calculateStatus. The controller writes it only when it differs from what is stored.
 */
import type { Condition } from '../../../protocol/meta.js';
import { labelSelectorMatches } from '../../../protocol/meta.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet, ReplicaSetStatus } from '../../../protocol/resources/replicaset.js';
import { isPodAvailable, isPodReady } from './pods.js';

/** The condition type Kubernetes sets when pods could not be created or deleted. */
export const REPLICA_FAILURE = 'ReplicaFailure';

/** What the last `manageReplicas` could not do, for the ReplicaFailure condition. */
export interface ManageFailure {
  /** `FailedCreate` or `FailedDelete`. */
  readonly reason: string;
  readonly message: string;
}

/** What the sync knows beyond the pods in its cache. */
export interface StatusExtras {
  /** What the last `manageReplicas` could not do. */
  readonly failure?: ManageFailure | undefined;
  /** Pods created but not yet seen in the cache (the expectations still wait for them). */
  readonly creating?: number;
}

/**
 * The status of `rs` given the active pods it owns (after this sync's deletions), as of `now`:
 * counts of pods, fully labeled pods (every template label present), ready pods and available
 * pods (ready for `minReadySeconds`), the generation observed, and ReplicaFailure while creating
 * or deleting fails.
 *
 * `replicas` also counts pods created and not yet in the cache. Kubernetes counts only the cache;
 * here the Deployment controller reads `replicas` as an upper bound of the pods that exist
 * (see its `podsAtMost`), and a count that lags behind creations would let a rollout surge past
 * maxSurge for a moment.
 */
export function calculateStatus(
  rs: Readonly<ReplicaSet>,
  pods: readonly Readonly<Pod>[],
  now: number,
  extras: StatusExtras = {},
): ReplicaSetStatus {
  const { failure, creating = 0 } = extras;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  const templateLabels = rs.spec.template.metadata.labels ?? {};
  for (const pod of pods) {
    if (labelSelectorMatches({ matchLabels: templateLabels }, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, rs.spec.minReadySeconds, now)) available++;
    }
  }
  const conditions = replicaFailure(rs.status?.conditions ?? [], now, failure);
  return {
    replicas: pods.length + Math.max(0, creating),
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    ...(rs.metadata.generation !== undefined ? { observedGeneration: rs.metadata.generation } : {}),
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}

/** Sets ReplicaFailure on a new failure (keeping an existing one as it is), removes it on success. */
function replicaFailure(conditions: readonly Condition[], now: number, failure?: ManageFailure): Condition[] {
  const others = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  if (!failure) return others;
  const existing = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (existing) return [...conditions];
  return [
    ...others,
    {
      type: REPLICA_FAILURE,
      status: 'True',
      reason: failure.reason,
      message: failure.message,
      lastTransitionTime: new Date(Math.floor(now / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    },
  ];
}

/** True when two statuses say the same (absent counts read as 0), so no write is needed. */
export function statusEqual(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  const norm = (s: ReplicaSetStatus | undefined) => ({
    replicas: s?.replicas ?? 0,
    fullyLabeledReplicas: s?.fullyLabeledReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    observedGeneration: s?.observedGeneration ?? 0,
    conditions: s?.conditions ?? [],
  });
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
