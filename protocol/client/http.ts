/**
 * The HTTP transport: API requests as Kubernetes REST calls to the API server's HTTP face
 * (undici), and watches as `?watch=1` streams. The inverse of `actors/apiserver/http/mapping.ts`.
 * Skiff-only parts of a request travel where a Kubernetes client never looks: `apply` as a PATCH
 * with APPLY_CONTENT_TYPE, a lease fence in the FENCE_HEADER header.
 */
import { Agent, errors, request } from 'undici';
import {
  APPLY_CONTENT_TYPE,
  type ApiRequest,
  type ApiResponse,
  FENCE_HEADER,
  type WatchEvent,
} from '../api.js';
import { ApiError, badRequest, errorFromStatus, internal, reasonForCode, unavailable } from '../errors.js';
import type { FollowLogHandlers } from '../log-follow.js';
import { resourceByPlural } from '../resources/registry.js';
import type { ApiVerb } from '../subjects.js';
import type { Watch, WatchHandler, WatchOptions } from '../watch/watch.js';
import type { ObjectLike } from './api-client.js';
import type { Transport } from './transport.js';

export interface HttpTransportOptions {
  /** `http://127.0.0.1:PORT`: the face's base URL. */
  readonly url: string;
  /** Default request timeout (default 10 s). */
  readonly timeoutMs?: number;
}

/** `/api/v1/namespaces/ns/pods/name/status`, `/apis/apps/v1/deployments`: a resource's REST path. */
export function resourcePath(resource: string, namespace?: string, name?: string, sub?: string): string {
  const type = resourceByPlural(resource);
  const prefix = !type || type.group === '' ? `/api/${type?.version ?? 'v1'}` : `/apis/${type.apiVersion}`;
  const ns = type?.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = [name, sub].filter((s): s is string => s !== undefined).map(encodeURIComponent);
  return [`${prefix}${ns}/${resource}`, ...tail].join('/');
}

// biome-ignore format: one verb table reads best on one line per pair of verbs
const METHODS = {
  create: 'POST', get: 'GET', list: 'GET', update: 'PUT', patch: 'PATCH', apply: 'PATCH',
  delete: 'DELETE', deletecollection: 'DELETE',
} as const satisfies Record<ApiVerb, string>;

/** Maps an ApiRequest onto method, path, query, headers and body; throws 400 for a missing name. */
export function toHttp(req: ApiRequest) {
  const meta = (req.body as { metadata?: { name?: string; namespace?: string } } | undefined)?.metadata;
  const collection = req.verb === 'list' || req.verb === 'deletecollection';
  const namespace = req.namespace || meta?.namespace || (collection ? undefined : 'default');
  const name = req.name ?? (req.verb === 'update' || req.verb === 'apply' ? meta?.name : undefined);
  if (!collection && req.verb !== 'create' && !name) throw badRequest(`name is required for a ${req.verb}`);
  const o = req.options ?? {};
  const deleting = req.verb === 'delete' || req.verb === 'deletecollection';
  const query = new URLSearchParams();
  const { labelSelector, fieldSelector, limit, resourceVersion, fieldManager } = o;
  const params = { labelSelector, fieldSelector, limit, continue: o.continue, resourceVersion, fieldManager };
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, String(value));
  if (o.dryRun && !deleting) query.set('dryRun', 'All');
  // pods/log (PodLogOptions), as kubectl sends them
  const { container, tailLines, sinceSeconds, previous, limitBytes, follow } = o;
  for (const [key, value] of Object.entries({
    container,
    tailLines,
    sinceSeconds,
    previous,
    limitBytes,
    follow,
  })) {
    if (value !== undefined && value !== false) query.set(key, String(value));
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.fence) headers[FENCE_HEADER.toLowerCase()] = JSON.stringify(o.fence);
  const { propagationPolicy, gracePeriodSeconds, preconditions } = o;
  const deleteOptions = {
    propagationPolicy,
    gracePeriodSeconds,
    preconditions,
    dryRun: o.dryRun ? ['All'] : [],
  };
  const [body, type] = deleting
    ? [{ kind: 'DeleteOptions', apiVersion: 'v1', ...deleteOptions }, 'application/json']
    : req.verb === 'patch'
      ? [req.body, req.patchType ?? 'application/merge-patch+json']
      : [req.body, req.verb === 'apply' ? APPLY_CONTENT_TYPE : 'application/json'];
  const hasBody = deleting || !(req.verb === 'get' || req.verb === 'list');
  if (hasBody) headers['content-type'] = type;
  const named = !collection && (req.verb !== 'create' || req.subresource !== undefined);
  const path = resourcePath(req.resource, namespace, named ? name : undefined, req.subresource);
  const qs = query.toString();
  return {
    method: METHODS[req.verb],
    path: qs ? `${path}?${qs}` : path,
    headers,
    ...(hasBody ? { body: JSON.stringify(body ?? null) } : {}),
  };
}

