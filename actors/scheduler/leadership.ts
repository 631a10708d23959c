/**
 * The elector actor: campaigns for the scheduler Lease and tells the scheduling actor when this
 * replica starts or stops leading (with the fencing token its binds must carry). The stop hook
 * gives the Lease up, so another replica takes over at once instead of after its expiry.
 */
import type { ApiClient } from '../../protocol/client/api-client.js';
import { LeaderElector } from '../../protocol/client/leader-election.js';
import type { ActorFactory, ActorLogic, ActorRef } from '../kernel/actor.js';
import type { ElectorMsg, SchedulingMsg } from './messages.js';

/** The Lease replicas compete for, as kube-scheduler's. */
export const SCHEDULER_LEASE = { namespace: 'kube-system', name: 'skiff-scheduler' } as const;

/** Lease timing; defaults are kube-scheduler's (15 s, 10 s, 2 s). */
export interface LeaseTiming {
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
}

/** What the elector actor depends on. */
export interface ElectorDeps {
  readonly client: ApiClient;
  /** This replica's identity in the Lease. */
  readonly identity: string;
  readonly timing: LeaseTiming;
  readonly scheduling: ActorRef<SchedulingMsg>;
}

/** The factory of the elector actor. */
export function electorActor(deps: ElectorDeps): ActorFactory<ElectorMsg> {
  return (): ActorLogic<ElectorMsg> => {
    let elector: LeaderElector | undefined;
    return {
      start(ctx) {
        elector = new LeaderElector({
          client: deps.client,
          clock: ctx.clock,
          log: ctx.log,
          lease: SCHEDULER_LEASE,
          identity: deps.identity,
          ...deps.timing,
          onStartedLeading: (fence) => deps.scheduling.send({ type: 'leading', fence }),
          onStoppedLeading: () => deps.scheduling.send({ type: 'following' }),
        });
        elector.start();
      },
      receive() {
        // report: the scheduling actor restarted and does not know whether we lead.
        const fence = elector?.fence;
        deps.scheduling.send(fence ? { type: 'leading', fence } : { type: 'following' });
      },
      async stop() {
        await elector?.stop();
      },
    };
  };
}
