/**
 * Work queue metrics, in client-go's shape and names (with a `skiff_` prefix), labelled by queue
 * name. Several queues (one per controller) share one registry, so each series is created once
 * per registry and then looked up, never registered twice.
 *
 *   skiff_workqueue_depth{name}                  keys waiting to be handed to a worker
 *   skiff_workqueue_adds_total{name}             keys added (de-duplicated adds are not counted)
 *   skiff_workqueue_retries_total{name}          rate-limited re-adds after a failed sync
 *   skiff_workqueue_work_duration_seconds{name}  time from get() to done()
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a work queue reports. */
export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
  worked(seconds: number): void;
}

/** Reports nothing: for queues built without a registry. */
export const noWorkQueueMetrics: WorkQueueMetrics = {
  depth: () => undefined,
  added: () => undefined,
  retried: () => undefined,
  worked: () => undefined,
};

/** Buckets from 1 ms to 10 min: syncs range from a cache read to a slow container pull. */
const workBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600];

/** Binds the work queue series in `registry` (creating them on first use) to the queue `name`. */
export function workQueueMetrics(registry: Registry, name: string): WorkQueueMetrics {
  const depth = existing(registry, 'skiff_workqueue_depth', Gauge) ?? new Gauge(spec('depth', registry));
  const adds =
    existing(registry, 'skiff_workqueue_adds_total', Counter) ?? new Counter(spec('adds', registry));
  const retries =
    existing(registry, 'skiff_workqueue_retries_total', Counter) ?? new Counter(spec('retries', registry));
  const work =
    existing(registry, 'skiff_workqueue_work_duration_seconds', Histogram) ??
    new Histogram({ ...spec('work', registry), buckets: workBuckets });
  const labels = { name };
  return {
    depth: (n) => depth.set(labels, n),
    added: () => adds.inc(labels),
    retried: () => retries.inc(labels),
    worked: (seconds) => work.observe(labels, seconds),
  };
}

const specs = {
  depth: { name: 'skiff_workqueue_depth', help: 'Keys waiting in the work queue.' },
  adds: { name: 'skiff_workqueue_adds_total', help: 'Keys added to the work queue.' },
  retries: { name: 'skiff_workqueue_retries_total', help: 'Rate-limited re-adds after failed syncs.' },
  work: { name: 'skiff_workqueue_work_duration_seconds', help: 'Seconds from get() to done() per key.' },
} as const;

function spec(kind: keyof typeof specs, registry: Registry) {
  return { ...specs[kind], labelNames: ['name'] as const, registers: [registry] };
}

/** The metric already registered under `metricName`, when it has the expected kind. */
function existing<T>(
  registry: Registry,
  metricName: string,
  kind: abstract new (...args: never[]) => T,
): T | undefined {
  const found = registry.getSingleMetric(metricName);
  return found instanceof kind ? found : undefined;
}