/** Talks to the API server over its HTTP face. */
export class HttpTransport implements Transport {
  // No cap on connections per origin: each open watch holds one for as long as it lasts.
  private readonly agent = new Agent();
  private readonly base: string;
  private readonly watches = new Set<HttpWatch>();

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async request(req: ApiRequest, overrides: { timeoutMs?: number } = {}): Promise<ApiResponse> {
    const timeoutMs = overrides.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    try {
      const call = toHttp(req);
      const res = await request(this.base + call.path, {
        dispatcher: this.agent,
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: AbortSignal.timeout(timeoutMs), // covers connecting, headers and the body
      });
      const text = await res.body.text();
      // A log (`pods/log`) comes as text, as kubectl reads it; the bus carries it as a JSON string.
      if (req.subresource === 'log' && res.statusCode >= 200 && res.statusCode < 300)
        return { ok: true, body: text };
      return decodeResponse(res.statusCode, res.headers.warning, text);
    } catch (err) {
      return { ok: false, status: transportError(this.base, timeoutMs, err).status };
    }
  }

  /** `GET .../pods/{name}/log?follow=true`: the response body is the log as it grows. */
  async followLog(req: ApiRequest, handlers: FollowLogHandlers, signal: AbortSignal): Promise<void> {
    const call = toHttp({ ...req, options: { ...req.options, follow: true } });
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(this.base + call.path, {
        dispatcher: this.agent,
        method: call.method,
        headers: call.headers,
        signal,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (err) {
      if (signal.aborted) return;
      throw transportError(this.base, this.options.timeoutMs ?? 10_000, err);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const answer = decodeResponse(res.statusCode, res.headers.warning, await res.body.text());
      if (!answer.ok) throw errorFromStatus(answer.status);
      return;
    }
    handlers.onAccepted?.();
    try {
      res.body.setEncoding('utf8');
      for await (const text of res.body) handlers.onText(text as string);
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  async watch(options: WatchOptions, handler: WatchHandler): Promise<Watch> {
    const stream = new HttpWatch(this.agent, this.base, this.options.timeoutMs ?? 10_000, options, handler);
    await stream.open(options.resourceVersion);
    this.watches.add(stream);
    void stream.closed.then(() => this.watches.delete(stream));
    return stream;
  }

  /** Closes open watches, then the connection pool (which waits for requests in flight). */
  async close(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.close()));
    await this.agent.close();
  }
}

/**
 * One watch stream. When the server ends a stream cleanly (its timeout, a restart behind a load
 * balancer), the watch resumes from the last resourceVersion it delivered, as client-go's
 * RetryWatcher does; a stream that ends before delivering anything ends the watch instead.
 */
class HttpWatch implements Watch {
  private readonly abort = new AbortController();
  private settle: (err: Error | undefined) => void = () => undefined;
  readonly closed = new Promise<Error | undefined>((resolve) => {
    this.settle = resolve;
  });
  private lastRv: string | undefined;

  constructor(
    private readonly agent: Agent,
    private readonly base: string,
    private readonly timeoutMs: number,
    private readonly options: WatchOptions,
    private readonly handler: WatchHandler,
  ) {}

  /** Opens the stream; a refusal (410 Expired, 400) is thrown as the server's ApiError. */
  async open(resourceVersion: string | undefined): Promise<void> {
    const { resource, namespace, labelSelector, fieldSelector, allowBookmarks } = this.options;
    const options = { labelSelector, fieldSelector, resourceVersion };
    const list = toHttp({ verb: 'list', resource, namespace, options });
    const bookmarks = allowBookmarks ? '&allowWatchBookmarks=true' : '';
    const url = `${this.base}${list.path}${list.path.includes('?') ? '&' : '?'}watch=1${bookmarks}`;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        dispatcher: this.agent,
        headers: { accept: 'application/json' },
        signal: this.abort.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: 0, // a quiet watch is not a dead one
      });
    } catch (err) {
      throw transportError(this.base, this.timeoutMs, err);
    }
    if (res.statusCode !== 200) {
      const answer = decodeResponse(res.statusCode, undefined, await res.body.text());
      throw answer.ok ? unavailable(`watch answered ${res.statusCode}`) : errorFromStatus(answer.status);
    }
    void this.pump(res.body);
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.settle(undefined);
    await this.closed;
  }

  /** Delivers events one at a time; ERROR ends the watch with the Status as an ApiError. */
  private async pump(body: AsyncIterable<Buffer>): Promise<void> {
    let pending = '';
    let delivered = 0;
    try {
      for await (const chunk of body) {
        pending += chunk.toString('utf8');
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (line === '') continue;
          const event = JSON.parse(line) as WatchEvent;
          if (event.type === 'ERROR') return this.settle(errorFromStatus(event.object));
          this.lastRv = (event.object as ObjectLike).metadata?.resourceVersion;
          delivered++;
          await this.handler(event);
        }
      }
      if (this.abort.signal.aborted) return this.settle(undefined);
      if (delivered === 0 || this.lastRv === undefined) {
        return this.settle(unavailable('the API server ended the watch before it delivered anything'));
      }
      await this.open(this.lastRv);
    } catch (err) {
      const failure = err instanceof Error ? err : new Error(String(err));
      this.settle(this.abort.signal.aborted ? undefined : failure);
    }
  }
}

