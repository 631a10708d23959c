/**
 * syncReplicaSet: one pass of the ReplicaSet controller for one key, level-triggered.
 *
 *   read rs from the cache ──▶ claimPods (adopt / release) ──▶ expectations satisfied?
 *        │                                                        │ yes         │ no: counts only
 *        └─ gone: forget its expectations                         ▼             ▼
 *                                               manageReplicas (create / delete)
 *                                                                 │
 *                                     calculateStatus ──▶ write status when it changed
 *
 * Expectations are what make a lagging cache safe: before creating n pods the controller expects
 * n ADDED events for the key, and until they arrive (or the expectations expire) it does not
 * count pods again, so it can never create the same pods twice.
 */
import type { ApiClient } from '../../../protocol/client/api-client.js';
import type { Informer } from '../../../protocol/client/informer.js';
import type { EventRecorder } from '../../../protocol/client/recorder.js';
import type { Clock } from '../../../protocol/clock.js';
import { isReason } from '../../../protocol/errors.js';
import type { Logger } from '../../../protocol/logger.js';
import { newControllerRef } from '../../../protocol/owners.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ReplicaSet } from '../../../protocol/resources/replicaset.js';
import type { ControllerExpectations } from '../../kernel/expectations.js';
import { claimPods, type PodClaims, planReplicas, slowStartBatches } from './plan.js';
import { calculateStatus, type ManageFailure, statusEqual } from './status.js';

/** Event reasons, as Kubernetes' pod control records them. */
export const SUCCESSFUL_CREATE = 'SuccessfulCreate';
export const FAILED_CREATE = 'FailedCreate';
export const SUCCESSFUL_DELETE = 'SuccessfulDelete';
export const FAILED_DELETE = 'FailedDelete';

/** The pods informer index this controller reads: pods by namespace. */
export const PODS_BY_NAMESPACE = 'byNamespace';

/** What a sync reads and writes. */
export interface ReplicaSetSyncDeps {
  readonly client: ApiClient;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  readonly expectations: ControllerExpectations;
  /** Adds `key` again after `ms` (the work queue's addAfter). */
  readonly requeueAfter: (key: string, ms: number) => void;
  readonly burstReplicas: number;
}

/** Syncs the ReplicaSet under `key` (`namespace/name`); throws to be retried. */
export async function syncReplicaSet(deps: ReplicaSetSyncDeps, key: string): Promise<void> {
  const rs = deps.replicaSets.getByKey(key);
  if (!rs) {
    deps.expectations.delete(key);
    return;
  }
  // Read before claiming: an adoption below is itself a pod event, and must not look like news.
  const needsSync = deps.expectations.satisfied(key);
  const claims = claimPods(rs, deps.pods.byIndex(PODS_BY_NAMESPACE, rs.metadata.namespace ?? ''));
  await applyClaims(deps, rs, claims);

  let pods = claims.owned;
  let failure: ManageFailure | undefined;
  if (needsSync && !rs.metadata.deletionTimestamp) {
    ({ pods, failure } = await manageReplicas(deps, rs, key, claims.owned));
  }

  const now = deps.clock.now();
  const pending = deps.expectations.get(key);
  const creating = pending && !deps.expectations.satisfied(key) ? pending.adds : 0;
  const status = calculateStatus(rs, pods, now, { failure, creating });
  if (!statusEqual(rs.status, status)) {
    // A stale cached copy answers 409 here; the throw retries the whole sync on a fresher cache.
    await deps.client.updateStatus('replicasets', { ...rs, status });
  }
  if (failure) throw new Error(`replicaset ${key}: ${failure.message}`);
  const minReady = rs.spec.minReadySeconds;
  if (
    minReady > 0 &&
    status.readyReplicas === status.replicas &&
    status.availableReplicas !== status.replicas
  ) {
    // Some pods are ready but not yet for minReadySeconds: look again when they may be.
    deps.requeueAfter(key, minReady * 1000);
  }
}

/**
 * Adopts and releases pods by rewriting their owner references, with the pod's resourceVersion as
 * the precondition: a pod changed meanwhile (maybe claimed by another controller) answers 409 and
 * the sync is retried on the fresh cache, so two controllers never both own one pod.
 */
async function applyClaims(
  deps: ReplicaSetSyncDeps,
  rs: Readonly<ReplicaSet>,
  claims: PodClaims,
): Promise<void> {
  const ref = newControllerRef({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: rs.metadata });
  const writes = [
    ...claims.adopt.map((pod) => ({
      pod,
      refs: [...(pod.metadata.ownerReferences ?? []), ref],
    })),
    ...claims.release.map((pod) => ({
      pod,
      refs: (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid),
    })),
  ];
  const results = await Promise.allSettled(
    writes.map(({ pod, refs }) =>
      deps.client.update('pods', { ...pod, metadata: { ...pod.metadata, ownerReferences: refs } }),
    ),
  );
  const failed = results.filter(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && !isReason(r.reason, 'NotFound'),
  );
  if (failed.length > 0) throw failed[0]?.reason;
}

