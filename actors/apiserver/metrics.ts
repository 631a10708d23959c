/**
 * The API server's Prometheus metrics, registered in the component's registry.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ApiMetrics {
  readonly requestDuration: Histogram<'verb' | 'resource' | 'subresource' | 'code'>;
  readonly watchers: Gauge<'resource'>;
  readonly watchEvents: Counter<'resource'>;
  readonly outboxLag: Gauge;
  readonly outboxOldestPendingAge: Gauge;
  readonly outboxRelayed: Counter;
  readonly relayState: Gauge<'state'>;
  readonly relayHeals: Counter;
  readonly desiredApplied: Counter<'result'>;
}

/** Creates and registers the API server's metrics. */
export function apiMetrics(registry: Registry): ApiMetrics {
  return {
    requestDuration: new Histogram({
      name: 'skiff_apiserver_request_duration_seconds',
      help: 'API request latency by verb, resource, subresource and response code',
      labelNames: ['verb', 'resource', 'subresource', 'code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    watchers: new Gauge({
      name: 'skiff_apiserver_watchers',
      help: 'Open watches served by this API server (HTTP face), by resource',
      labelNames: ['resource'],
      registers: [registry],
    }),
    watchEvents: new Counter({
      name: 'skiff_apiserver_watch_events_sent_total',
      help: 'Watch events sent to watchers (fan-out), by resource',
      labelNames: ['resource'],
      registers: [registry],
    }),
    outboxLag: new Gauge({
      name: 'skiff_apiserver_outbox_lag',
      help: 'Committed events not yet relayed to the event log',
      registers: [registry],
    }),
    outboxOldestPendingAge: new Gauge({
      name: 'skiff_apiserver_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest committed event not yet relayed to the event log',
      registers: [registry],
    }),
    relayState: new Gauge({
      name: 'skiff_apiserver_relay_state',
      help: 'The outbox relay of this replica: 1 for its current state (starting, leader, follower, failing)',
      labelNames: ['state'],
      registers: [registry],
    }),
    relayHeals: new Counter({
      name: 'skiff_apiserver_relay_heals_total',
      help: 'Times the relay found the event log behind what it had acknowledged and republished',
      registers: [registry],
    }),
    outboxRelayed: new Counter({
      name: 'skiff_apiserver_outbox_relayed_total',
      help: 'Events relayed from the store outbox to the event log',
      registers: [registry],
    }),
    desiredApplied: new Counter({
      name: 'skiff_apiserver_desired_applied_total',
      help: 'Desired-state events applied, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