/** A face's answer: the body on 2xx (with its Warning headers), else the Status it sent. */
function decodeResponse(code: number, warning: string | string[] | undefined, text: string): ApiResponse {
  if (code >= 200 && code < 300) {
    const warnings = parseWarningHeaders(warning === undefined ? [] : [warning].flat());
    const body = text === '' ? null : (JSON.parse(text) as unknown); // invalid JSON: InternalError
    return { ok: true, body, ...(warnings.length > 0 ? { warnings } : {}) };
  }
  // A proxy in between may answer with anything: only a Status is taken as the server's word.
  const value = text.startsWith('{') ? (JSON.parse(text) as unknown) : null;
  if ((value as ApiError['status'] | null)?.kind === 'Status') {
    return { ok: false, status: value as ApiError['status'] };
  }
  const message = `the server answered ${code}: ${text.slice(0, 200)}`;
  return { ok: false, status: new ApiError(reasonForCode(code), message).status };
}

/** Texts of `Warning: 299 - "text"` headers. */
export function parseWarningHeaders(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const m of value.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g))
      out.push((m[1] ?? '').replace(/\\(.)/g, '$1'));
  }
  return out;
}

const TIMEOUTS = [errors.HeadersTimeoutError, errors.BodyTimeoutError, errors.ConnectTimeoutError];

/** Transport failures as the Status a client branches on: refused is 503, too slow is Timeout. */
function transportError(base: string, timeoutMs: number, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (TIMEOUTS.some((t) => err instanceof t) || (err instanceof Error && err.name === 'TimeoutError')) {
    const why = `the API server at ${base} did not answer within ${timeoutMs} ms`;
    return new ApiError('Timeout', why, undefined, { cause: err });
  }
  if (err instanceof SyntaxError) return internal(`the API server sent invalid JSON: ${message}`, err);
  if ((err as { code?: string }).code === 'ECONNREFUSED') {
    return unavailable(`the API server at ${base} refused the connection`, err);
  }
  return unavailable(`cannot reach the API server at ${base}: ${message}`, err);
}