/**
 * Kubernetes' manageReplicas: creates missing pods in slow-start batches or deletes the surplus,
 * setting expectations first. Returns the pods that still count afterwards (those just deleted
 * are gone from it, so the status written next is already true) and what failed, if anything.
 */
async function manageReplicas(
  deps: ReplicaSetSyncDeps,
  rs: Readonly<ReplicaSet>,
  key: string,
  owned: readonly Readonly<Pod>[],
): Promise<{ pods: readonly Readonly<Pod>[]; failure?: ManageFailure }> {
  const plan = planReplicas(rs.spec.replicas, owned, deps.burstReplicas);
  if (plan.action === 'create') {
    deps.expectations.expectCreations(key, plan.count);
    const failure = await createPods(deps, rs, key, plan.count);
    return failure ? { pods: owned, failure } : { pods: owned };
  }
  if (plan.action === 'delete') {
    deps.expectations.expectDeletions(
      key,
      plan.pods.map((p) => p.metadata.uid ?? ''),
    );
    return deletePods(deps, rs, key, owned, plan.pods);
  }
  return { pods: owned };
}

/**
 * Creates `count` pods in batches of 1, 2, 4, ...; stops at the first batch with a failure and
 * lowers the expectations by every creation that will never be observed.
 */
async function createPods(
  deps: ReplicaSetSyncDeps,
  rs: Readonly<ReplicaSet>,
  key: string,
  count: number,
): Promise<ManageFailure | undefined> {
  let attempted = 0;
  for (const batch of slowStartBatches(count)) {
    attempted += batch;
    const results = await Promise.allSettled(
      Array.from({ length: batch }, () => deps.client.create('pods', podFromTemplate(rs))),
    );
    let firstError: unknown;
    for (const result of results) {
      if (result.status === 'fulfilled') {
        deps.recorder.event(rs, 'Normal', SUCCESSFUL_CREATE, `Created pod: ${result.value.metadata.name}`);
        continue;
      }
      firstError ??= result.reason;
      deps.expectations.lowerExpectations(key, 1, 0);
      deps.recorder.event(rs, 'Warning', FAILED_CREATE, `Error creating: ${errorMessage(result.reason)}`);
    }
    if (firstError !== undefined) {
      const skipped = count - attempted;
      if (skipped > 0) deps.expectations.lowerExpectations(key, skipped, 0);
      return { reason: FAILED_CREATE, message: errorMessage(firstError) };
    }
  }
  return undefined;
}

/** Deletes `victims`; each failure is observed at once (its DELETED event will never come). */
async function deletePods(
  deps: ReplicaSetSyncDeps,
  rs: Readonly<ReplicaSet>,
  key: string,
  owned: readonly Readonly<Pod>[],
  victims: readonly Readonly<Pod>[],
): Promise<{ pods: readonly Readonly<Pod>[]; failure?: ManageFailure }> {
  const gone = new Set<string>();
  let failure: ManageFailure | undefined;
  await Promise.all(
    victims.map(async (pod) => {
      const uid = pod.metadata.uid ?? '';
      try {
        await deps.client.delete('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
          preconditions: { uid },
        });
        gone.add(uid);
        deps.recorder.event(rs, 'Normal', SUCCESSFUL_DELETE, `Deleted pod: ${pod.metadata.name}`);
      } catch (err) {
        deps.expectations.deletionObserved(key, uid);
        if (isReason(err, 'NotFound')) {
          gone.add(uid);
          return;
        }
        failure ??= { reason: FAILED_DELETE, message: errorMessage(err) };
        deps.recorder.event(rs, 'Warning', FAILED_DELETE, `Error deleting: ${errorMessage(err)}`);
      }
    }),
  );
  const pods = owned.filter((p) => !gone.has(p.metadata.uid ?? ''));
  return failure ? { pods, failure } : { pods };
}

/**
 * A pod for `rs`: the template's labels, annotations and spec, a controller reference, and a
 * generated name `<rs>-<5 random characters>` (the API server completes `generateName`).
 */
export function podFromTemplate(rs: Readonly<ReplicaSet>): Pod {
  const template = rs.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ...(template.metadata.labels ? { labels: { ...template.metadata.labels } } : {}),
      ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [
        newControllerRef({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: rs.metadata }),
      ],
    },
    spec: structuredClone(template.spec),
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
