/**
 * A minimal OpenAPI v3 description: enough for kubectl to learn that each kind's PATCH operation
 * takes the `fieldValidation` query parameter. kubectl then leaves validation to the server (Skiff
 * reports unknown fields as warnings) instead of failing with "failed to download openapi".
 *
 * No schemas are published, and PATCH does not advertise strategic merge in OpenAPI: kubectl
 * apply then computes its three-way patch from the Kubernetes types it is built with, which is
 * exactly the patch Skiff's strategic merge implements.
 */
import { createHash } from 'node:crypto';
import type { ResourceType } from '../../../protocol/resources/registry.js';
import { groupVersions, typesOf } from './routes.js';

/** The URL path of a group/version below `/openapi/v3/`: `api/v1`, `apis/apps/v1`. */
function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** `/openapi/v3`: where each group/version's document is, with a hash clients cache by. */
export function openapiRoot(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions()) {
    const path = gvPath(group, version);
    const hash = createHash('sha256')
      .update(JSON.stringify(openapiDocument(group, version)))
      .digest('hex')
      .slice(0, 32)
      .toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

/** `/openapi/v3/api/v1`, `/openapi/v3/apis/{g}/{v}`: one PATCH operation per kind. */
export function openapiDocument(group: string, version: string): object {
  const paths: Record<string, object> = {};
  for (const type of typesOf(group, version)) {
    const base = `/${gvPath(group, version)}${type.namespaced ? '/namespaces/{namespace}' : ''}`;
    paths[`${base}/${type.plural}/{name}`] = { patch: patchOperation(type) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Skiff', version: `${group || 'core'}/${version}` },
    paths,
    components: { schemas: {} },
  };
}

function patchOperation(type: ResourceType): object {
  const param = (name: string, inWhere: 'query' | 'path') => ({
    name,
    in: inWhere,
    ...(inWhere === 'path' ? { required: true } : {}),
    schema: { type: 'string', uniqueItems: true },
  });
  return {
    operationId: `patch${type.group || 'Core'}${type.version}${type.kind}`,
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
    parameters: [
      param('name', 'path'),
      ...(type.namespaced ? [param('namespace', 'path')] : []),
      param('dryRun', 'query'),
      param('fieldManager', 'query'),
      param('fieldValidation', 'query'),
    ],
    responses: { '200': { description: 'OK' } },
  };
}
