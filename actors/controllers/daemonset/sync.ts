/**
 * syncDaemonSet: read the DaemonSet, the nodes and its pods from the informers, plan (plan.ts),
 * delete and create pods under expectations, then write the recomputed status (status.ts).
 *
 * Pods are created with `spec.nodeName` set to their node, as Kubernetes did before 1.12: they run
 * without the scheduler (a DaemonSet must work when the scheduler does not, e.g. for the network
 * daemon the scheduler's own node needs). Kubernetes now pins with node affinity and lets the
 * scheduler bind; with nodeName the kubelet's admission is the only check.
 */
import type { ApiClient } from '../../../protocol/client/api-client.js';
import type { Informer } from '../../../protocol/client/informer.js';
import type { EventRecorder } from '../../../protocol/client/recorder.js';
import type { Clock } from '../../../protocol/clock.js';
import { isReason } from '../../../protocol/errors.js';
import { newControllerRef } from '../../../protocol/owners.js';
import type { DaemonSet } from '../../../protocol/resources/daemonset.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { adoptOrphans } from '../../kernel/adoption.js';
import type { ControllerExpectations } from '../../kernel/expectations.js';
import type { Logger } from '../../kernel/log.js';
import { withDaemonTolerations } from './eligibility.js';
import { planDaemonSet, podsToAdopt, REVISION_HASH_LABEL, templateHash } from './plan.js';
import { calculateDaemonSetStatus } from './status.js';

/** Event reason: a daemon pod was created. */
export const SUCCESSFUL_CREATE = 'SuccessfulCreate';
/** Event reason: a daemon pod was deleted. */
export const SUCCESSFUL_DELETE = 'SuccessfulDelete';
/** Event reason: creating a daemon pod failed. */
export const FAILED_CREATE = 'FailedCreate';

/** Index of the pods informer: the uid of a pod's controller. */
export const BY_CONTROLLER_UID = 'daemonset.byControllerUid';
/** Index of the pods informer: the namespace of each pod without a controller. */
export const ORPHANS_BY_NAMESPACE = 'daemonset.orphansByNamespace';

/** What syncDaemonSet reads and writes through. */
export interface DaemonSetSyncDeps {
  readonly client: ApiClient;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly daemonSets: Informer<DaemonSet>;
  readonly nodes: Informer<Node>;
  readonly pods: Informer<Pod>;
  readonly expectations: ControllerExpectations;
  readonly requeueAfter: (key: string, ms: number) => void;
}

/** Syncs the DaemonSet at `key` (`namespace/name`). */
export async function syncDaemonSet(deps: DaemonSetSyncDeps, key: string): Promise<void> {
  const ds = deps.daemonSets.getByKey(key);
  if (!ds) {
    deps.expectations.delete(key);
    return;
  }
  if (ds.metadata.deletionTimestamp) return; // its pods are the garbage collector's now
  const world = () => ({
    ds,
    nodes: deps.nodes.list(),
    pods: deps.pods.byIndex(BY_CONTROLLER_UID, ds.metadata.uid as string),
    now: deps.clock.now(),
  });
  // Adopted pods show up in the cache with the next event, which syncs this key again; planning
  // now, without them, would put a second pod on their nodes.
  if (await adoptMatchingOrphans(deps, ds)) return;
  // Until the cache shows our own creations and deletions, it would miscount: act only after.
  if (deps.expectations.satisfied(key)) {
    const plan = planDaemonSet(world());
    await deletePods(deps, key, ds, plan.delete);
    await createPods(deps, key, ds, plan.create);
  }
  const status = calculateDaemonSetStatus(world());
  if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) {
    await deps.client.updateStatus('daemonsets', { ...ds, status });
  }
  // Ready pods become available after minReadySeconds, which no event announces.
  if (ds.spec.minReadySeconds > 0 && status.numberAvailable !== status.numberReady) {
    deps.requeueAfter(key, ds.spec.minReadySeconds * 1000);
  }
}

/** Takes controller ownership of matching orphans; returns how many it adopted. */
function adoptMatchingOrphans(deps: DaemonSetSyncDeps, ds: DaemonSet): Promise<number> {
  const orphans = podsToAdopt(ds, deps.pods.byIndex(ORPHANS_BY_NAMESPACE, ds.metadata.namespace ?? ''));
  const ref = newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata });
  return adoptOrphans(deps.client, orphans, ref, (live) => podsToAdopt(ds, [live]).length > 0);
}

async function createPods(deps: DaemonSetSyncDeps, key: string, ds: DaemonSet, nodes: readonly string[]) {
  if (nodes.length === 0) return;
  deps.expectations.expectCreations(key, nodes.length);
  let failure: unknown;
  // One at a time would be slow on a large cluster; all at once is what the API's queue is for.
  await Promise.all(
    nodes.map(async (node) => {
      try {
        const pod = await deps.client.create('pods', podForNode(ds, node));
        deps.recorder.event(ds, 'Normal', SUCCESSFUL_CREATE, `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        deps.expectations.lowerExpectations(key, 1, 0);
        deps.recorder.event(ds, 'Warning', FAILED_CREATE, `Error creating: ${(err as Error).message}`);
        failure ??= err;
      }
    }),
  );
  if (failure) throw failure;
}

async function deletePods(deps: DaemonSetSyncDeps, key: string, ds: DaemonSet, pods: readonly Pod[]) {
  if (pods.length === 0) return;
  deps.expectations.expectDeletions(
    key,
    pods.map((p) => p.metadata.uid as string),
  );
  let failure: unknown;
  await Promise.all(
    pods.map(async (pod) => {
      const { namespace = '', name = '', uid = '' } = pod.metadata;
      try {
        await deps.client.delete('pods', namespace, name, { preconditions: { uid } });
        deps.recorder.event(ds, 'Normal', SUCCESSFUL_DELETE, `Deleted pod: ${name}`);
      } catch (err) {
        deps.expectations.deletionObserved(key, uid);
        if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) failure ??= err;
      }
    }),
  );
  if (failure) throw failure;
}

/** The daemon pod of `ds` for `node`: its template, the revision hash, nodeName, owner and tolerations. */
export function podForNode(ds: DaemonSet, node: string): Pod {
  const { name = '', namespace } = ds.metadata;
  const template = ds.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace,
      labels: { ...template.metadata.labels, [REVISION_HASH_LABEL]: templateHash(template) },
      ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [
        newControllerRef({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: ds.metadata }),
      ],
    },
    spec: {
      ...structuredClone(template.spec),
      nodeName: node,
      tolerations: withDaemonTolerations(template.spec.tolerations ?? []),
    },
  } as Pod;
}
