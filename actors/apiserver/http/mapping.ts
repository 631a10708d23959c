/**
 * Maps an HTTP request on a resource path onto the `ApiRequest` the bus carries, so both faces
 * call the one handler: method + path pick the verb, query parameters and DeleteOptions become
 * request options, Content-Type picks the patch type. A GET with `watch` becomes watch options.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  APPLY_CONTENT_TYPE,
  type ApiRequest,
  FENCE_HEADER,
  parseRequestBody,
  type RequestOptions,
} from '../../../protocol/api.js';
import { ApiError, badRequest } from '../../../protocol/errors.js';
import { parsePatchType } from '../../../protocol/patch/index.js';
import { parseLimit } from '../../../protocol/selectors/selection.js';
import type { ApiVerb } from '../../../protocol/subjects.js';
import type { WatchOptions } from '../../../protocol/watch/watch.js';
import { mediaType } from './body.js';
import type { ResourceRoute } from './routes.js';

/** What an HTTP request on a resource asks for: one handler call, or a watch stream. */
export type Mapped =
  | { readonly kind: 'request'; readonly request: ApiRequest }
  | { readonly kind: 'watch'; readonly watch: WatchOptions; readonly timeoutSeconds?: number };

/** The parts of an HTTP request the mapping reads. */
export interface HttpInput {
  readonly method: string;
  readonly route: ResourceRoute;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** True for `watch=1`/`watch=true`, as Kubernetes reads boolean query parameters. */
export function isWatch(query: URLSearchParams): boolean {
  return flag(query.get('watch'));
}

/** Maps one HTTP request; throws the ApiError to answer with (405, 400, 415). */
export function mapRequest(input: HttpInput): Mapped {
  const { method, route, query } = input;
  const { name, subresource } = route;
  if (method === 'GET' && name === undefined && isWatch(query)) return watchOf(route, query);
  if (method === 'GET' && name !== undefined && subresource === undefined && isWatch(query)) {
    // The deprecated single-object watch: a watch on the collection narrowed to the name.
    return watchOf(route, query, `metadata.name=${name}`);
  }
  const { verb, patchType } = verbOf(input);
  const body = verb === 'delete' || verb === 'deletecollection' ? undefined : input.body;
  const parsed = parseRequestBody({
    namespace: route.namespace,
    name,
    body,
    patchType,
    options: optionsOf(verb, query, input),
  });
  if (!parsed.ok) throw badRequest(`malformed request: ${parsed.message}`);
  return {
    kind: 'request',
    request: {
      ...parsed.body,
      verb,
      resource: route.type.plural,
      ...(subresource !== undefined ? { subresource } : {}),
    },
  };
}

function verbOf(input: HttpInput): { verb: ApiVerb; patchType?: ReturnType<typeof parsePatchType> } {
  const { method, route } = input;
  const named = route.name !== undefined;
  const sub = route.subresource;
  // A namespaced kind addressed without a namespace is only readable (every-namespace list).
  const allNamespaces = route.type.namespaced && route.namespace === undefined;
  if (method === 'GET' && named && sub !== 'binding') return { verb: 'get' };
  if (method === 'GET' && !named) return { verb: 'list' };
  if (allNamespaces) throw notAllowed(method, route);
  if (method === 'POST' && !named) return { verb: 'create' };
  if (method === 'POST' && (sub === 'binding' || sub === 'exec')) return { verb: 'create' };
  if (method === 'PUT' && named && sub !== 'binding') return { verb: 'update' };
  if (method === 'PATCH' && named && sub !== 'binding') {
    const type = mediaType(headerOf(input.headers, 'content-type'));
    if (type === APPLY_CONTENT_TYPE && sub === undefined) return { verb: 'apply' };
    return { verb: 'patch', patchType: parsePatchType(type) };
  }
  if (method === 'DELETE' && named && sub === undefined) return { verb: 'delete' };
  if (method === 'DELETE' && !named) return { verb: 'deletecollection' };
  throw notAllowed(method, route);
}

function notAllowed(method: string, route: ResourceRoute): ApiError {
  const what = route.subresource ? `${route.type.plural}/${route.subresource}` : route.type.plural;
  return new ApiError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method} ${what})`,
  );
}

/** Query parameters (and, for deletes, the DeleteOptions body) as request options. */
function optionsOf(verb: ApiVerb, query: URLSearchParams, input: HttpInput): RequestOptions {
  const text = (key: string) => query.get(key) ?? undefined;
  const options: Record<string, unknown> = {
    labelSelector: text('labelSelector'),
    fieldSelector: text('fieldSelector'),
    limit: parseLimit(text('limit')),
    continue: text('continue'),
    resourceVersion: text('resourceVersion'),
    fieldManager: text('fieldManager'),
    propagationPolicy: text('propagationPolicy'),
    gracePeriodSeconds: integer('gracePeriodSeconds', text('gracePeriodSeconds')),
    dryRun: dryRunOf(query.getAll('dryRun')),
    // pods/log
    container: text('container'),
    tailLines: integer('tailLines', text('tailLines')),
    sinceSeconds: integer('sinceSeconds', text('sinceSeconds')),
    limitBytes: integer('limitBytes', text('limitBytes')),
    previous: text('previous') === undefined ? undefined : text('previous') === 'true',
    follow: input.route.subresource === 'log' && text('follow') === 'true' ? true : undefined,
  };
  const fence = headerOf(input.headers, FENCE_HEADER);
  if (fence !== undefined) options.fence = jsonHeader(FENCE_HEADER, fence);
  if (verb === 'delete' || verb === 'deletecollection') Object.assign(options, deleteOptions(input.body));
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RequestOptions;
}

/** The fields of a DeleteOptions body that Skiff acts on (the body wins over query parameters). */
function deleteOptions(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('DeleteOptions must be an object');
  const o = body as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (o.propagationPolicy !== undefined) out.propagationPolicy = o.propagationPolicy;
  else if (o.orphanDependents === true) out.propagationPolicy = 'Orphan';
  if (o.gracePeriodSeconds !== undefined && o.gracePeriodSeconds !== null)
    out.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions !== undefined && o.preconditions !== null) out.preconditions = o.preconditions;
  if (Array.isArray(o.dryRun) && o.dryRun.length > 0) out.dryRun = dryRunOf(o.dryRun.map(String));
  return out;
}

function watchOf(route: ResourceRoute, query: URLSearchParams, nameSelector?: string): Mapped {
  const fields = [query.get('fieldSelector'), nameSelector].filter((s): s is string => !!s).join(',');
  const labelSelector = query.get('labelSelector') ?? undefined;
  const resourceVersion = query.get('resourceVersion') ?? undefined;
  const timeoutSeconds = integer('timeoutSeconds', query.get('timeoutSeconds') ?? undefined);
  const watch: WatchOptions = {
    resource: route.type.plural,
    ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
    ...(labelSelector ? { labelSelector } : {}),
    ...(fields ? { fieldSelector: fields } : {}),
    ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    ...(flag(query.get('allowWatchBookmarks')) ? { allowBookmarks: true } : {}),
  };
  return { kind: 'watch', watch, ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}) };
}

/** `dryRun=All` (the only value Kubernetes defines) is true; anything else is refused. */
function dryRunOf(values: readonly string[]): true | undefined {
  if (values.length === 0) return undefined;
  const bad = values.find((v) => v !== 'All');
  if (bad !== undefined) throw badRequest(`Unsupported value: "${bad}": supported values: "All"`);
  return true;
}

function integer(key: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw badRequest(`${key} must be a non-negative integer, got ${value}`);
  return n;
}

function flag(value: string | null): boolean {
  return value === '1' || value === 'true';
}

/** One header's value (the first, when repeated). */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function jsonHeader(name: string, value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    throw badRequest(`the ${name} header is not valid JSON: ${(err as Error).message}`);
  }
}
