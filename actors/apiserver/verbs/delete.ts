/**
 * delete and deletecollection, with Kubernetes' semantics:
 * - finalizers keep an object visible, with `deletionTimestamp` set, until the last one is gone;
 * - `propagationPolicy` Foreground and Orphan add the `foregroundDeletion` / `orphan` finalizer,
 *   which the garbage collector acts on; Background (the default) deletes at once;
 * - a pod bound to a node is deleted gracefully: it gets `deletionTimestamp` = now + grace period
 *   and its kubelet stops the containers, then deletes it with grace 0;
 * - a namespace gets the `kubernetes` finalizer and stays Terminating until the namespace
 *   controller has deleted everything in it;
 * - the `default` and `kube-system` namespaces cannot be deleted.
 */
import type { ApiRequest } from '../../../protocol/api.js';
import { badRequest, forbidden, isReason } from '../../../protocol/errors.js';
import { NAMESPACE_FINALIZER } from '../../../protocol/resources/namespace.js';
import type { AnyObject, ResourceType } from '../../../protocol/resources/registry.js';
import { compileSelection } from '../../../protocol/selectors/selection.js';
import type { ApiDeps } from '../deps.js';
import { type Mutable, objectKey, resourceType, rfc3339 } from '../objects.js';
import type { ObjectKey } from '../store/store.js';
import { commitDelete, commitUpdate, readExisting } from './commit.js';
import { list } from './read.js';
import { checkPreconditions, type Outcome, retryRaces } from './write.js';

/** Finalizer the garbage collector uses for foreground deletion. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** Finalizer the garbage collector uses to orphan dependents. */
export const ORPHAN_FINALIZER = 'orphan';
/** Namespaces the server refuses to delete. */
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** DELETE one object. Returns the object: gone, or still terminating. */
export async function remove(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  if (!req.name) throw badRequest('name is required for a delete');
  const key = objectKey(type, req.namespace, req.name);
  if (type.plural === 'namespaces' && PROTECTED_NAMESPACES.has(req.name)) {
    throw forbidden(`namespaces "${req.name}" is forbidden: this namespace may not be deleted`);
  }
  const pinned = req.options?.preconditions?.resourceVersion !== undefined;
  const body = await retryRaces(pinned ? 'none' : 'unpinned', async () => {
    const old = await readExisting(deps, type, key);
    const pre = req.options?.preconditions;
    checkPreconditions(type, old, pre?.resourceVersion, pre?.uid);
    return deleteOne(deps, type, key, old, req);
  });
  return { body, code: body.metadata.deletionTimestamp ? 202 : 200 };
}

async function deleteOne(
  deps: ApiDeps,
  type: ResourceType,
  key: ObjectKey,
  old: AnyObject,
  req: ApiRequest,
): Promise<AnyObject> {
  const options = req.options ?? {};
  const next = structuredClone(old) as Mutable<AnyObject>;
  const finalizers = new Set(old.metadata.finalizers ?? []);
  if (options.propagationPolicy === 'Foreground') finalizers.add(FOREGROUND_FINALIZER);
  if (options.propagationPolicy === 'Orphan') finalizers.add(ORPHAN_FINALIZER);
  // A namespace stays Terminating until the namespace controller has deleted its content.
  if (type.plural === 'namespaces' && !old.metadata.deletionTimestamp) finalizers.add(NAMESPACE_FINALIZER);

  const grace = gracePeriod(old, options.gracePeriodSeconds);
  if (finalizers.size === 0 && grace === 0) return commitDelete(deps, type, key, old, old, options);

  // Deletion is pending: mark it, and let finalizers (or the kubelet) finish it.
  const now = deps.clock.now();
  const meta = next.metadata as Mutable<AnyObject['metadata']>;
  meta.finalizers = [...finalizers];
  const deadline = now + grace * 1000;
  if (!meta.deletionTimestamp || Date.parse(meta.deletionTimestamp) > deadline) {
    // A second delete may shorten the grace period, never lengthen it (Kubernetes' rule).
    meta.deletionTimestamp = rfc3339(deadline);
    meta.deletionGracePeriodSeconds = grace;
  }
  if (type.plural === 'namespaces') (next as { status?: unknown }).status = { phase: 'Terminating' };
  return commitUpdate(deps, type, key, next as AnyObject, old, { ...options, skipUpdateValidation: true });
}

/**
 * The grace period of a deletion: only pods bound to a node that has not finished them get one
 * (their kubelet must stop containers first); everything else goes at once.
 */
function gracePeriod(obj: AnyObject, requested: number | undefined): number {
  if (obj.kind !== 'Pod' || !obj.spec.nodeName) return 0;
  const phase = obj.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  return requested ?? obj.spec.terminationGracePeriodSeconds ?? 30;
}

/** DELETE a collection: every object the selectors match, one at a time. */
export async function removeCollection(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  compileSelection(type, req.options?.labelSelector, req.options?.fieldSelector); // 400 before anything
  // Page by page (a page is bounded by bytes). A continue page that expired because the rest of the
  // list changed starts the listing again; objects already handled are skipped, so it converges.
  const handled = new Set<string>();
  const deleted: unknown[] = [];
  let token: string | undefined;
  do {
    let page: { items: AnyObject[]; metadata: { continue?: string } };
    try {
      const listed = await list(deps, {
        ...req,
        verb: 'list',
        options: { ...req.options, limit: 0, continue: token },
      });
      page = JSON.parse((listed.body as { json: string }).json);
    } catch (err) {
      if (token === undefined || !isReason(err, 'Expired')) throw err;
      token = undefined;
      continue;
    }
    for (const item of page.items) {
      const key = `${item.metadata.namespace ?? ''}/${item.metadata.name}`;
      if (handled.has(key)) continue;
      handled.add(key);
      try {
        const result = await remove(deps, {
          ...req,
          verb: 'delete',
          namespace: item.metadata.namespace,
          name: item.metadata.name,
        });
        deleted.push(result.body);
      } catch (err) {
        if (!isReason(err, 'NotFound')) throw err; // deleted by someone else meanwhile: nothing to do
      }
    }
    token = page.metadata.continue;
  } while (token !== undefined);
  return { body: { apiVersion: type.apiVersion, kind: `${type.kind}List`, metadata: {}, items: deleted } };
}
