/**
 * Binds pods in the background, up to a limit in flight, so the scheduling loop never waits for
 * the API server (kube-scheduler binds in a goroutine per pod for the same reason).
 */

import type { FenceToken } from '../../protocol/api.js';
import type { ApiClient } from '../../protocol/client/api-client.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/log.js';
import type { SchedulerMetrics } from './metrics.js';
import type { QueuedPod } from './queue/queue.js';

export interface BinderOptions {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly concurrency: number;
  /** The current fencing token (undefined without leader election). */
  readonly fence: () => FenceToken | undefined;
  readonly onSuccess: (qp: QueuedPod, node: string, bindMs: number) => void;
  readonly onFailure: (qp: QueuedPod, node: string, err: Error & { reason?: string }) => void;
  readonly metrics: Pick<SchedulerMetrics, 'bindingDuration'>;
}

/** Sends binds, at most `concurrency` at once. */
export class Binder {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: BinderOptions) {}

  /** Resolves when another bind may be sent. */
  slot(): Promise<void> {
    if (this.inFlight < this.options.concurrency) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once no bind is in flight. */
  async drain(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Sends one bind; the outcome arrives through onSuccess / onFailure. */
  bind(qp: QueuedPod, node: string): void {
    const pod = qp.podInfo.pod;
    const fence = this.options.fence();
    const started = performance.now();
    this.inFlight++;
    void this.options.client
      .bind(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', node, fence ? { fence } : {})
      .then(
        () => {
          const ms = performance.now() - started;
          this.options.metrics.bindingDuration.observe({ result: 'ok' }, ms / 1000);
          this.options.onSuccess(qp, node, ms);
        },
        (err: Error & { reason?: string }) => {
          this.options.metrics.bindingDuration.observe(
            { result: 'error' },
            (performance.now() - started) / 1000,
          );
          this.options.onFailure(qp, node, err);
        },
      )
      .finally(() => {
        this.inFlight--;
        const next = this.waiters.shift();
        next?.();
      });
  }
}
