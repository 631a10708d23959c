/**
 * The last step of every write: size check, store call, and the mapping of store outcomes to
 * Kubernetes errors. Verbs build the object; this file is the only one that writes it.
 */
import type { FenceToken } from '../../../protocol/api.js';
import {
  ApiError,
  alreadyExists,
  conflict,
  forbidden,
  internal,
  invalid,
  notFound,
  tooLarge,
} from '../../../protocol/errors.js';
import type { AnyObject, ResourceType } from '../../../protocol/resources/registry.js';
import { validateUpdate } from '../../../protocol/resources/validate.js';
import { summarize } from '../../../protocol/selectors/selection.js';
import {
  allocate,
  alreadyAllocated,
  claimsOf,
  defaultServiceRanges,
  type ServiceRanges,
} from '../allocation.js';
import type { ApiDeps } from '../deps.js';
import { changed, nodeOf, parseStored, revisionOf } from '../objects.js';
import type { Claims, Fence, ObjectKey, StoredObject, WriteResult } from '../store/store.js';

export interface CommitOptions {
  readonly dryRun?: boolean;
  readonly fence?: FenceToken;
}

/** Stores a new object; returns it as stored (with its resourceVersion). */
export async function commitCreate(
  deps: ApiDeps,
  type: ResourceType,
  key: ObjectKey,
  obj: AnyObject,
  options: CommitOptions,
): Promise<AnyObject> {
  checkSize(deps, type, obj);
  if (options.dryRun) return allocate(obj, undefined, rangesOf(deps), deps.random).object;
  await ensureNamespace(deps, type, key.namespace);
  return writeClaiming(deps, type, key, obj, undefined, (object, claims) =>
    deps.store.create(key, object as StoredObject, { node: nodeOf(object), ...fenceOf(options), claims }),
  );
}

/**
 * Stores a new version of `old`. A version equal to the stored one is not written (no new
 * resourceVersion, no event), which makes repeated applies and unchanged status reports free.
 * An object whose deletion was pending and whose last finalizer is gone is deleted instead
 * (unless it is a pod still in its grace period: its kubelet deletes it).
 */
export async function commitUpdate(
  deps: ApiDeps,
  type: ResourceType,
  key: ObjectKey,
  next: AnyObject,
  old: AnyObject,
  options: CommitOptions & { readonly skipUpdateValidation?: boolean },
): Promise<AnyObject> {
  if (!options.skipUpdateValidation) {
    const errors = validateUpdate(old, next);
    if (errors.length > 0) throw invalid(type.kind, key.name, errors);
  }
  if (!changed(next, old)) return old;
  checkSize(deps, type, next);
  if (finalized(next)) {
    return commitDelete(deps, type, key, next, old, options);
  }
  if (options.dryRun) return allocate(next, old, rangesOf(deps), deps.random).object;
  return writeClaiming(deps, type, key, next, old, (object, claims) =>
    deps.store.update(key, object as StoredObject, {
      expectedRevision: revisionOf(old),
      node: nodeOf(object),
      previousNode: nodeOf(old),
      previous: JSON.stringify(summarize(type, old)),
      ...fenceOf(options),
      claims,
    }),
  );
}

/** Random picks that collide this often in a row mean the range is (nearly) full. */
const MAX_ALLOCATION_ATTEMPTS = 32;

/**
 * Writes `obj` holding the claims of what it was allocated (allocation.ts), giving back what `old`
 * held and no longer does. A random pick another object holds is picked again; a value the user
 * asked for that another object holds is their error (422).
 */
async function writeClaiming(
  deps: ApiDeps,
  type: ResourceType,
  key: ObjectKey,
  obj: AnyObject,
  old: AnyObject | undefined,
  write: (object: AnyObject, claims: Claims) => Promise<WriteResult>,
): Promise<AnyObject> {
  for (let attempt = 1; ; attempt++) {
    const allocation = allocate(obj, old, rangesOf(deps), deps.random);
    const take = claimsOf(allocation.object);
    const release = claimsOf(old).filter((claim) => !take.includes(claim));
    const result = await write(allocation.object, { take, release });
    deps.faults.hit('write.after-commit');
    if (result.ok || result.reason !== 'claimed' || result.claim === undefined) {
      return outcome(type, key, allocation.object, result);
    }
    const requested = allocation.requested.get(result.claim);
    if (requested) throw alreadyAllocated(key.name, result.claim, requested);
    if (attempt >= MAX_ALLOCATION_ATTEMPTS) {
      throw internal(
        `could not allocate ${result.claim.split('/')[1]} for ${type.plural} "${key.name}": the range looks full`,
      );
    }
  }
}

