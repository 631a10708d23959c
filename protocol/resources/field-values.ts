/**
 * Field-selector values per kind: what `spec.nodeName=n1` or `involvedObject.uid=...` compares
 * against. Unset fields read as '' (Kubernetes selects unscheduled pods with `spec.nodeName=`);
 * an unsupported field reads as undefined, which the API server answers with BadRequest.
 */
import type { AnyObject } from './registry.js';

/** `metadata.name` and `metadata.namespace`, which every resource supports. */
export function commonField(obj: AnyObject, field: string): string | undefined {
  if (field === 'metadata.name') return obj.metadata.name ?? '';
  if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
  return undefined;
}

/** Pod field-selector values. */
export function podField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'Pod') return undefined;
  switch (field) {
    case 'spec.nodeName':
      return obj.spec.nodeName ?? '';
    case 'spec.restartPolicy':
      return obj.spec.restartPolicy;
    case 'spec.schedulerName':
      return obj.spec.schedulerName;
    case 'spec.serviceAccountName':
      return obj.spec.serviceAccountName ?? '';
    case 'spec.hostNetwork':
      return String(obj.spec.hostNetwork ?? false);
    case 'status.phase':
      return obj.status?.phase ?? '';
    case 'status.podIP':
      return obj.status?.podIP ?? '';
    case 'status.nominatedNodeName':
      return obj.status?.nominatedNodeName ?? '';
    default:
      return commonField(obj, field);
  }
}

/** Service field-selector values. */
export function serviceField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'Service') return undefined;
  if (field === 'spec.clusterIP') return obj.spec.clusterIP ?? '';
  if (field === 'spec.type') return obj.spec.type;
  return commonField(obj, field);
}

/** Secret field-selector values: `type`, as Kubernetes' SecretStrategy selects on. */
export function secretField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'Secret') return undefined;
  if (field === 'type') return obj.type;
  return commonField(obj, field);
}

/** Node field-selector values. */
export function nodeField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'Node') return undefined;
  if (field === 'spec.unschedulable') return String(obj.spec.unschedulable ?? false);
  return commonField(obj, field);
}

/** Namespace field-selector values. */
export function namespaceField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'Namespace') return undefined;
  if (field === 'status.phase') return obj.status.phase;
  return commonField(obj, field);
}

const INVOLVED_OBJECT_FIELDS = [
  'kind',
  'namespace',
  'name',
  'uid',
  'apiVersion',
  'resourceVersion',
  'fieldPath',
] as const;

/** Event field-selector values (`involvedObject.*`, `reason`, `type`, `source`...). */
export function eventField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'Event') return undefined;
  const involved = INVOLVED_OBJECT_FIELDS.find((f) => field === `involvedObject.${f}`);
  if (involved !== undefined) return obj.involvedObject[involved] ?? '';
  switch (field) {
    case 'reason':
      return obj.reason ?? '';
    case 'reportingComponent':
      return obj.reportingComponent ?? '';
    case 'source':
      return obj.source?.component ?? '';
    case 'type':
      return obj.type ?? '';
    default:
      return commonField(obj, field);
  }
}

/** ReplicaSet field-selector values. */
export function replicaSetField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'ReplicaSet') return undefined;
  if (field === 'status.replicas') return String(obj.status?.replicas ?? 0);
  return commonField(obj, field);
}

/** Job field-selector values: `status.successful` is Kubernetes' name for `status.succeeded`. */
export function jobField(obj: AnyObject, field: string): string | undefined {
  if (obj.kind !== 'Job') return undefined;
  if (field === 'status.successful') return String(obj.status?.succeeded ?? 0);
  return commonField(obj, field);
}
