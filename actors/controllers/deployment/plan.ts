/**
 * The Deployment controller's arithmetic, pure: how far a rollout may surge and how much may be
 * unavailable, how big the new ReplicaSet may grow and how far the old ones may shrink in one
 * step (RollingUpdate), how a resize spreads over the ReplicaSets (proportional scaling), which
 * old ReplicaSets the history limit removes, and the revision bookkeeping. `sync.ts` applies it.
 *
 * Vocabulary (Kubernetes'): the *new* ReplicaSet is the one whose template equals the Deployment's;
 * every other one it owns is *old*. A ReplicaSet is *active* when `spec.replicas > 0`.
 */

import {
  DESIRED_REPLICAS_ANNOTATION,
  type Deployment,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
} from '../../../protocol/resources/deployment.js';
import type { IntOrString } from '../../../protocol/resources/fields.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';

/** The numbers of one ReplicaSet that the rollout reads. */
export interface RsCounts {
  readonly name: string;
  /** `spec.replicas`: what it is asked to run. */
  readonly replicas: number;
  /** `status.replicas`: the active pods it had when it last wrote its status. */
  readonly statusReplicas: number;
  /** `status.availableReplicas`. */
  readonly availableReplicas: number;
  /** Creation time (ms), for "oldest first". */
  readonly created: number;
  /** The desired-replicas annotation, if any. */
  readonly desiredReplicas?: number | undefined;
  /** The max-replicas annotation, if any. */
  readonly maxReplicas?: number | undefined;
}