function rangesOf(deps: ApiDeps): ServiceRanges {
  return deps.serviceRanges ?? defaultServiceRanges;
}

function finalized(obj: AnyObject): boolean {
  const meta = obj.metadata;
  return (
    Boolean(meta.deletionTimestamp) &&
    (meta.finalizers ?? []).length === 0 &&
    !meta.deletionGracePeriodSeconds
  );
}

/** Removes `old` for good; `last` is the state the DELETED event reports. */
export async function commitDelete(
  deps: ApiDeps,
  type: ResourceType,
  key: ObjectKey,
  last: AnyObject,
  old: AnyObject,
  options: CommitOptions,
): Promise<AnyObject> {
  if (options.dryRun) return last;
  const result = await deps.store.delete(key, last as StoredObject, {
    expectedRevision: revisionOf(old),
    previousNode: nodeOf(old),
    ...fenceOf(options),
    claims: { release: claimsOf(old) },
  });
  deps.faults.hit('write.after-commit');
  return outcome(type, key, last, result);
}

/** Reads the stored object or answers 404. */
export async function readExisting(deps: ApiDeps, type: ResourceType, key: ObjectKey): Promise<AnyObject> {
  const json = await deps.store.get(key);
  if (json === undefined) throw notFound(type.plural, key.name);
  return parseStored(json);
}

/** Namespaced objects need their namespace to exist and not be terminating. */
async function ensureNamespace(deps: ApiDeps, type: ResourceType, namespace: string): Promise<void> {
  if (!type.namespaced) return;
  const json = await deps.store.get({ resource: 'namespaces', namespace: '', name: namespace });
  if (json === undefined) throw notFound('namespaces', namespace);
  if (parseStored(json).metadata.deletionTimestamp) {
    throw forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}

function checkSize(deps: ApiDeps, type: ResourceType, obj: AnyObject): void {
  const bytes = Buffer.byteLength(JSON.stringify(obj));
  if (bytes > deps.limits.maxObjectBytes) {
    throw tooLarge(
      `${type.kind} "${obj.metadata.name}" is too large: ${bytes} bytes, the limit is ${deps.limits.maxObjectBytes}`,
    );
  }
}

function fenceOf(options: CommitOptions): { fence?: Fence } {
  const f = options.fence;
  if (!f) return {};
  return {
    fence: {
      lease: { resource: 'leases', namespace: f.lease.namespace, name: f.lease.name },
      holderIdentity: f.holderIdentity,
      leaseTransitions: f.leaseTransitions,
    },
  };
}

/** The written object with its new resourceVersion (cheaper than parsing what the store wrote), or the error. */
function outcome(type: ResourceType, key: ObjectKey, obj: AnyObject, result: WriteResult): AnyObject {
  if (result.ok)
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(result.revision) } } as AnyObject;
  switch (result.reason) {
    case 'exists':
      throw alreadyExists(type.plural, key.name);
    case 'not-found':
      throw notFound(type.plural, key.name);
    case 'conflict':
      throw conflict(type.plural, key.name);
    case 'fenced':
      throw pin(
        conflict(type.plural, key.name, 'the writer no longer holds the lease that fences this write'),
      );
    case 'claimed':
      // Only writes that take claims meet this, and writeClaiming answers them before.
      throw conflict(type.plural, key.name, `${result.claim ?? 'a value'} is held by another object`);
  }
}

/**
 * A conflict the client asked for (its own preconditions, a lost fence): never retried by the
 * server. Same Status as any conflict; only the class tells them apart.
 */
export class PinnedConflict extends ApiError {}

/** Re-types a conflict as the client's own; returns it for `throw pin(...)`. */
export function pin(err: ApiError): ApiError {
  return new PinnedConflict(err.reason, err.message, err.status.details);
}

/** True for a conflict made by `pin`. */
export function isPinned(err: ApiError): boolean {
  return err instanceof PinnedConflict;
}
