/**
 * What the garbage collector decides, as pure functions over what it read (Kubernetes'
 * `attemptToDeleteItem`, `processDeletingDependentsItem` and `orphanDependents`, reduced).
 *
 * Vocabulary (Kubernetes' own):
 * - a **solid** owner exists and is not being deleted in the foreground;
 * - a **dangling** owner is gone: no object with its uid exists (verified by a live GET);
 * - a **waiting** owner (waitingForDependentsDeletion) exists, with `deletionTimestamp` and the
 *   `foregroundDeletion` finalizer: it waits for its dependents to go first.
 */
import type { OwnerReference } from '../../../protocol/meta.js';

/** Finalizer the API server adds for `propagationPolicy: Foreground`. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** Finalizer the API server adds for `propagationPolicy: Orphan`. */
export const ORPHAN_FINALIZER = 'orphan';

/** Where one owner of a dependent stands. */
export type OwnerState = 'solid' | 'dangling' | 'waiting';

/** One ownerReference of a dependent with what the collector found at its uid. */
export interface ClassifiedOwner {
  readonly ref: OwnerReference;
  readonly state: OwnerState;
}

/** What to do with one dependent. */
export type DependentPlan =
  | { readonly action: 'keep' }
  /** A solid owner remains: drop the references to gone owners, unblock the waiting ones. */
  | {
      readonly action: 'patchOwnerReferences';
      readonly remove: readonly string[];
      readonly unblock: readonly string[];
    }
  | { readonly action: 'delete'; readonly propagationPolicy: 'Background' | 'Foreground' };

/** The least the collector reads of an object. */
export interface GraphObject {
  readonly metadata: {
    readonly uid?: string;
    readonly deletionTimestamp?: string;
    readonly finalizers?: readonly string[];
    readonly ownerReferences?: readonly OwnerReference[];
  };
}

/** Which finalizer-driven work an object being deleted asks of the collector, if any. */
export function deletionMode(obj: GraphObject): 'orphan' | 'foreground' | undefined {
  if (!obj.metadata.deletionTimestamp) return undefined;
  const finalizers = obj.metadata.finalizers ?? [];
  // Orphan first, as Kubernetes: an owner asking for both has its dependents orphaned, never deleted.
  if (finalizers.includes(ORPHAN_FINALIZER)) return 'orphan';
  if (finalizers.includes(FOREGROUND_FINALIZER)) return 'foreground';
  return undefined;
}

/** The state of an owner found alive: waiting when it is being deleted in the foreground. */
export function liveOwnerState(owner: GraphObject): OwnerState {
  return deletionMode(owner) === 'foreground' ? 'waiting' : 'solid';
}

/**
 * What to do with a dependent whose owners are classified (attemptToDeleteItem): keep it while a
 * solid owner remains, delete it when none does. A dependent that is itself being deleted is left
 * to its own finalizers. `hasDependents` chooses Foreground when a waiting owner must see this
 * dependent's own dependents go first.
 */
export function planDependent(
  dependent: GraphObject,
  owners: readonly ClassifiedOwner[],
  hasDependents: boolean,
): DependentPlan {
  if (dependent.metadata.deletionTimestamp || owners.length === 0) return { action: 'keep' };
  const solid = owners.filter((o) => o.state === 'solid');
  const dangling = owners.filter((o) => o.state === 'dangling');
  const waiting = owners.filter((o) => o.state === 'waiting');
  if (solid.length > 0) {
    // Another owner still holds this object: it lives on, but must neither point at the dead nor
    // block a waiting owner that would otherwise wait for it forever.
    const unblock = waiting.filter((o) => o.ref.blockOwnerDeletion === true);
    if (dangling.length === 0 && unblock.length === 0) return { action: 'keep' };
    return {
      action: 'patchOwnerReferences',
      remove: dangling.map((o) => o.ref.uid),
      unblock: unblock.map((o) => o.ref.uid),
    };
  }
  // A waiting owner wants its whole subtree gone before it goes: cascade in the foreground.
  if (waiting.length > 0 && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: 'Background' };
}

/** Owner references with `remove` dropped and `unblock` set to `blockOwnerDeletion: false`. */
export function patchedOwnerReferences(
  refs: readonly OwnerReference[],
  plan: { readonly remove: readonly string[]; readonly unblock: readonly string[] },
): OwnerReference[] {
  return refs
    .filter((r) => !plan.remove.includes(r.uid))
    .map((r) => (plan.unblock.includes(r.uid) ? { ...r, blockOwnerDeletion: false } : r));
}

/** What a foreground-deleting owner does next (processDeletingDependentsItem). */
export interface ForegroundPlan {
  /** Dependents not yet being deleted: each is synced, and deletes itself (its owner is waiting). */
  readonly toDelete: readonly GraphObject[];
  /** Dependents with `blockOwnerDeletion` on this owner that still exist. */
  readonly blocking: number;
  /** True when nothing blocks: the `foregroundDeletion` finalizer may go, and the owner with it. */
  readonly removeFinalizer: boolean;
}

/** Plans the foreground deletion of `owner` given its dependents (those referring to its uid). */
export function planForeground(owner: GraphObject, dependents: readonly GraphObject[]): ForegroundPlan {
  const uid = owner.metadata.uid;
  const blocking = dependents.filter((d) =>
    (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true),
  ).length;
  return {
    toDelete: dependents.filter((d) => !d.metadata.deletionTimestamp),
    blocking,
    removeFinalizer: blocking === 0,
  };
}

/** Finalizers without `finalizer`. */
export function withoutFinalizer(obj: GraphObject, finalizer: string): string[] {
  return (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
}
