/**
 * The ReplicaSet controller: keeps `spec.replicas` pods of a ReplicaSet's template running,
 * adopting matching orphans and releasing pods that stopped matching, and keeps its status true.
 *
 *   replicasets informer ─ add/update/delete ─┐
 *                                             ├─▶ key `ns/name` ─▶ queue ─▶ syncReplicaSet (sync.ts)
 *   pods informer ── the pod's controller ────┘        (expectations observed here, on events)
 *                    or, for an orphan, every ReplicaSet whose selector matches it
 *
 * Event handlers only turn events into keys and record what the expectations wait for; all the
 * thinking is in `sync.ts` (act) and the pure `plan.ts` / `status.ts`.
 */
import { objectKeyOf } from '../../../protocol/client/informer.js';
import { labelSelectorMatches } from '../../../protocol/meta.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { ControllerExpectations } from '../../kernel/expectations.js';
import { BURST_REPLICAS } from './plan.js';
import { controllerRefOf, isPodReady } from './pods.js';
import { PODS_BY_NAMESPACE, syncReplicaSet } from './sync.js';

export {
  FAILED_CREATE,
  FAILED_DELETE,
  SUCCESSFUL_CREATE,
  SUCCESSFUL_DELETE,
} from './sync.js';

/** The controller's name: its actor, work queue and metrics. */
export const REPLICASET_CONTROLLER = 'replicaset';

/** The ReplicaSets informer index this controller reads: ReplicaSets by namespace. */
const REPLICASETS_BY_NAMESPACE = 'byNamespace';

/** Settings (tests shorten the timings). */
export interface ReplicaSetControllerSettings {
  /** Concurrent syncs (default 5, as kube-controller-manager's `--concurrent-replicaset-syncs`). */
  readonly workers?: number;
  /** Most pods created or deleted by one sync (default 500). */
  readonly burstReplicas?: number;
  /** How long unmet expectations block a key (default 5 minutes). */
  readonly expectationsTtlMs?: number;
}

/** The ReplicaSet controller, ready for `startControllers`. */
export function replicaSetController(settings: ReplicaSetControllerSettings = {}): ControllerDefinition {
  return {
    name: REPLICASET_CONTROLLER,
    workers: settings.workers ?? 5,
    wire(ctx, queue) {
      const byNamespace = (obj: { metadata: { namespace?: string } }) => [obj.metadata.namespace ?? ''];
      const replicaSets = ctx.informers.informer<ReplicaSet>('replicasets', {
        [REPLICASETS_BY_NAMESPACE]: byNamespace,
      });
      const pods = ctx.informers.informer<Pod>('pods', { [PODS_BY_NAMESPACE]: byNamespace });
      const expectations = new ControllerExpectations({
        clock: ctx.clock,
        log: ctx.log,
        ...(settings.expectationsTtlMs !== undefined ? { ttlMs: settings.expectationsTtlMs } : {}),
      });

      /** The key of the ReplicaSet that controls `pod`, if that ReplicaSet is in the cache (same uid). */
      const ownerKey = (pod: Readonly<Pod>): string | undefined => {
        const ref = controllerRefOf(pod);
        if (ref?.kind !== 'ReplicaSet') return undefined;
        const rs = replicaSets.get(pod.metadata.namespace ?? '', ref.name);
        return rs?.metadata.uid === ref.uid ? objectKeyOf(rs) : undefined;
      };
      /** Every ReplicaSet whose selector matches an orphan: one of them may adopt it. */
      const enqueueMatching = (pod: Readonly<Pod>) => {
        for (const rs of replicaSets.byIndex(REPLICASETS_BY_NAMESPACE, pod.metadata.namespace ?? '')) {
          if (labelSelectorMatches(rs.spec.selector, pod.metadata.labels)) queue.add(objectKeyOf(rs));
        }
      };
      const podDeleted = (pod: Readonly<Pod>) => {
        const key = ownerKey(pod);
        if (!key) return;
        expectations.deletionObserved(key, pod.metadata.uid ?? '');
        queue.add(key);
      };

      replicaSets.on({
        add: (rs) => queue.add(objectKeyOf(rs)),
        update: (_, rs) => queue.add(objectKeyOf(rs)),
        delete: (rs) => {
          expectations.delete(objectKeyOf(rs));
          queue.add(objectKeyOf(rs));
        },
      });
      pods.on({
        add: (pod) => {
          // A pod that arrives already terminating (a relist) is a deletion to observe.
          if (pod.metadata.deletionTimestamp) return podDeleted(pod);
          const key = ownerKey(pod);
          if (key) {
            expectations.creationObserved(key);
            queue.add(key);
          } else if (!controllerRefOf(pod)) enqueueMatching(pod);
        },
        update: (old, pod) => {
          if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
          if (pod.metadata.deletionTimestamp) {
            // Terminating no longer counts: observe it now, not when the kubelet finishes.
            podDeleted(pod);
            if (!old.metadata.deletionTimestamp) {
              const before = ownerKey(old);
              if (before) queue.add(before);
            }
            return;
          }
          const before = ownerKey(old);
          const key = ownerKey(pod);
          if (before && before !== key) queue.add(before);
          if (key) {
            queue.add(key);
            const rs = replicaSets.getByKey(key);
            const minReady = rs?.spec.minReadySeconds ?? 0;
            // Became ready: it becomes available minReadySeconds later, with no event to say so.
            if (minReady > 0 && !isPodReady(old) && isPodReady(pod))
              queue.addAfter(key, minReady * 1000 + 1000);
          } else if (!controllerRefOf(pod)) {
            enqueueMatching(pod);
          }
        },
        delete: (pod) => podDeleted(pod),
      });

      return {
        sync: (key) =>
          syncReplicaSet(
            {
              client: ctx.client,
              recorder: ctx.recorder,
              clock: ctx.clock,
              log: ctx.log,
              replicaSets,
              pods,
              expectations,
              requeueAfter: (k, ms) => queue.addAfter(k, ms),
              burstReplicas: settings.burstReplicas ?? BURST_REPLICAS,
            },
            key,
          ),
      };
    },
  };
}
