/**
 * The proxy's Prometheus metrics, per Service port (`service` = `namespace/name:port`), after
 * kube-proxy's where one exists (`sync_proxy_rules_endpoint_changes`, network programming latency).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ProxyMetrics {
  /** Connections (TCP) and flows (UDP) accepted and sent to an endpoint. */
  readonly connections: Counter<'service' | 'protocol'>;
  /** Connections open now. */
  readonly active: Gauge<'service'>;
  /** Bytes relayed: `in` from clients to endpoints, `out` back. */
  readonly bytes: Counter<'service' | 'direction'>;
  /** `no_endpoints` (refused), `connect` (no endpoint answered), `stream` (reset midway), `listen`. */
  readonly errors: Counter<'service' | 'reason'>;
  /** From an Endpoints or Service informer event to the proxy balancing with it. */
  readonly applyLatency: Histogram;
  /** Listeners open, on the node and inside pods. */
  readonly listeners: Gauge<'scope'>;
  readonly restarts: Counter<'actor'>;
}

const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Creates and registers the proxy's metrics. */
export function proxyMetrics(registry: Registry): ProxyMetrics {
  return {
    connections: new Counter({
      name: 'skiff_proxy_connections_total',
      help: 'Connections (TCP) and flows (UDP) sent to an endpoint, per Service port',
      labelNames: ['service', 'protocol'],
      registers: [registry],
    }),
    active: new Gauge({
      name: 'skiff_proxy_active_connections',
      help: 'TCP connections open through the proxy, per Service port',
      labelNames: ['service'],
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'skiff_proxy_bytes_total',
      help: 'Bytes relayed per Service port: in (client to endpoint), out (endpoint to client)',
      labelNames: ['service', 'direction'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'skiff_proxy_errors_total',
      help: 'Failures per Service port: no_endpoints (refused), connect, stream, listen',
      labelNames: ['service', 'reason'],
      registers: [registry],
    }),
    applyLatency: new Histogram({
      name: 'skiff_proxy_endpoints_apply_seconds',
      help: 'Time from an Endpoints (or Service) informer event to the proxy balancing with it',
      buckets: BUCKETS,
      registers: [registry],
    }),
    listeners: new Gauge({
      name: 'skiff_proxy_listeners',
      help: 'Listening sockets, on the node and inside pods',
      labelNames: ['scope'],
      registers: [registry],
    }),
    restarts: new Counter({
      name: 'skiff_proxy_actor_restarts_total',
      help: 'Restarts of the proxy actors, by actor',
      labelNames: ['actor'],
      registers: [registry],
    }),
  };
}
