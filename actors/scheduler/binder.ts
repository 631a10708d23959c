/**
 * The binder: a pool of actors that send binds to the API server, so the scheduling actor never
 * waits for one (kube-scheduler binds in a goroutine per pod for the same reason). Each instance
 * holds one bind at a time; the pool's size is the most binds in flight, and the scheduling actor
 * stops popping pods when that many are out.
 *
 * Every outcome goes back to the scheduling actor as a message: `bound`, or `bind-failed` with
 * the API's error (the pod is forgotten in the cache and backs off; `NotFound` means it is gone).
 * A failed request is an outcome, not a failure of the binder: nothing here throws.
 */
import type { ApiClient } from '../../protocol/client/api-client.js';
import type { ActorFactory, ActorRef } from '../kernel/actor.js';
import type { BindMsg, SchedulingMsg } from './messages.js';
import type { SchedulerMetrics } from './metrics.js';

/** What a binder instance depends on. */
export interface BinderDeps {
  readonly client: Pick<ApiClient, 'bind'>;
  readonly metrics: Pick<SchedulerMetrics, 'bindingDuration'>;
  /** Where outcomes go (the scheduling actor), looked up per bind: it is spawned before the pool. */
  readonly scheduling: () => ActorRef<SchedulingMsg> | undefined;
}

/** The factory of one binder instance (the system spawns `bindConcurrency` of them as a pool). */
export function binderActor(deps: BinderDeps): ActorFactory<BindMsg> {
  return () => ({
    async receive({ qp, node, fence, generation }) {
      const pod = qp.podInfo.pod;
      const started = performance.now();
      let outcome: SchedulingMsg;
      try {
        await deps.client.bind(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', node, {
          ...(fence ? { fence } : {}),
        });
        const bindMs = performance.now() - started;
        deps.metrics.bindingDuration.observe({ result: 'ok' }, bindMs / 1000);
        outcome = { type: 'bound', qp, node, bindMs, generation };
      } catch (err) {
        deps.metrics.bindingDuration.observe({ result: 'error' }, (performance.now() - started) / 1000);
        const error = err instanceof Error ? err : new Error(String(err));
        outcome = { type: 'bind-failed', qp, node, error, generation };
      }
      deps.scheduling()?.send(outcome);
    },
  });
}