/** A rollout's bounds, resolved to pod counts. */
export interface RolloutBounds {
  readonly replicas: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/** One ReplicaSet resized. */
export interface ScaleChange {
  readonly name: string;
  readonly replicas: number;
}

/** Kubernetes' GetScaledValueFromIntOrPercent: a count, or a percentage of `total` rounded as told. */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = Number(value.replace(/%$/, ''));
  const exact = (percent * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Kubernetes' ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and when both come
 * to 0 maxUnavailable becomes 1 (a rollout that may neither add nor remove would never move).
 */
export function resolveFenceposts(
  maxSurge: IntOrString,
  maxUnavailable: IntOrString,
  replicas: number,
): { maxSurge: number; maxUnavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true);
  const unavailable = scaledValue(maxUnavailable, replicas, false);
  return { maxSurge: surge, maxUnavailable: surge === 0 && unavailable === 0 ? 1 : unavailable };
}

/** The Deployment's bounds: Recreate surges nothing and tolerates no unavailability (as Kubernetes' MaxSurge/MaxUnavailable). */
export function boundsOf(d: Readonly<Deployment>): RolloutBounds {
  const replicas = d.spec.replicas;
  const strategy = d.spec.strategy;
  if (strategy.type !== 'RollingUpdate') return { replicas, maxSurge: 0, maxUnavailable: 0 };
  const { maxSurge, maxUnavailable } = resolveFenceposts(
    strategy.rollingUpdate.maxSurge,
    strategy.rollingUpdate.maxUnavailable,
    replicas,
  );
  return { replicas, maxSurge, maxUnavailable: replicas === 0 ? 0 : Math.min(maxUnavailable, replicas) };
}

const sum = (rss: readonly RsCounts[], f: (rs: RsCounts) => number) => rss.reduce((n, rs) => n + f(rs), 0);

/**
 * The pods a ReplicaSet may still have: the larger of what it is asked for and what it last
 * reported. An old ReplicaSet just scaled down still has its pods until its controller deletes
 * them; counting only `spec.replicas` would let the new one surge into pods that are still there.
 */
export const podsAtMost = (rs: RsCounts) => Math.max(rs.replicas, rs.statusReplicas);

/**
 * The available pods a ReplicaSet can be relied on for: what it reported, but never more than it
 * is asked to keep. A status written before a scale-down still counts the pods being removed;
 * trusting it would remove them twice.
 */
export const availableAtLeast = (rs: RsCounts) => Math.min(rs.replicas, rs.availableReplicas);

/**
 * Kubernetes' NewRSNewReplicas for RollingUpdate: grow the new ReplicaSet by what the surge
 * allows above the pods that exist, never past `replicas`.
 */
export function newReplicaSetReplicas(
  bounds: RolloutBounds,
  all: readonly RsCounts[],
  newRS: RsCounts,
): number {
  const maxTotal = bounds.replicas + bounds.maxSurge;
  const current = sum(all, podsAtMost);
  if (current >= maxTotal) return newRS.replicas;
  const scaleUp = Math.min(maxTotal - current, bounds.replicas - newRS.replicas);
  return newRS.replicas + Math.max(0, scaleUp);
}

/**
 * One step of a rolling update (Kubernetes' rolloutRolling, its reconcile steps): first resize the
 * new ReplicaSet; only when it needs nothing, shrink the old ones, unhealthy replicas first, then
 * as far as `replicas - maxUnavailable` available pods allow. Returns the changes, none when the
 * rollout must wait.
 */
export function planRollingStep(
  bounds: RolloutBounds,
  newRS: RsCounts,
  old: readonly RsCounts[],
): ScaleChange[] {
  const all = [...old, newRS];
  if (newRS.replicas > bounds.replicas) return [{ name: newRS.name, replicas: bounds.replicas }];
  if (newRS.replicas < bounds.replicas) {
    const target = newReplicaSetReplicas(bounds, all, newRS);
    if (target !== newRS.replicas) return [{ name: newRS.name, replicas: target }];
  }
  return planScaleDownOld(bounds, newRS, old);
}

/** Kubernetes' reconcileOldReplicaSets: cleanupUnhealthyReplicas, then scaleDownOldReplicaSetsForRollingUpdate. */
function planScaleDownOld(bounds: RolloutBounds, newRS: RsCounts, old: readonly RsCounts[]): ScaleChange[] {
  if (sum(old, (rs) => rs.replicas) === 0) return [];
  const minAvailable = bounds.replicas - bounds.maxUnavailable;
  const allPods = sum(old, (rs) => rs.replicas) + newRS.replicas;
  const newUnavailable = newRS.replicas - availableAtLeast(newRS);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const sizes = new Map(old.map((rs) => [rs.name, rs.replicas]));
  const oldest = [...old].sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
  // Unhealthy replicas first: removing a pod that is not available costs no availability.
  let cleaned = 0;
  for (const rs of oldest) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = rs.replicas - availableAtLeast(rs);
    if (rs.replicas === 0 || unhealthy === 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    sizes.set(rs.name, rs.replicas - down);
    cleaned += down;
  }
  // Then available ones, as far as the minimum availability allows.
  const shrunk = oldest.map((rs) => ({ ...rs, replicas: sizes.get(rs.name) ?? rs.replicas }));
  const available = sum([...shrunk, newRS], availableAtLeast);
  let allowed = Math.max(0, available - minAvailable);
  for (const rs of shrunk) {
    if (allowed <= 0) break;
    if (rs.replicas === 0) continue;
    const down = Math.min(rs.replicas, allowed);
    sizes.set(rs.name, rs.replicas - down);
    allowed -= down;
  }
  return old
    .filter((rs) => sizes.get(rs.name) !== rs.replicas)
    .map((rs) => ({ name: rs.name, replicas: sizes.get(rs.name) ?? rs.replicas }));
}

/**
 * Kubernetes' scale(): a resize of the Deployment outside a rollout step. With one active (or no
 * active, then the newest) ReplicaSet, it takes the whole count; a saturated new ReplicaSet
 * zeroes the old ones; otherwise (a rolling update in flight) the change is spread over the
 * active ReplicaSets in proportion to their size, leftovers to the largest.
 */
export function planScale(
  bounds: RolloutBounds,
  rolling: boolean,
  newRS: RsCounts | undefined,
  old: readonly RsCounts[],
): ScaleChange[] {
  const change = (rs: RsCounts, replicas: number) =>
    rs.replicas === replicas ? [] : [{ name: rs.name, replicas }];
  const newestFirst = [...old].sort((a, b) => b.created - a.created);
  const active = [...(newRS ? [newRS] : []), ...newestFirst].filter((rs) => rs.replicas > 0);
  if (active.length <= 1) {
    const target = active[0] ?? newRS ?? newestFirst[0];
    return target ? change(target, bounds.replicas) : [];
  }
  if (newRS && isSaturated(bounds, newRS))
    return old.filter((rs) => rs.replicas > 0).flatMap((rs) => change(rs, 0));
  if (!rolling) return [];

  const allowed = bounds.replicas > 0 ? bounds.replicas + bounds.maxSurge : 0;
  const toAdd = allowed - sum(active, (rs) => rs.replicas);
  if (toAdd === 0) return [];
  // Up: larger first, newer first on a tie. Down: larger first, older first on a tie.
  const ordered = [...active].sort(
    (a, b) => b.replicas - a.replicas || (toAdd > 0 ? b.created - a.created : a.created - b.created),
  );
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of ordered) {
    const proportion = proportionOf(rs, bounds, toAdd, added);
    sizes.set(rs.name, rs.replicas + proportion);
    added += proportion;
  }
  const largest = ordered[0] as RsCounts;
  sizes.set(largest.name, Math.max(0, (sizes.get(largest.name) ?? 0) + toAdd - added));
  return ordered.flatMap((rs) => change(rs, sizes.get(rs.name) ?? rs.replicas));
}

