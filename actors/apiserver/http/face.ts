/**
 * The HTTP face of the API server: Kubernetes REST paths over node:http, mapped onto the same
 * handler the bus face calls, plus discovery, OpenAPI (just enough for kubectl), health, metrics
 * and watch streams.
 *
 *   HTTP ──▶ parsePath ──▶ discovery / openapi / health / metrics
 *                     └──▶ readBody (3 MiB) ──▶ mapRequest ──▶ handler ──▶ JSON | Table | Status
 *                                                         └──▶ serveWatch (event log) ──▶ NDJSON
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ApiRequest } from '../../../protocol/api.js';
import { ApiError, BodyTooLargeError, unavailable } from '../../../protocol/errors.js';
import type { FollowLogHandlers } from '../../../protocol/log-follow.js';
import type { Limits } from '../deps.js';
import { decodeBody, readBody } from './body.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, rootPaths, versionInfo } from './discovery.js';
import { mapRequest } from './mapping.js';
import { openapiDocument, openapiRoot } from './openapi.js';
import { pathNotFound, sendJson, sendStatus, statusOfError } from './responses.js';
import { parsePath, type ResourceRoute, type Route } from './routes.js';
import { includeObjectOf, toTable, wantsTable } from './table.js';
import { plain, serveWatch, type WatchContext } from './watch.js';

/** Where the face listens. */
export interface HttpListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** BOOKMARK interval for watches that allow bookmarks (default one minute). */
  readonly bookmarkMs?: number;
}

/** What the face needs from its API server. */
export interface HttpFaceDeps extends Omit<WatchContext, 'bookmarkMs'> {
  readonly registry: Registry;
  readonly limits: Limits;
  /** The replica's readiness checks, for `/readyz` (absent: always ready). */
  readonly readiness?: () => Readiness;
  /** Follows a pod's log (`pods/log?follow=true`) as its kubelet streams it (absent: 503). */
  readonly followLog?: (
    request: ApiRequest,
    handlers: FollowLogHandlers,
    signal: AbortSignal,
  ) => Promise<void>;
}

/** Readiness as `/readyz` reports it: one line per check, Kubernetes' verbose format. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
}

/** A listening HTTP face; `close()` ends watches, finishes requests in hand and stops listening. */
export class HttpFace {
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly version = versionInfo();

  private constructor(
    private readonly deps: HttpFaceDeps,
    private readonly options: HttpListenOptions,
    private readonly server: Server,
  ) {}

  /** Starts listening on `host:port` and resolves once bound. */
  static async start(deps: HttpFaceDeps, options: HttpListenOptions): Promise<HttpFace> {
    const server = createServer();
    const face = new HttpFace(deps, options, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const done = face.serve(req, res).finally(() => face.inFlight.delete(done));
      face.inFlight.add(done);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    deps.log.info({ url: face.url }, 'API server serving HTTP');
    return face;
  }

  /** `http://host:port`, with the port actually bound. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.options.host}:${port}`;
  }

  /** Ends every watch, lets requests in hand finish, then closes every connection. */
  async close(): Promise<void> {
    this.shutdown.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
    this.server.closeAllConnections();
    await closed;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://skiff');
      const route = parsePath(url.pathname);
      if (route === undefined) throw pathNotFound();
      if (route.kind === 'resource') await this.serveResource(route, req, res, url);
      else await this.serveOther(route, req, res);
    } catch (err) {
      if (res.headersSent) {
        this.deps.log.warn({ err, url: req.url }, 'HTTP response failed after it started');
        res.destroy();
        return;
      }
      const status = statusOfError(err);
      if (status.code >= 500) this.deps.log.error({ err, url: req.url }, 'HTTP request failed');
      // Past the body limit the rest of the body is never read: close the connection after the 413.
      if (err instanceof BodyTooLargeError) res.setHeader('Connection', 'close');
      sendStatus(res, status);
    }
  }

