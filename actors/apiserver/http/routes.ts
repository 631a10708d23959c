/**
 * Kubernetes REST paths, parsed into what they address: a discovery document, a health or metrics
 * endpoint, or a resource (collection, object, or subresource of an object).
 *
 *   /api                          APIVersions            /apis                  APIGroupList
 *   /api/v1                       APIResourceList        /apis/{g}              APIGroup
 *   /apis/{g}/{v}                 APIResourceList        /openapi/v3[/{gv}]     OpenAPI v3
 *   {prefix}/namespaces/{ns}/{resource}[/{name}[/{subresource}]]
 *   {prefix}/{resource}[/{name}[/{subresource}]]     cluster-scoped kinds, and every-namespace
 *                                                    collections of namespaced kinds
 * where {prefix} is /api/v1 or /apis/{g}/{v}.
 */
import { isSubresource, type Subresource } from '../../../protocol/api.js';
import { type ResourceType, resourceTypes } from '../../../protocol/resources/registry.js';

/** What a request path addresses. */
export type Route =
  | { readonly kind: 'root' | 'version' | 'metrics' | 'apiVersions' | 'groupList' }
  | { readonly kind: 'health'; readonly check: 'healthz' | 'readyz' | 'livez' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'resourceList'; readonly group: string; readonly version: string }
  | { readonly kind: 'openapiRoot' }
  | { readonly kind: 'openapi'; readonly group: string; readonly version: string }
  | ResourceRoute;

/** A path into the resources of one kind. */
export interface ResourceRoute {
  readonly kind: 'resource';
  readonly type: ResourceType;
  /** Absent for cluster-scoped kinds, and for every-namespace collections. */
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: Subresource;
}

// One immutable copy of the resource table, indexed at load like the registry's own lookups.
const TYPES = resourceTypes();
const GROUP_VERSIONS = (() => {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of TYPES) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : 0));
})();

/** The group/versions Skiff serves, core first, as discovery lists them. */
export function groupVersions(): readonly { readonly group: string; readonly version: string }[] {
  return GROUP_VERSIONS;
}

/** The resource types of one group/version, in registry order. */
export function typesOf(group: string, version: string): readonly ResourceType[] {
  return TYPES.filter((t) => t.group === group && t.version === version);
}

const HEALTH = new Set(['healthz', 'readyz', 'livez']);

function isHealth(segment: string): segment is 'healthz' | 'readyz' | 'livez' {
  return HEALTH.has(segment);
}

/** Parses a URL path; undefined when nothing is served there (the caller answers 404). */
export function parsePath(pathname: string): Route | undefined {
  const segments = splitPath(pathname);
  if (segments === undefined) return undefined;
  const [first, second, third, ...rest] = segments;
  if (first === undefined) return { kind: 'root' };
  if (segments.length === 1) {
    if (first === 'version') return { kind: 'version' };
    if (isHealth(first)) return { kind: 'health', check: first };
    if (first === 'metrics') return { kind: 'metrics' };
    if (first === 'api') return { kind: 'apiVersions' };
    if (first === 'apis') return { kind: 'groupList' };
  }
  if (isHealth(first) && segments.length === 2) return { kind: 'health', check: first }; // `/readyz/ping` and friends
  if (first === 'openapi' && second === 'v3') return openapiRoute(third, rest);
  if (first === 'api' && second !== undefined) {
    if (!served('', second)) return undefined;
    return resourcePath('', second, third === undefined ? [] : [third, ...rest]);
  }
  if (first === 'apis' && second !== undefined) {
    if (third === undefined) return servedGroup(second) ? { kind: 'group', group: second } : undefined;
    if (!served(second, third)) return undefined;
    return resourcePath(second, third, rest);
  }
  return undefined;
}

/** `/openapi/v3` and `/openapi/v3/api/v1`, `/openapi/v3/apis/{g}/{v}`. */
function openapiRoute(head: string | undefined, rest: readonly string[]): Route | undefined {
  if (head === undefined) return { kind: 'openapiRoot' };
  if (head === 'api' && rest.length === 1 && served('', rest[0] ?? '')) {
    return { kind: 'openapi', group: '', version: rest[0] ?? '' };
  }
  if (head === 'apis' && rest.length === 2 && served(rest[0] ?? '', rest[1] ?? '')) {
    return { kind: 'openapi', group: rest[0] ?? '', version: rest[1] ?? '' };
  }
  return undefined;
}

/** The segments below `/api/v1` or `/apis/{g}/{v}`. */
function resourcePath(group: string, version: string, rest: readonly string[]): Route | undefined {
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  // `namespaces/{ns}/{resource}` unless {resource} is not a namespaced kind of this group: then it
  // is the namespace object itself (`namespaces/{name}[/status]`), as Kubernetes resolves it.
  const [head, ns, plural, ...tail] = rest;
  if (head === 'namespaces' && ns !== undefined && plural !== undefined) {
    const type = lookup(group, version, plural);
    if (type?.namespaced) return objectPath(type, ns, tail);
  }
  const type = lookup(group, version, head ?? '');
  if (type === undefined) return undefined;
  const [name, sub, ...extra] = rest.slice(1);
  // A namespaced kind addressed without a namespace is only a collection (every namespace).
  if (type.namespaced && name !== undefined) return undefined;
  return objectPath(
    type,
    undefined,
    [name, sub, ...extra].filter((s) => s !== undefined),
  );
}

function objectPath(
  type: ResourceType,
  namespace: string | undefined,
  tail: readonly string[],
): ResourceRoute | undefined {
  const [name, sub, ...extra] = tail;
  if (extra.length > 0) return undefined;
  if (sub !== undefined && !hasSubresource(type, sub)) return undefined;
  return {
    kind: 'resource',
    type,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(sub !== undefined && isSubresource(sub) ? { subresource: sub } : {}),
  };
}

/** True when `type` serves the subresource `sub` (status, scale, pods' binding). */
export function hasSubresource(type: ResourceType, sub: string): boolean {
  if (sub === 'status') return type.subresources.status;
  if (sub === 'scale') return type.subresources.scale;
  return (sub === 'binding' || sub === 'log' || sub === 'exec') && type.plural === 'pods';
}

function lookup(group: string, version: string, plural: string): ResourceType | undefined {
  return TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

function served(group: string, version: string): boolean {
  return groupVersions().some((gv) => gv.group === group && gv.version === version);
}

function servedGroup(group: string): boolean {
  return group !== '' && groupVersions().some((gv) => gv.group === group);
}

/** Splits and percent-decodes a path; undefined for a malformed escape or an empty segment. */
function splitPath(pathname: string): string[] | undefined {
  const trimmed = pathname.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return [];
  const raw = trimmed.split('/');
  if (raw.some((s) => s === '')) return undefined;
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch (err) {
    // A malformed %-escape addresses nothing: the caller answers 404, as for any unknown path.
    if (err instanceof URIError) return undefined;
    throw err;
  }
}
