/**
 * What the server sets and keeps on each write, per kind, following Kubernetes' REST strategies:
 * create resets status (a Pod starts Pending), a main-resource update keeps the stored status and
 * bumps `generation` only when the spec changed, a status update changes nothing but status.
 */
import { invalid } from '../../protocol/errors.js';
import { type JsonValue, jsonEqual } from '../../protocol/patch/json.js';
import { generateJobSelector } from '../../protocol/resources/job.js';
import type { AnyObject, ResourceType } from '../../protocol/resources/registry.js';
import { mergeStringData } from '../../protocol/resources/secret.js';
import { validateObject } from '../../protocol/resources/validate.js';
import { type Mutable, rfc3339, specOf } from './objects.js';

/** Kinds whose status the server keeps on create (a kubelet registers a Node with its capacity). */
const STATUS_KEPT_ON_CREATE = new Set(['Node', 'Event', 'Lease', 'ConfigMap', 'Endpoints']);

/** Sets the server-owned metadata of a new object, resets its status, merges a Secret's stringData. */
export function prepareForCreate(obj: Mutable<AnyObject>, now: number, uid: string): void {
  mergeSecretStringData(obj);
  const meta = obj.metadata as Mutable<AnyObject['metadata']>;
  meta.uid = uid;
  meta.creationTimestamp = rfc3339(now);
  meta.generation = 1;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  if (STATUS_KEPT_ON_CREATE.has(obj.kind)) return;
  const withStatus = obj as { status?: unknown; kind: string };
  if (obj.kind === 'Pod') withStatus.status = { phase: 'Pending', qosClass: qosClass(obj as AnyObject) };
  else if (obj.kind === 'Namespace') withStatus.status = { phase: 'Active' };
  else delete withStatus.status;
}

/**
 * Carries over what an update of the main resource may not change: identity, server-set
 * metadata, and the status (which only the status subresource writes). Merges a Secret's
 * stringData, then bumps `generation` when the spec changed.
 */
export function prepareForUpdate(type: ResourceType, next: Mutable<AnyObject>, old: AnyObject): void {
  mergeSecretStringData(next);
  keepServerMetadata(next, old);
  if (type.subresources.status) (next as { status?: unknown }).status = (old as { status?: unknown }).status;
  const generation = old.metadata.generation ?? 1;
  next.metadata.generation = jsonEqual(specOf(next as AnyObject) as JsonValue, specOf(old) as JsonValue)
    ? generation
    : generation + 1;
}

/**
 * Fields the server owns inside the spec: a Job's selector and template labels come from its uid
 * (unless `manualSelector`), on create and on every update, as in Kubernetes.
 */
export function withServerOwnedSpec(obj: AnyObject): AnyObject {
  if (obj.kind !== 'Job') return obj;
  return generateJobSelector(obj, obj.metadata.uid ?? '');
}

/**
 * A Secret's write-only `stringData`, encoded into `data` and dropped so that it is never stored
 * nor returned (Kubernetes does this when it decodes the request). It must run first: a
 * `stringData` still present would read as a changed spec and bump `generation` for nothing.
 */
function mergeSecretStringData(obj: Mutable<AnyObject>): void {
  if (obj.kind !== 'Secret' || obj.stringData === undefined) return;
  const { data } = mergeStringData(obj);
  delete obj.stringData;
  if (data !== undefined) obj.data = data;
}

/** Builds the result of a status update: the stored object with only its status replaced. */
export function prepareForStatusUpdate(body: AnyObject, old: AnyObject): Mutable<AnyObject> {
  const next = structuredClone(old) as Mutable<AnyObject>;
  (next as { status?: unknown }).status = structuredClone((body as { status?: unknown }).status);
  return next;
}

function keepServerMetadata(next: Mutable<AnyObject>, old: AnyObject): void {
  const meta = next.metadata as Mutable<AnyObject['metadata']>;
  meta.uid = old.metadata.uid;
  meta.creationTimestamp = old.metadata.creationTimestamp;
  meta.name = old.metadata.name;
  if (old.metadata.namespace !== undefined) meta.namespace = old.metadata.namespace;
  // deletionTimestamp can be set by delete only, and never unset (Kubernetes' rule).
  if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.metadata.deletionGracePeriodSeconds !== undefined) {
    meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
  } else delete meta.deletionGracePeriodSeconds;
}

/** Re-validates an object the server changed (status writes, patches): refuses what would be invalid. */
export function revalidate(type: ResourceType, obj: AnyObject): AnyObject {
  const result = validateObject(obj, { resource: type.plural });
  if (!result.ok) throw invalid(type.kind, obj.metadata.name ?? '', result.errors);
  return result.object;
}

/** Kubernetes' QoS class: Guaranteed when every container's requests equal its limits, etc. */
export function qosClass(obj: AnyObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  if (obj.kind !== 'Pod') return 'BestEffort';
  const containers = [...obj.spec.containers, ...(obj.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const resource of ['cpu', 'memory']) {
      const limit = limits[resource];
      if (limit === undefined || (requests[resource] ?? limit) !== limit) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
