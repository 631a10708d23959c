/**
 * The Deployment controller: rolls a Deployment's pod template out through ReplicaSets it owns
 * (`<deployment>-<pod-template-hash>`), RollingUpdate or Recreate, keeps their revision history,
 * and reports progress in the Deployment's status.
 *
 *   deployments informer ─────────────────────────────┐
 *   replicasets informer ── the ReplicaSet's controller ├─▶ key `ns/name` ─▶ queue ─▶ syncDeployment
 *                          (an orphan: every matching   │                            (sync.ts)
 *                           Deployment)                 │
 *   pods informer ── a deleted pod's ReplicaSet's ──────┘  (Recreate waits for old pods to go)
 *                    Deployment
 *
 * The ReplicaSet controller does the pods; this one only sizes ReplicaSets.
 */
import { objectKeyOf } from '../../../protocol/client/informer.js';
import { labelSelectorMatches, type OwnerReference } from '../../../protocol/meta.js';
import { controllerRefOf } from '../../../protocol/owners.js';
import type { Deployment } from '../../../protocol/resources/deployment.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { BY_CONTROLLER_UID, BY_NAMESPACE, syncDeployment } from './sync.js';

export {
  AVAILABLE,
  FOUND_NEW_RS,
  MINIMUM_AVAILABLE,
  MINIMUM_UNAVAILABLE,
  NEW_RS_AVAILABLE,
  NEW_RS_CREATED,
  PROGRESSING,
  RS_UPDATED,
  TIMED_OUT,
} from './status.js';
export { SCALING_REPLICA_SET } from './sync.js';

/** The controller's name: its actor, work queue and metrics. */
export const DEPLOYMENT_CONTROLLER = 'deployment';

/** Settings (tests shorten nothing here yet, but the shape is the same for every controller). */
export interface DeploymentControllerSettings {
  /** Concurrent syncs (default 5, as kube-controller-manager's `--concurrent-deployment-syncs`). */
  readonly workers?: number;
}

/** The Deployment controller, ready for `startControllers`. */
export function deploymentController(settings: DeploymentControllerSettings = {}): ControllerDefinition {
  return {
    name: DEPLOYMENT_CONTROLLER,
    workers: settings.workers ?? 5,
    wire(ctx, queue) {
      const byNamespace = (obj: { metadata: { namespace?: string } }) => [obj.metadata.namespace ?? ''];
      const byControllerUid = (obj: {
        metadata: { ownerReferences?: readonly OwnerReference[] | undefined };
      }) => {
        const ref = controllerRefOf(obj);
        return ref ? [ref.uid] : [];
      };
      const deployments = ctx.informers.informer<Deployment>('deployments', { [BY_NAMESPACE]: byNamespace });
      const replicaSets = ctx.informers.informer<ReplicaSet>('replicasets', {
        [BY_NAMESPACE]: byNamespace,
        [BY_CONTROLLER_UID]: byControllerUid,
      });
      const pods = ctx.informers.informer<Pod>('pods', { [BY_CONTROLLER_UID]: byControllerUid });

      /** The key of the Deployment controlling `rs`, if it is in the cache with the same uid. */
      const ownerKey = (rs: Readonly<ReplicaSet>): string | undefined => {
        const ref = controllerRefOf(rs);
        if (ref?.kind !== 'Deployment') return undefined;
        const d = deployments.get(rs.metadata.namespace ?? '', ref.name);
        return d?.metadata.uid === ref.uid ? objectKeyOf(d) : undefined;
      };
      /** Every Deployment whose selector matches an orphan ReplicaSet: one of them may adopt it. */
      const enqueueMatching = (rs: Readonly<ReplicaSet>) => {
        for (const d of deployments.byIndex(BY_NAMESPACE, rs.metadata.namespace ?? '')) {
          if (labelSelectorMatches(d.spec.selector, rs.metadata.labels)) queue.add(objectKeyOf(d));
        }
      };
      const replicaSetChanged = (rs: Readonly<ReplicaSet>) => {
        const key = ownerKey(rs);
        if (key) queue.add(key);
        else if (!controllerRefOf(rs)) enqueueMatching(rs);
      };

      deployments.on({
        add: (d) => queue.add(objectKeyOf(d)),
        update: (_, d) => queue.add(objectKeyOf(d)),
        delete: (d) => queue.add(objectKeyOf(d)),
      });
      replicaSets.on({
        add: replicaSetChanged,
        update: (old, rs) => {
          if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
          const before = ownerKey(old);
          const after = ownerKey(rs);
          if (before && before !== after) queue.add(before);
          replicaSetChanged(rs);
        },
        delete: (rs) => {
          const key = ownerKey(rs);
          if (key) queue.add(key);
        },
      });
      pods.on({
        // Only a Recreate rollout waits on pods: the last old pod gone lets the new ReplicaSet grow.
        delete: (pod) => {
          const ref = controllerRefOf(pod);
          if (ref?.kind !== 'ReplicaSet') return;
          const rs = replicaSets.get(pod.metadata.namespace ?? '', ref.name);
          if (!rs || rs.metadata.uid !== ref.uid) return;
          const key = ownerKey(rs);
          if (key && deployments.getByKey(key)?.spec.strategy.type === 'Recreate') queue.add(key);
        },
      });

      return {
        sync: (key) =>
          syncDeployment(
            {
              client: ctx.client,
              recorder: ctx.recorder,
              clock: ctx.clock,
              log: ctx.log,
              deployments,
              replicaSets,
              pods,
              requeueAfter: (k, ms) => queue.addAfter(k, ms),
            },
            key,
          ),
      };
    },
  };
}
