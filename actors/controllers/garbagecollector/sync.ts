/**
 * The garbage collector's sync of one object, keyed `<plural>/<namespace>/<name>`:
 *
 *   object being deleted with `orphan`             → orphanDependents, then drop the finalizer
 *   object being deleted with `foregroundDeletion` → sync every dependent (they delete themselves,
 *                                                    their owner is waiting), drop the finalizer
 *                                                    once no blocking dependent is left
 *   object with ownerReferences                    → attemptToDelete: classify its owners, then
 *                                                    keep it, patch its references, or delete it
 *
 * The graph is the informers themselves: every informer indexes objects by uid and by owner uid,
 * so "the dependents of X" is one index lookup per resource.
 */
import type { ApiClient } from '../../../protocol/client/api-client.js';
import { objectKeyOf } from '../../../protocol/client/informer.js';
import { isReason } from '../../../protocol/errors.js';
import type { OwnerReference } from '../../../protocol/meta.js';
import { type AnyObject, resourceByKind, resourceByPlural } from '../../../protocol/resources/registry.js';
import type { Logger } from '../../kernel/log.js';
import {
  type ClassifiedOwner,
  type DependentPlan,
  deletionMode,
  FOREGROUND_FINALIZER,
  liveOwnerState,
  ORPHAN_FINALIZER,
  patchedOwnerReferences,
  planDependent,
  planForeground,
  withoutFinalizer,
} from './plan.js';

/** Index of every collector informer: an object's own uid. */
export const BY_UID = 'gcByUid';
/** Index of every collector informer: the uids of an object's owners. */
export const BY_OWNER_UID = 'gcByOwnerUid';

/** What the collector reads of one resource's informer (an Informer is one). */
export interface GraphCache {
  getByKey(key: string): Readonly<AnyObject> | undefined;
  byIndex(index: string, value: string): Readonly<AnyObject>[];
}

/** What the sync reads and writes through. */
export interface GarbageCollectorDeps {
  readonly client: ApiClient;
  /** One informer per resource the collector watches, by plural. */
  readonly informers: ReadonlyMap<string, GraphCache>;
  readonly log: Logger;
  /** Queues another object's key (a dependent to sync). */
  readonly enqueue: (key: string) => void;
}

/** The work-queue key of an object of `plural`. */
export function graphKey(plural: string, obj: AnyObject): string {
  return `${plural}/${objectKeyOf(obj)}`;
}

/** Splits a key into its resource and the informer's key. */
export function parseGraphKey(key: string): { plural: string; objectKey: string } {
  const slash = key.indexOf('/');
  return { plural: key.slice(0, slash), objectKey: key.slice(slash + 1) };
}

/** Every cached object (any resource) whose ownerReferences name `uid`, with its key. */
export function dependentsOf(
  informers: ReadonlyMap<string, GraphCache>,
  uid: string,
): { key: string; obj: AnyObject }[] {
  const found: { key: string; obj: AnyObject }[] = [];
  for (const [plural, informer] of informers) {
    for (const obj of informer.byIndex(BY_OWNER_UID, uid)) found.push({ key: graphKey(plural, obj), obj });
  }
  return found;
}

/** The cached object with `uid`, whatever its resource, with its key. */
export function objectByUid(
  informers: ReadonlyMap<string, GraphCache>,
  uid: string,
): { key: string; obj: AnyObject } | undefined {
  for (const [plural, informer] of informers) {
    const [obj] = informer.byIndex(BY_UID, uid);
    if (obj) return { key: graphKey(plural, obj), obj };
  }
  return undefined;
}

/** Syncs one object of the ownership graph. */
export async function syncGarbage(deps: GarbageCollectorDeps, key: string): Promise<void> {
  const { plural, objectKey } = parseGraphKey(key);
  const obj = deps.informers.get(plural)?.getByKey(objectKey);
  if (!obj) return; // gone: its dependents and owners were queued by the delete event
  switch (deletionMode(obj)) {
    case 'orphan':
      return orphanDependents(deps, plural, obj);
    case 'foreground':
      return deleteDependentsFirst(deps, plural, obj);
    default:
      if ((obj.metadata.ownerReferences ?? []).length > 0) return attemptToDelete(deps, plural, obj);
  }
}

/** attemptToDeleteItem: deletes `obj` when no owner of it is left, or trims its references. */
async function attemptToDelete(deps: GarbageCollectorDeps, plural: string, cached: AnyObject): Promise<void> {
  if ((await planFor(deps, cached)).action === 'keep') return;
  // About to write: decide again on the live object. The cache may hold a version whose owners
  // have changed since (an Orphan deletion strips the reference, then the owner's DELETED event can
  // arrive before the dependent's update, as the two resources are watched apart).
  const obj = await getLive(deps, plural, cached);
  if (!obj) return;
  const plan = await planFor(deps, obj);
  const uid = obj.metadata.uid as string;
  const { namespace = '', name = '' } = obj.metadata;
  switch (plan.action) {
    case 'keep':
      return;
    case 'patchOwnerReferences':
      deps.log.info({ key: graphKey(plural, obj), ...plan }, 'removing dangling owner references');
      await updateLive(deps, plural, obj, (live) => ({
        ...live,
        metadata: {
          ...live.metadata,
          ownerReferences: patchedOwnerReferences(live.metadata.ownerReferences ?? [], plan),
        },
      }));
      return;
    case 'delete':
      deps.log.info(
        { key: graphKey(plural, obj), policy: plan.propagationPolicy },
        'deleting an object whose owners are gone',
      );
      try {
        // The uid precondition: a new object of the same name is not ours to delete.
        await deps.client.delete(plural, namespace, name, {
          propagationPolicy: plan.propagationPolicy,
          preconditions: { uid },
        });
      } catch (err) {
        if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
      }
  }
}

