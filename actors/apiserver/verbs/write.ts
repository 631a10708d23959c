/**
 * create, update and patch (main resource and the status subresource), and apply.
 *
 * Every verb follows the same steps: decode and validate the document, read what is stored when
 * the verb needs it, let the strategy set and keep what the server owns, then commit with the
 * stored resourceVersion as the precondition. Writes that lose a race without the client having
 * asked for a precondition (patch, unconditional update, apply) are retried a few times, as the
 * Kubernetes API server does.
 */
import type { ApiRequest } from '../../../protocol/api.js';
import { badRequest, conflict, invalid, isReason } from '../../../protocol/errors.js';
import { planApply } from '../../../protocol/patch/apply.js';
import { applyPatch } from '../../../protocol/patch/index.js';
import type { AnyObject, ResourceType } from '../../../protocol/resources/registry.js';
import { validateObject } from '../../../protocol/resources/validate.js';
import type { ApiDeps } from '../deps.js';
import { generateName, type Mutable, objectKey, resourceType } from '../objects.js';
import {
  prepareForCreate,
  prepareForStatusUpdate,
  prepareForUpdate,
  revalidate,
  withServerOwnedSpec,
} from '../strategy.js';
import { commitCreate, commitUpdate, isPinned, pin, readExisting } from './commit.js';

/** How often a write that lost a race it did not ask to lose is tried again. */
const RACE_RETRIES = 5;

/** A verb's result: the body and any warnings for the client. */
export interface Outcome {
  readonly body: unknown;
  readonly warnings?: readonly string[];
  /** HTTP code for the HTTP face (default 200). */
  readonly code?: number;
}

type Doc = { metadata?: Record<string, unknown> } & Record<string, unknown>;

/** The request body as a mutable document, or 400. */
export function documentOf(req: ApiRequest): Doc {
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the request body must be a JSON object');
  }
  const doc = structuredClone(body) as Doc;
  doc.metadata = typeof doc.metadata === 'object' && doc.metadata !== null ? doc.metadata : {};
  return doc;
}

