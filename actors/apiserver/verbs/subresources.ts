/**
 * The `scale` subresource of Deployments, ReplicaSets (and anything with `spec.replicas`), and the
 * `binding` subresource of Pods, through which the scheduler assigns a pod to a node.
 */
import type { ApiRequest } from '../../../protocol/api.js';
import { badRequest, conflict, invalid, successStatus } from '../../../protocol/errors.js';
import { applyPatch } from '../../../protocol/patch/index.js';
import type { AnyObject, ResourceType } from '../../../protocol/resources/registry.js';
import type { Scale } from '../../../protocol/resources/scale.js';
import { fromLabelSelectorObject, isNothing, printLabelSelector } from '../../../protocol/selectors/label.js';
import { invalidValue, required } from '../../../protocol/validation/field-errors.js';
import type { ApiDeps } from '../deps.js';
import { type Mutable, objectKey, resourceType, rfc3339 } from '../objects.js';
import { prepareForUpdate } from '../strategy.js';
import { commitUpdate, pin, readExisting } from './commit.js';
import { checkPreconditions, type Outcome, retryRaces } from './write.js';

type Scalable = AnyObject & {
  spec: { replicas?: number; selector?: unknown };
  status?: { replicas?: number };
};

function scalable(type: ResourceType): ResourceType {
  if (!type.subresources.scale) throw badRequest(`${type.plural} have no scale subresource`);
  return type;
}

/** The Scale object of a scalable resource. */
export function scaleOf(obj: Scalable): Scale {
  const selector = fromLabelSelectorObject(obj.spec.selector as never);
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata.name ?? '',
      namespace: obj.metadata.namespace ?? '',
      resourceVersion: obj.metadata.resourceVersion,
    },
    spec: { replicas: obj.spec.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      ...(isNothing(selector) ? {} : { selector: printLabelSelector(selector) }),
    },
  };
}

/** GET …/scale */
export async function getScale(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = scalable(resourceType(req.resource));
  const obj = await readExisting(deps, type, objectKey(type, req.namespace, req.name ?? ''));
  return { body: scaleOf(obj as Scalable) };
}

/** PUT or PATCH …/scale: sets `spec.replicas` on the parent object. */
export async function writeScale(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = scalable(resourceType(req.resource));
  const name = req.name ?? '';
  const key = objectKey(type, req.namespace, name);
  const body = await retryRaces('unpinned', async () => {
    const old = (await readExisting(deps, type, key)) as Scalable;
    const current = scaleOf(old);
    const wanted =
      req.verb === 'patch'
        ? (applyPatch(
            req.patchType ?? 'application/merge-patch+json',
            'Scale',
            current,
            req.body,
          ) as unknown as Scale)
        : (req.body as Scale);
    const replicas = wanted?.spec?.replicas;
    if (replicas === undefined) throw invalid('Scale', name, [required('spec.replicas')]);
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', name, [
        invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'),
      ]);
    }
    const pinnedVersion = wanted.metadata?.resourceVersion;
    checkPreconditions(
      type,
      old,
      pinnedVersion === current.metadata.resourceVersion ? undefined : pinnedVersion,
      undefined,
    );
    const next = structuredClone(old) as Mutable<Scalable>;
    next.spec.replicas = replicas;
    prepareForUpdate(type, next as Mutable<AnyObject>, old);
    return scaleOf(
      (await commitUpdate(deps, type, key, next as AnyObject, old, req.options ?? {})) as Scalable,
    );
  });
  return { body };
}

/**
 * POST pods/{name}/binding: assigns an unbound pod to a node, once. The write is conditional on the
 * pod's resourceVersion (so a pod is never bound twice) and, when the scheduler sends one, on its
 * lease fence (so a scheduler that lost leadership cannot bind).
 */
export async function bind(deps: ApiDeps, req: ApiRequest): Promise<Outcome> {
  const type = resourceType(req.resource);
  if (type.plural !== 'pods') throw badRequest(`${type.plural} have no binding subresource`);
  const name = req.name ?? '';
  const target = (req.body as { target?: { name?: unknown } } | undefined)?.target?.name;
  if (typeof target !== 'string' || target === '') throw invalid('Binding', name, [required('target.name')]);
  const key = objectKey(type, req.namespace, name);
  await retryRaces('unpinned', async () => {
    const old = await readExisting(deps, type, key);
    if (old.kind !== 'Pod') throw badRequest('not a pod');
    if (old.spec.nodeName) {
      throw pin(conflict('pods', name, `pod ${name} is already assigned to node "${old.spec.nodeName}"`));
    }
    if (old.metadata.deletionTimestamp) {
      throw pin(conflict('pods', name, `pod ${name} is being deleted, cannot be assigned to a host`));
    }
    const next = structuredClone(old) as Mutable<AnyObject & { kind: 'Pod' }>;
    next.spec.nodeName = target;
    const now = rfc3339(deps.clock.now());
    next.status ??= { phase: 'Pending' };
    const status = next.status as Mutable<NonNullable<typeof next.status>>;
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: now });
    status.conditions = conditions;
    return commitUpdate(deps, type, key, next as AnyObject, old, {
      ...req.options,
      skipUpdateValidation: true,
    });
  });
  return { body: successStatus({ name, kind: 'pods' }), code: 201 };
}
