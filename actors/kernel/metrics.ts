/**
 * Prometheus metrics: one `Registry` per component (never prom-client's global one, since
 * `skiff up` runs every component in one process and each must keep its own series), and a tiny
 * HTTP server that exposes it.
 *
 *   GET /metrics  → text exposition of the registry (200)
 *   GET /healthz  → "ok" (200)
 *   anything else → 404 (405 for other methods on those two paths)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from './log.js';

/** How a component's registry is built. */
export interface RegistryOptions {
  /** Becomes the default label `component` on every series. */
  readonly component: string;
  /** Also collect process metrics (CPU, memory, event-loop lag); default false. */
  readonly processMetrics?: boolean;
}

/** Creates a component's own registry, labelling every series with `{component}`. */
export function createRegistry(options: RegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component: options.component });
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Where to serve a registry. */
export interface ServeMetricsOptions {
  readonly registry: Registry;
  /** Default 127.0.0.1: metrics stay on loopback unless a deployment asks otherwise. */
  readonly host?: string;
  /** Default 0: a free port, reported in `url`. */
  readonly port?: number;
  readonly log?: Logger;
}

/** A running metrics server. */
export interface MetricsServer {
  /** Base URL, e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Serves `/metrics` and `/healthz` for a registry; resolves once listening. */
export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      options.log?.error({ err: error }, 'metrics request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Listening on a host and port (not a pipe), so the address is always an AddressInfo.
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.log?.info({ url }, 'serving metrics');
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Scrapers keep connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function handle(
  options: ServeMetricsOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== '/metrics' && path !== '/healthz') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  const body = await options.registry.metrics();
  res.writeHead(200, { 'content-type': options.registry.contentType }).end(req.method === 'HEAD' ? '' : body);
}