/** Puts the request's namespace on the document, refusing a document that names another one. */
export function placeInNamespace(type: ResourceType, req: ApiRequest, doc: Doc): void {
  const meta = doc.metadata as Record<string, unknown>;
  if (!type.namespaced) {
    delete meta.namespace;
    return;
  }
  const fromDoc = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;
  const namespace = req.namespace || fromDoc || 'default';
  if (fromDoc !== undefined && fromDoc !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  meta.namespace = namespace;
}

function validated(
  type: ResourceType,
  doc: Doc,
): { object: Mutable<AnyObject>; warnings: readonly string[] } {
  const result = validateObject(doc, { resource: type.plural });
  const name = typeof doc.metadata?.name === 'string' ? doc.metadata.name : '';
  if (!result.ok) throw invalid(type.kind, name, result.errors);
  return { object: result.object as Mutable<AnyObject>, warnings: result.warnings };
}

/** POST: creates an object. */
export async function create(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  const doc = documentOf(req);
  placeInNamespace(type, req, doc);
  const meta = doc.metadata as Record<string, unknown>;
  if (!meta.name && typeof meta.generateName === 'string' && meta.generateName !== '') {
    meta.name = generateName(meta.generateName, deps.random);
  }
  const { object, warnings } = validated(type, doc);
  prepareForCreate(object, deps.clock.now(), deps.newUid());
  const key = objectKey(type, object.metadata.namespace, object.metadata.name as string);
  const stored = await commitCreate(
    deps,
    type,
    key,
    withServerOwnedSpec(object as AnyObject),
    req.options ?? {},
  );
  return { body: stored, warnings, code: 201 };
}

/** PUT: replaces an object, or its status with `subresource: 'status'`. */
export async function update(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  const doc = documentOf(req);
  placeInNamespace(type, req, doc);
  const meta = doc.metadata as Record<string, unknown>;
  const name = req.name ?? (meta.name as string | undefined);
  if (!name) throw badRequest('name is required for an update');
  if (meta.name !== undefined && meta.name !== name) {
    throw badRequest(
      `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
    );
  }
  meta.name = name;
  if (req.subresource === 'status' && !type.subresources.status)
    throw badRequest(`${type.plural} have no status`);
  const { object, warnings } = validated(type, doc);
  const key = objectKey(type, object.metadata.namespace, name);
  const wanted = object.metadata.resourceVersion;
  const body = await retryRaces(wanted === undefined ? 'unpinned' : 'none', async () => {
    const old = await readExisting(deps, type, key);
    checkPreconditions(type, old, wanted, object.metadata.uid);
    if (req.subresource === 'status') {
      const next = prepareForStatusUpdate(object as AnyObject, old);
      return commitUpdate(deps, type, key, revalidate(type, next as AnyObject), old, req.options ?? {});
    }
    const next = structuredClone(object);
    prepareForUpdate(type, next, old);
    return commitUpdate(deps, type, key, withServerOwnedSpec(next as AnyObject), old, req.options ?? {});
  });
  return { body, warnings };
}

/** PATCH: applies a merge, strategic-merge or JSON patch to the stored object (or its status). */
export async function patch(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  const name = req.name;
  if (!name) throw badRequest('name is required for a patch');
  const key = objectKey(type, req.namespace, name);
  const patchType = req.patchType ?? 'application/merge-patch+json';
  const body = await retryRaces('unpinned', async () => {
    const old = await readExisting(deps, type, key);
    const patched = applyPatch(patchType, type.kind, old, req.body) as Doc;
    // A resourceVersion in the patch is a precondition, as in Kubernetes.
    const wanted = (patched.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    checkPreconditions(type, old, wanted, undefined);
    if (req.subresource === 'status') {
      const next = prepareForStatusUpdate(revalidate(type, patched as unknown as AnyObject), old);
      return commitUpdate(deps, type, key, revalidate(type, next as AnyObject), old, req.options ?? {});
    }
    const { object } = validated(type, patched);
    prepareForUpdate(type, object, old);
    return commitUpdate(deps, type, key, withServerOwnedSpec(object as AnyObject), old, req.options ?? {});
  });
  return { body };
}

/** Creates or three-way-patches an object the way `kubectl apply` does; reports what it did. */
export async function apply(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  const doc = documentOf(req);
  placeInNamespace(type, req, doc);
  const { warnings } = validated(type, doc); // report every problem before touching anything
  const name = String(doc.metadata?.name ?? '');
  if (!name) throw badRequest('apply needs metadata.name (generateName cannot be applied)');
  const key = objectKey(type, doc.metadata?.namespace as string | undefined, name);
  const result = await retryRaces('all', async () => {
    const json = await deps.store.get(key);
    const live = json === undefined ? undefined : (JSON.parse(json) as AnyObject);
    const plan = planApply(type.kind, doc, live);
    if (plan.action === 'unchanged' && live) return { action: 'unchanged' as const, object: live };
    if (plan.action === 'create') {
      const created = await create(deps, { ...req, verb: 'create', body: plan.object });
      return { action: 'created' as const, object: created.body };
    }
    if (plan.action === 'patch' && live) {
      const patched = await patch(deps, {
        ...req,
        verb: 'patch',
        name,
        body: withPrecondition(plan.patch, live),
        patchType: 'application/strategic-merge-patch+json',
      });
      return { action: 'configured' as const, object: patched.body };
    }
    throw conflict(type.plural, name, 'the object changed while it was being applied');
  });
  return { body: result, warnings, code: result.action === 'created' ? 201 : 200 };
}

/** Pins a patch to the live version, so a concurrent change makes apply plan again. */
function withPrecondition(patchDoc: object, live: AnyObject): object {
  const p = patchDoc as Doc;
  return { ...p, metadata: { ...(p.metadata ?? {}), resourceVersion: live.metadata.resourceVersion } };
}

/** 409 when the client's resourceVersion or uid precondition no longer holds. */
export function checkPreconditions(
  type: ResourceType,
  old: AnyObject,
  resourceVersion: string | undefined,
  uid: string | undefined,
): void {
  const name = old.metadata.name ?? '';
  if (uid !== undefined && uid !== old.metadata.uid) {
    throw pin(
      conflict(
        type.plural,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid}`,
      ),
    );
  }
  if (resourceVersion !== undefined && resourceVersion !== old.metadata.resourceVersion) {
    throw pin(conflict(type.plural, name));
  }
}

/**
 * Runs `attempt` again when it loses a race (409 Conflict from the store's compare-and-swap).
 * `unpinned`: only races the client did not ask for; a conflict with the client's own precondition
 * is the client's answer. `all`: apply pins its own patches and re-plans on any conflict.
 */
export async function retryRaces<T>(
  mode: 'none' | 'unpinned' | 'all',
  attempt: () => Promise<T>,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (mode === 'none' || i >= RACE_RETRIES || !isReason(err, 'Conflict')) throw err;
      if (mode === 'unpinned' && isPinned(err)) throw err;
    }
  }
}