/** Classifies the owners of `obj` and plans what to do with it. */
async function planFor(deps: GarbageCollectorDeps, obj: AnyObject): Promise<DependentPlan> {
  const owners: ClassifiedOwner[] = [];
  for (const ref of obj.metadata.ownerReferences ?? []) {
    owners.push({ ref, state: await classifyOwner(deps, obj, ref) });
  }
  return planDependent(obj, owners, dependentsOf(deps.informers, obj.metadata.uid as string).length > 0);
}

/** The live version of `obj`, or undefined when it is gone or was replaced under the same name. */
async function getLive(
  deps: GarbageCollectorDeps,
  plural: string,
  obj: AnyObject,
): Promise<AnyObject | undefined> {
  const { namespace = '', name = '' } = obj.metadata;
  try {
    const live = await deps.client.get<AnyObject>(plural, namespace, name);
    return live.metadata.uid === obj.metadata.uid ? live : undefined;
  } catch (err) {
    if (isReason(err, 'NotFound')) return undefined;
    throw err;
  }
}

/**
 * Where one owner stands. The cache answers "alive"; only a live GET answers "gone", because an
 * informer that has not yet seen a new owner would otherwise have its dependents deleted.
 */
async function classifyOwner(
  deps: GarbageCollectorDeps,
  dependent: AnyObject,
  ref: OwnerReference,
): Promise<ClassifiedOwner['state']> {
  const cached = objectByUid(deps.informers, ref.uid);
  if (cached) return liveOwnerState(cached.obj);
  const type = resourceByKind(ref.apiVersion, ref.kind);
  if (!type) {
    // A kind this cluster does not serve cannot be checked: never delete on a guess.
    deps.log.warn({ ref }, 'owner reference to a kind this cluster does not serve; keeping the dependent');
    return 'solid';
  }
  const namespace = type.namespaced ? (dependent.metadata.namespace ?? '') : '';
  try {
    const live = await deps.client.get<AnyObject>(type.plural, namespace, ref.name);
    return live.metadata.uid === ref.uid ? liveOwnerState(live) : 'dangling';
  } catch (err) {
    if (isReason(err, 'NotFound')) return 'dangling';
    throw err;
  }
}

/** Foreground: every dependent goes first; the finalizer goes when none blocks any more. */
async function deleteDependentsFirst(
  deps: GarbageCollectorDeps,
  plural: string,
  owner: AnyObject,
): Promise<void> {
  const dependents = dependentsOf(deps.informers, owner.metadata.uid as string);
  const plan = planForeground(
    owner,
    dependents.map((d) => d.obj),
  );
  // Each dependent's own sync sees this owner waiting and deletes itself (in the foreground when it
  // has dependents too), which is how the cascade walks down the tree.
  for (const d of dependents) if (!d.obj.metadata.deletionTimestamp) deps.enqueue(d.key);
  if (!plan.removeFinalizer) return; // a blocking dependent's delete event queues this owner again
  await removeFinalizer(deps, plural, owner, FOREGROUND_FINALIZER);
}

/** Orphan: every dependent loses its reference to `owner`, then the `orphan` finalizer goes. */
async function orphanDependents(deps: GarbageCollectorDeps, plural: string, owner: AnyObject): Promise<void> {
  const uid = owner.metadata.uid as string;
  for (const d of dependentsOf(deps.informers, uid)) {
    const { plural: depPlural } = parseGraphKey(d.key);
    await updateLive(deps, depPlural, d.obj, (live) => {
      const refs = live.metadata.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === uid)) return undefined;
      return { ...live, metadata: { ...live.metadata, ownerReferences: refs.filter((r) => r.uid !== uid) } };
    });
  }
  await removeFinalizer(deps, plural, owner, ORPHAN_FINALIZER);
}

async function removeFinalizer(
  deps: GarbageCollectorDeps,
  plural: string,
  owner: AnyObject,
  finalizer: string,
): Promise<void> {
  deps.log.info({ key: graphKey(plural, owner), finalizer }, 'removing finalizer');
  await updateLive(deps, plural, owner, (live) =>
    (live.metadata.finalizers ?? []).includes(finalizer)
      ? { ...live, metadata: { ...live.metadata, finalizers: withoutFinalizer(live, finalizer) } }
      : undefined,
  );
}

/**
 * Reads `obj` live, edits a copy and writes it back with its resourceVersion as precondition: a
 * conflict throws and the key is retried, never a blind overwrite of someone else's change. An
 * object gone (or replaced by another of the same name) needs nothing.
 */
async function updateLive(
  deps: GarbageCollectorDeps,
  plural: string,
  obj: AnyObject,
  edit: (live: AnyObject) => AnyObject | undefined,
): Promise<void> {
  const live = await getLive(deps, plural, obj);
  if (!live) return;
  const next = edit(structuredClone(live));
  if (!next) return;
  try {
    await deps.client.update(plural, next);
  } catch (err) {
    if (!isReason(err, 'NotFound')) throw err;
  }
}

/** True when `plural` is a resource the API serves (settings are checked once, at wiring). */
export function isServed(plural: string): boolean {
  return resourceByPlural(plural) !== undefined;
}
