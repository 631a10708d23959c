/**
 * Owner references as controllers use them (Kubernetes' `metav1.GetControllerOf` and
 * `NewControllerRef`): which object controls another, and the reference a controller puts on what
 * it creates. Shared by every controller, so it lives below them.
 */
import type { OwnerReference } from './meta.js';

/** Anything with metadata that may carry owner references. */
interface Owned {
  readonly metadata: {
    readonly namespace?: string | undefined;
    readonly ownerReferences?: readonly OwnerReference[] | undefined;
  };
}

/** The owner reference with `controller: true`, if any (validation allows at most one). */
export function controllerRefOf(obj: Owned): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/**
 * The reference a controller puts on the objects it creates: `controller: true`, and
 * `blockOwnerDeletion: true` so a foreground deletion of the owner waits for them.
 */
export function newControllerRef(owner: {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string | undefined; readonly uid?: string | undefined };
}): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** `namespace/name` of the object of `apiVersion`/`kind` controlling `obj`, if one does. */
export function controllerKeyOf(obj: Owned, apiVersion: string, kind: string): string | undefined {
  const ref = controllerRefOf(obj);
  if (ref?.kind !== kind || ref.apiVersion !== apiVersion) return undefined;
  return `${obj.metadata.namespace}/${ref.name}`;
}

/** The uid of the object's controller, as an index value (none: not controlled). */
export function controllerUidIndex(obj: Owned): string[] {
  const ref = controllerRefOf(obj);
  return ref ? [ref.uid] : [];
}

/** The object's namespace when nothing controls it (an orphan to adopt), as an index value. */
export function orphanNamespaceIndex(obj: Owned): string[] {
  return controllerRefOf(obj) ? [] : [obj.metadata.namespace ?? ''];
}