  private async serveResource(
    route: ResourceRoute,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
    const body = hasBody
      ? decodeBody(await readBody(req, this.deps.limits.maxRequestBytes), req.headers['content-type'])
      : undefined;
    const mapped = mapRequest({ method, route, query: url.searchParams, headers: req.headers, body });
    const table = wantsTable(req.headers.accept)
      ? includeObjectOf(url.searchParams.get('includeObject'))
      : undefined;
    if (mapped.kind === 'watch') {
      await serveWatch({ ...this.deps, bookmarkMs: this.options.bookmarkMs }, res, {
        watch: mapped.watch,
        ...(mapped.timeoutSeconds !== undefined ? { timeoutSeconds: mapped.timeoutSeconds } : {}),
        shutdown: this.shutdown.signal,
        render: (event) =>
          table && event.type !== 'BOOKMARK' && event.type !== 'ERROR'
            ? { ...event, object: toTable(route.type, event.object, table, this.deps.clock.now()) }
            : event,
      });
      return;
    }
    const request = mapped.request;
    if (request.subresource === 'log' && request.options?.follow)
      return this.serveFollowedLog(request, req, res);
    const result = await this.deps.handler(request);
    if (!result.ok) return sendStatus(res, result.status);
    if (request.subresource === 'log') {
      // A log is text, as kubectl expects it.
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end(String(result.body ?? ''));
    }
    const printable =
      (request.verb === 'get' || request.verb === 'list') && request.subresource === undefined;
    const out =
      table && printable
        ? toTable(route.type, plain(result.body), table, this.deps.clock.now())
        : result.body;
    sendJson(res, result.code, out, result.warnings);
  }

  /**
   * `kubectl logs -f`: text as the kubelet streams it, chunked, until the container stops, the
   * client hangs up or the face shuts down. A request that cannot be served gets its Status (the
   * caller sends it); once text flowed, a failure can only end the response.
   */
  private async serveFollowedLog(request: ApiRequest, req: IncomingMessage, res: ServerResponse) {
    if (!this.deps.followLog) throw unavailable('this API server cannot follow logs');
    const stop = new AbortController();
    const abort = () => stop.abort();
    res.on('close', abort);
    this.shutdown.signal.addEventListener('abort', abort);
    const begin = () => {
      if (res.headersSent) return;
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.flushHeaders();
    };
    try {
      await this.deps.followLog(
        request,
        {
          onAccepted: begin,
          onText: (text) => {
            begin();
            res.write(text);
          },
        },
        stop.signal,
      );
      begin();
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err;
      this.deps.log.warn({ err, url: req.url }, 'following a log ended with an error');
      res.end();
    } finally {
      res.off('close', abort);
      this.shutdown.signal.removeEventListener('abort', abort);
    }
  }

  private async serveOther(route: Exclude<Route, ResourceRoute>, req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ApiError(
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
    }
    switch (route.kind) {
      case 'root':
        return sendJson(res, 200, rootPaths());
      case 'version':
        return sendJson(res, 200, this.version);
      case 'health': {
        // Liveness (`/healthz`, `/livez`) never depends on Redis or NATS; readiness does.
        const readiness = route.check === 'readyz' ? this.deps.readiness?.() : undefined;
        const verbose = new URL(req.url ?? '/', 'http://skiff').searchParams.has('verbose');
        if (!readiness || (readiness.ready && !verbose)) {
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          return void res.end('ok');
        }
        // Kubernetes' verbose format: one `[+]name ok` / `[-]name failed: why` line per check.
        const lines = readiness.checks.map(
          (c) => `[${c.ok ? '+' : '-'}]${c.name} ${c.ok ? 'ok' : 'failed'}: ${c.detail}`,
        );
        res.writeHead(readiness.ready ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end(`${lines.join('\n')}\nreadyz check ${readiness.ready ? 'passed' : 'failed'}\n`);
      }
      case 'metrics': {
        const text = await this.deps.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.deps.registry.contentType });
        return void res.end(text);
      }
      case 'apiVersions': {
        const { port } = this.server.address() as AddressInfo;
        return sendJson(res, 200, apiVersions(`${this.options.host}:${port}`));
      }
      case 'groupList':
        return sendJson(res, 200, apiGroupList());
      case 'group':
        return sendJson(res, 200, apiGroup(route.group));
      case 'resourceList':
        return sendJson(res, 200, apiResourceList(route.group, route.version));
      case 'openapiRoot':
        return sendJson(res, 200, openapiRoot());
      case 'openapi':
        return sendJson(res, 200, openapiDocument(route.group, route.version));
    }
  }
}
