/**
 * A Deployment's status, recomputed from its ReplicaSets every sync (Kubernetes' calculateStatus
 * and syncRolloutStatus), and the Progressing / Available conditions with their reasons.
 *
 *   Progressing: NewReplicaSetCreated / FoundNewReplicaSet ─▶ ReplicaSetUpdated (each step that
 *   moves) ─▶ NewReplicaSetAvailable (complete) | ProgressDeadlineExceeded (no move for
 *   progressDeadlineSeconds); DeploymentPaused / DeploymentResumed while paused or on resume.
 *   Available: MinimumReplicasAvailable when at least replicas - maxUnavailable pods are available.
 */
import type { Condition } from '../../../protocol/meta.js';
import type { Deployment, DeploymentStatus } from '../../../protocol/resources/deployment.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import type { RolloutBounds } from './plan.js';

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
/** Condition reasons, Kubernetes' own. */
export const NEW_RS_CREATED = 'NewReplicaSetCreated';
export const FOUND_NEW_RS = 'FoundNewReplicaSet';
export const RS_UPDATED = 'ReplicaSetUpdated';
export const NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const TIMED_OUT = 'ProgressDeadlineExceeded';
export const PAUSED = 'DeploymentPaused';
export const RESUMED = 'DeploymentResumed';
export const FAILED_RS_CREATE = 'ReplicaSetCreateError';
export const MINIMUM_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_UNAVAILABLE = 'MinimumReplicasUnavailable';

