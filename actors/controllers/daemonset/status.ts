/**
 * A DaemonSet's status, recomputed from the nodes and its pods (Kubernetes' `updateDaemonSetStatus`):
 * every count is of nodes, not pods, so a node with an old and a new pod during a surge counts once.
 */
import type { DaemonSetStatus } from '../../../protocol/resources/daemonset.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import {
  type DaemonSetWorld,
  isAvailable,
  isReady,
  podsByNode,
  REVISION_HASH_LABEL,
  templateHash,
} from './plan.js';

/** Computes the status of `world.ds`. */
export function calculateDaemonSetStatus(world: DaemonSetWorld): DaemonSetStatus {
  const { ds, now } = world;
  const hash = templateHash(ds.spec.template);
  const { nodes } = podsByNode(world);
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const n of nodes) {
    const running = n.pods.filter((p: Pod) => p.status?.phase !== 'Failed');
    if (!n.verdict.shouldRun) {
      if (running.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (running.length === 0) continue;
    current++;
    if (running.some(isReady)) ready++;
    if (running.some((p) => isAvailable(p, ds.spec.minReadySeconds, now))) available++;
    if (running.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash)) updated++;
  }
  return {
    ...(ds.status ?? {}),
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    numberUnavailable: desired - available,
    updatedNumberScheduled: updated,
    ...(ds.metadata.generation !== undefined ? { observedGeneration: ds.metadata.generation } : {}),
  };
}