/** Kubernetes' GetProportion: this ReplicaSet's share of `toAdd`, never past what is left. */
function proportionOf(rs: RsCounts, bounds: RolloutBounds, toAdd: number, added: number): number {
  if (rs.replicas === 0 || toAdd === added) return 0;
  const fraction = fractionOf(rs, bounds);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** Kubernetes' getReplicaSetFraction: its size scaled from the old max-replicas to the new one. */
function fractionOf(rs: RsCounts, bounds: RolloutBounds): number {
  if (bounds.replicas === 0) return -rs.replicas;
  const maxNow = bounds.replicas + bounds.maxSurge;
  const maxBefore = rs.maxReplicas ?? 0;
  if (maxBefore === 0) return 0;
  return Math.round((rs.replicas * maxNow) / maxBefore) - rs.replicas;
}

/** Kubernetes' IsSaturated: the new ReplicaSet runs the Deployment's full count, all available. */
export function isSaturated(bounds: RolloutBounds, newRS: RsCounts): boolean {
  return (
    newRS.desiredReplicas === bounds.replicas &&
    newRS.replicas === bounds.replicas &&
    newRS.availableReplicas === bounds.replicas
  );
}

/**
 * Kubernetes' isScalingEvent: an active ReplicaSet was last sized for a different replica count,
 * so the Deployment was resized (not its template changed).
 */
export function isScalingEvent(replicas: number, all: readonly RsCounts[]): boolean {
  return all.some(
    (rs) => rs.replicas > 0 && rs.desiredReplicas !== undefined && rs.desiredReplicas !== replicas,
  );
}

/** The revision a ReplicaSet carries (0 without one). */
export function revisionOf(obj: {
  readonly metadata: { readonly annotations?: Readonly<Record<string, string>> | undefined };
}): number {
  const value = Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/**
 * Kubernetes' cleanupDeployment: beyond `revisionHistoryLimit`, the old ReplicaSets of lowest
 * revision go, but only those with no replicas asked for or running and a status that has caught
 * up with their spec.
 */
export function planHistoryCleanup(
  limit: number,
  old: readonly Readonly<ReplicaSet>[],
): Readonly<ReplicaSet>[] {
  const alive = old.filter((rs) => !rs.metadata.deletionTimestamp);
  const excess = alive.length - limit;
  if (excess <= 0) return [];
  const byRevision = [...alive].sort(
    (a, b) => revisionOf(a) - revisionOf(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
  return byRevision
    .slice(0, excess)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        rs.spec.replicas === 0 &&
        (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}

/** Deployment annotations never copied to its ReplicaSets (Kubernetes' skipCopyAnnotation). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
]);

/**
 * Kubernetes' SetNewReplicaSetAnnotations: the new ReplicaSet gets the Deployment's annotations
 * (the change cause among them), a revision raised to `revision` (never lowered), and, when it is
 * about to be created, the replica annotations. Returns the annotations and whether they changed.
 */
export function newReplicaSetAnnotations(
  d: Readonly<Deployment>,
  current: Readonly<Record<string, string>>,
  revision: number,
  bounds: RolloutBounds,
  creating: boolean,
): { annotations: Record<string, string>; changed: boolean } {
  const annotations = { ...current };
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (!NOT_COPIED.has(k)) annotations[k] = v;
  }
  if (revisionOf({ metadata: { annotations } }) < revision)
    annotations[REVISION_ANNOTATION] = String(revision);
  if (creating) Object.assign(annotations, replicasAnnotations(bounds));
  const changed = JSON.stringify(annotations) !== JSON.stringify(current);
  return { annotations, changed };
}

/** The desired-replicas and max-replicas annotations for `bounds`. */
export function replicasAnnotations(bounds: RolloutBounds): Record<string, string> {
  return {
    [DESIRED_REPLICAS_ANNOTATION]: String(bounds.replicas),
    [MAX_REPLICAS_ANNOTATION]: String(bounds.replicas + bounds.maxSurge),
  };
}