/** RFC 3339 to the second, as conditions carry it. */
export function rfc3339(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** A condition stamped `now` (both update and transition times). */
export function newCondition(
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  now: number,
): Condition {
  const at = rfc3339(now);
  return { type, status, reason, message, lastUpdateTime: at, lastTransitionTime: at };
}

/** The condition of `type`, if present. */
export function conditionOf(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Kubernetes' SetDeploymentCondition: the same status and reason change nothing; the same status
 * keeps its transition time; anything else replaces the condition.
 */
export function setCondition(conditions: readonly Condition[], condition: Condition): Condition[] {
  const current = conditionOf(conditions, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason)
    return [...conditions];
  const next =
    current && current.status === condition.status && current.lastTransitionTime
      ? { ...condition, lastTransitionTime: current.lastTransitionTime }
      : condition;
  return [...conditions.filter((c) => c.type !== condition.type), next];
}

const total = (rss: readonly Readonly<ReplicaSet>[], f: (rs: Readonly<ReplicaSet>) => number | undefined) =>
  rss.reduce((n, rs) => n + (f(rs) ?? 0), 0);

/**
 * Kubernetes' calculateStatus: the counts summed over every ReplicaSet (updated: the new one's),
 * the observed generation, and the Available condition. `conditions` are the ones to start from.
 */
export function calculateStatus(
  d: Readonly<Deployment>,
  bounds: RolloutBounds,
  all: readonly Readonly<ReplicaSet>[],
  newRS: Readonly<ReplicaSet> | undefined,
  conditions: readonly Condition[],
  now: number,
): DeploymentStatus {
  const available = total(all, (rs) => rs.status?.availableReplicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: total(all, (rs) => rs.status?.replicas),
    updatedReplicas: newRS ? (newRS.status?.replicas ?? 0) : 0,
    readyReplicas: total(all, (rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, d.spec.replicas - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
  const minimum = available >= bounds.replicas - bounds.maxUnavailable;
  const availableCondition = minimum
    ? newCondition(AVAILABLE, 'True', MINIMUM_AVAILABLE, 'Deployment has minimum availability.', now)
    : newCondition(
        AVAILABLE,
        'False',
        MINIMUM_UNAVAILABLE,
        'Deployment does not have minimum availability.',
        now,
      );
  return { ...status, conditions: setCondition(conditions, availableCondition) };
}

/** Kubernetes' DeploymentComplete: every replica updated and available, the generation observed. */
export function isComplete(d: Readonly<Deployment>, status: DeploymentStatus): boolean {
  const replicas = d.spec.replicas;
  return (
    status.updatedReplicas === replicas &&
    status.replicas === replicas &&
    status.availableReplicas === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** Kubernetes' DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than before. */
export function isProgressing(old: DeploymentStatus | undefined, next: DeploymentStatus): boolean {
  const oldOld = (old?.replicas ?? 0) - (old?.updatedReplicas ?? 0);
  const nextOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old?.updatedReplicas ?? 0) ||
    nextOld < oldOld ||
    (next.readyReplicas ?? 0) > (old?.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old?.availableReplicas ?? 0)
  );
}

/** Kubernetes' DeploymentTimedOut: no progress recorded for `progressDeadlineSeconds`. */
export function hasTimedOut(d: Readonly<Deployment>, conditions: readonly Condition[], now: number): boolean {
  const progressing = conditionOf(conditions, PROGRESSING);
  if (!progressing) return false;
  if (progressing.reason === NEW_RS_AVAILABLE) return false;
  if (progressing.reason === TIMED_OUT) return true;
  const from = Date.parse(progressing.lastUpdateTime ?? progressing.lastTransitionTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + d.spec.progressDeadlineSeconds * 1000 < now;
}

/** What a rollout sync writes, and when to look again for the progress deadline. */
export interface RolloutStatus {
  readonly status: DeploymentStatus;
  /** Sync again after this long (ms) to check the deadline; undefined when there is nothing to wait for. */
  readonly requeueAfterMs?: number;
}

/**
 * Kubernetes' syncRolloutStatus: the recomputed status with the Progressing condition moved on:
 * NewReplicaSetAvailable when complete, ReplicaSetUpdated when this sync saw progress,
 * ProgressDeadlineExceeded when the deadline passed without any. A deadline already reported
 * stays until the template changes (a new ReplicaSet is created or found).
 */
export function rolloutStatus(
  d: Readonly<Deployment>,
  bounds: RolloutBounds,
  all: readonly Readonly<ReplicaSet>[],
  newRS: Readonly<ReplicaSet> | undefined,
  conditions: readonly Condition[],
  now: number,
): RolloutStatus {
  const status = calculateStatus(d, bounds, all, newRS, conditions, now);
  let next = status.conditions ?? [];
  const current = conditionOf(next, PROGRESSING);
  const complete = isComplete(d, status);
  if (current?.reason !== TIMED_OUT) {
    const rsName = newRS?.metadata.name;
    if (complete) {
      const message = rsName
        ? `ReplicaSet "${rsName}" has successfully progressed.`
        : 'Deployment has successfully progressed.';
      next = setCondition(next, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE, message, now));
    } else if (isProgressing(d.status, status)) {
      const message = rsName ? `ReplicaSet "${rsName}" is progressing.` : 'Deployment is progressing.';
      // Each step that moves renews lastUpdateTime: the deadline counts from the last progress.
      const moved = newCondition(PROGRESSING, 'True', RS_UPDATED, message, now);
      next = [
        ...next.filter((c) => c.type !== PROGRESSING),
        current?.status === 'True' && current.lastTransitionTime
          ? { ...moved, lastTransitionTime: current.lastTransitionTime }
          : moved,
      ];
    } else if (hasTimedOut(d, next, now)) {
      const message = rsName
        ? `ReplicaSet "${rsName}" has timed out progressing.`
        : `Deployment "${d.metadata.name}" has timed out progressing.`;
      next = setCondition(next, newCondition(PROGRESSING, 'False', TIMED_OUT, message, now));
    }
  }
  const result = { ...status, conditions: next };
  return { status: result, ...deadlineRequeue(d, result, now) };
}

/** Kubernetes' requeueStuckDeployment: when the deadline would pass if nothing moves. */
function deadlineRequeue(
  d: Readonly<Deployment>,
  status: DeploymentStatus,
  now: number,
): { requeueAfterMs?: number } {
  const progressing = conditionOf(status.conditions, PROGRESSING);
  if (!progressing || progressing.reason === TIMED_OUT || isComplete(d, status)) return {};
  if (progressing.reason === PAUSED) return {};
  const from = Date.parse(progressing.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return {};
  const after = from + d.spec.progressDeadlineSeconds * 1000 - now;
  // One second past the deadline (timestamps are whole seconds): then it has surely passed.
  return { requeueAfterMs: Math.max(0, after) + 1000 };
}

/**
 * True when two statuses say the same, ignoring condition timestamps that alone moved
 * (`lastUpdateTime` of an unchanged Available condition), so a quiet sync writes nothing.
 */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined) => ({
    observedGeneration: s?.observedGeneration ?? 0,
    replicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    unavailableReplicas: s?.unavailableReplicas ?? 0,
    collisionCount: s?.collisionCount ?? 0,
    conditions: [...(s?.conditions ?? [])]
      .sort((x, y) => x.type.localeCompare(y.type))
      .map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
        t: c.lastTransitionTime,
        u: c.type === PROGRESSING ? c.lastUpdateTime : undefined,
      })),
  });
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
