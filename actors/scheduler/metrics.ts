/**
 * The scheduler's Prometheus metrics (names after kube-scheduler's where one exists).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SchedulerMetrics {
  readonly attempts: Counter<'result'>;
  readonly algorithmDuration: Histogram;
  readonly bindingDuration: Histogram<'result'>;
  readonly e2eDuration: Histogram;
  readonly pending: Gauge<'queue'>;
  readonly leader: Gauge;
  /** Restarts of the scheduler's actors, by actor (`scheduling`, `binder`, `pod-informer`, ...). */
  readonly restarts: Counter<'actor'>;
}

const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/** Creates and registers the scheduler's metrics. */
export function schedulerMetrics(registry: Registry): SchedulerMetrics {
  return {
    attempts: new Counter({
      name: 'skiff_scheduler_schedule_attempts_total',
      help: 'Scheduling attempts by result (scheduled, unschedulable, error)',
      labelNames: ['result'],
      registers: [registry],
    }),
    algorithmDuration: new Histogram({
      name: 'skiff_scheduler_scheduling_algorithm_duration_seconds',
      help: 'Time of one scheduling cycle (filter and score) for one pod',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    bindingDuration: new Histogram({
      name: 'skiff_scheduler_binding_duration_seconds',
      help: 'Time of the bind request to the API server',
      labelNames: ['result'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    e2eDuration: new Histogram({
      name: 'skiff_scheduler_pod_scheduling_duration_seconds',
      help: 'Time from a pod first entering the queue to its bind succeeding',
      buckets: [...LATENCY_BUCKETS, 10, 30, 60],
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'skiff_scheduler_pending_pods',
      help: 'Pods waiting in the scheduling queue, by sub-queue',
      labelNames: ['queue'],
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'skiff_scheduler_leader',
      help: '1 while this replica holds the scheduler lease',
      registers: [registry],
    }),
    restarts: new Counter({
      name: 'skiff_scheduler_actor_restarts_total',
      help: 'Restarts of the scheduler actors after a failure, by actor',
      labelNames: ['actor'],
      registers: [registry],
    }),
  };
}
