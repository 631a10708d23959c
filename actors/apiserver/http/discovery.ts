/**
 * Discovery documents, as kubectl and client-go read them: `/api` (APIVersions), `/apis`
 * (APIGroupList), `/apis/{g}` (APIGroup), `/api/v1` and `/apis/{g}/{v}` (APIResourceList), and
 * `/version`. Aggregated discovery (apidiscovery.k8s.io/v2) is not served: clients that ask for it
 * get these legacy documents as `application/json` and fall back, as they do with older servers.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceType } from '../../../protocol/resources/registry.js';
import { groupVersions, typesOf } from './routes.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];

/** One entry of an APIResourceList. */
export interface ApiResource {
  readonly name: string;
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly group?: string;
  readonly version?: string;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

/** `/api`: the core group's versions. */
export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `/apis/{g}`: one named group. */
export function apiGroup(group: string): object {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

/** `/apis`: every named group (the core group is discovered at `/api`). */
export function apiGroupList(): object {
  const groups = [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== '');
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((g) => {
      const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g) as Record<string, unknown>;
      return rest;
    }),
  };
}

/** `/api/v1`, `/apis/{g}/{v}`: the resources of one group/version, with their subresources. */
export function apiResourceList(group: string, version: string): object {
  const resources: ApiResource[] = [];
  for (const type of typesOf(group, version)) {
    resources.push(mainResource(type));
    if (type.plural === 'pods') {
      resources.push(subresource(type, 'binding', 'Binding', ['create'], { group: '', version: 'v1' }));
    }
    if (type.subresources.scale) {
      resources.push(
        subresource(type, 'scale', 'Scale', SUBRESOURCE_VERBS, { group: 'autoscaling', version: 'v1' }),
      );
    }
    if (type.subresources.status) resources.push(subresource(type, 'status', type.kind, SUBRESOURCE_VERBS));
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources,
  };
}

function mainResource(type: ResourceType): ApiResource {
  return {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: VERBS,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
  };
}

function subresource(
  type: ResourceType,
  name: string,
  kind: string,
  verbs: readonly string[],
  gv?: { group: string; version: string },
): ApiResource {
  return {
    name: `${type.plural}/${name}`,
    singularName: '',
    namespaced: type.namespaced,
    ...(gv ?? {}),
    kind,
    verbs,
  };
}

/** `/version`, from package.json (read on each call: the face calls it once, at start). */
export function versionInfo(): object {
  const version = packageVersion();
  const [major = '0', minor = '0'] = version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: '',
    gitTreeState: '',
    buildDate: '',
    goVersion: '',
    compiler: 'skiff',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** `/`: the paths served, as Kubernetes lists them. */
export function rootPaths(): object {
  const paths = ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/metrics', '/openapi/v3', '/readyz'];
  for (const gv of groupVersions()) {
    if (gv.group !== '') paths.push(`/apis/${gv.group}`, `/apis/${gv.group}/${gv.version}`);
  }
  paths.push('/version');
  return { paths: paths.sort() };
}

/** The `version` of the package.json that names `skiff`, found by walking up from this file. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'skiff' && typeof pkg.version === 'string') return pkg.version;
    } catch (err) {
      // No package.json at this level (ENOENT) is expected while walking up; anything else is not.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the skiff package.json');
}
