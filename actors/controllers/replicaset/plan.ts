/**
 * The ReplicaSet controller's decisions, pure: which pods it claims (adopts or releases), how many
 * pods to create or which to delete, and in what batches to create them. `sync.ts` carries them out.
 *
 *   namespace pods ──claimPods──▶ owned active pods ──planReplicas──▶ {create: n} | {delete: [pods]}
 */
import { labelSelectorMatches } from '../../../protocol/meta.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import { controllerRefOf, isPodActive, isPodReady, readySince, restartCount } from './pods.js';

/**
 * At most this many pods are created or deleted by one sync, as Kubernetes' BurstReplicas: a
 * ReplicaSet scaled to 10,000 ramps up over several syncs instead of flooding the API server.
 */
export const BURST_REPLICAS = 500;

/** The pods a ReplicaSet controls after claiming, and the ownership changes the claim needs. */
export interface PodClaims {
  /** Active pods the ReplicaSet controls once the changes below are made. */
  readonly owned: readonly Readonly<Pod>[];
  /** Orphans that match the selector: give them a controller reference to the ReplicaSet. */
  readonly adopt: readonly Readonly<Pod>[];
  /** Pods the ReplicaSet controls that no longer match: remove its reference. */
  readonly release: readonly Readonly<Pod>[];
}

/**
 * Kubernetes' ClaimPods: of the namespace's active pods, the ReplicaSet keeps those it controls
 * that still match its selector, adopts matching orphans and releases controlled pods that no
 * longer match. A pod controlled by anyone else is never touched; a ReplicaSet being deleted
 * adopts nothing (the garbage collector is about to orphan or delete its pods).
 */
export function claimPods(rs: Readonly<ReplicaSet>, pods: readonly Readonly<Pod>[]): PodClaims {
  const owned: Readonly<Pod>[] = [];
  const adopt: Readonly<Pod>[] = [];
  const release: Readonly<Pod>[] = [];
  const deleting = Boolean(rs.metadata.deletionTimestamp);
  for (const pod of pods) {
    if (pod.metadata.namespace !== rs.metadata.namespace || !isPodActive(pod)) continue;
    const matches = labelSelectorMatches(rs.spec.selector, pod.metadata.labels);
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.uid !== rs.metadata.uid) continue;
      if (matches) owned.push(pod);
      else if (!deleting) release.push(pod);
      continue;
    }
    if (matches && !deleting) {
      adopt.push(pod);
      owned.push(pod);
    }
  }
  return { owned, adopt, release };
}

/** What one sync should do about the pod count. */
export type ReplicaPlan =
  | { readonly action: 'none' }
  | { readonly action: 'create'; readonly count: number }
  | { readonly action: 'delete'; readonly pods: readonly Readonly<Pod>[] };

/**
 * Kubernetes' manageReplicas decision: create the missing pods, or delete the surplus chosen by
 * `comparePodsForDeletion`, never more than `burst` at once. `active` are the pods the ReplicaSet
 * owns and that count (see `claimPods`).
 */
export function planReplicas(
  replicas: number,
  active: readonly Readonly<Pod>[],
  burst: number = BURST_REPLICAS,
): ReplicaPlan {
  const diff = active.length - replicas;
  if (diff < 0) return { action: 'create', count: Math.min(-diff, burst) };
  if (diff > 0) {
    const pods = [...active].sort(comparePodsForDeletion).slice(0, Math.min(diff, burst));
    return { action: 'delete', pods };
  }
  return { action: 'none' };
}

const PHASE_RANK: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Kubernetes' ActivePods ordering for scale-down: negative when `a` should go before `b`. The
 * pods that cost least to lose go first: unscheduled before scheduled, Pending before Unknown
 * before Running, not ready before ready, ready for less time before ready for longer, more
 * restarts before fewer, newer before older. The name breaks the last tie so a plan is
 * deterministic.
 */
export function comparePodsForDeletion(a: Readonly<Pod>, b: Readonly<Pod>): number {
  const scheduled = Number(Boolean(a.spec.nodeName)) - Number(Boolean(b.spec.nodeName));
  if (scheduled !== 0) return scheduled;
  const phase =
    (PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0) - (PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0);
  if (phase !== 0) return phase;
  const ready = Number(isPodReady(a)) - Number(isPodReady(b));
  if (ready !== 0) return ready;
  const aSince = readySince(a);
  const bSince = readySince(b);
  if (aSince !== undefined && bSince !== undefined && aSince !== bSince) return bSince - aSince;
  const restarts = restartCount(b) - restartCount(a);
  if (restarts !== 0) return restarts;
  const created = compareNumbers(creationTime(b), creationTime(a));
  if (created !== 0) return created;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** `x - y` that is 0 for two infinities (two pods without a creation time tie). */
function compareNumbers(x: number, y: number): number {
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Creation time in ms; a pod without one counts as the newest (Kubernetes: "empty < newer"). */
function creationTime(pod: Readonly<Pod>): number {
  const at = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : Number.NaN;
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
}

/**
 * Kubernetes' slowStartBatch sizes: 1, 2, 4, ... summing to `count`. A ReplicaSet whose pods all
 * fail to create (quota, an invalid template) then costs one failed call, not hundreds.
 */
export function slowStartBatches(count: number, initial = 1): number[] {
  const batches: number[] = [];
  let remaining = count;
  let size = Math.min(remaining, initial);
  while (remaining > 0) {
    batches.push(size);
    remaining -= size;
    size = Math.min(2 * size, remaining);
  }
  return batches;
}
