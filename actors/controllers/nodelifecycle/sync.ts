/**
 * The syncs of the node lifecycle controller. A key is a node name (`n1`) or a pod key
 * (`ns/pod`): node names never contain `/`, so the two cannot collide.
 *
 *   syncNode: plan every node's health → Taint (Ready=Unknown, unreachable taint, pods not ready)
 *             | KeepTainted (pods not ready, pods queued for eviction) | Untaint | nothing
 *   syncPod:  a pod on a node this controller judges Unreachable → evict when its toleration ends
 */
import type { Informer } from '../../../protocol/client/informer.js';
import { isReason } from '../../../protocol/errors.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ControllerContext } from '../../kernel/controllers.js';
import type { WorkQueue } from '../../kernel/workqueue.js';
import type { HeartbeatTracker } from './heartbeats.js';
import {
  type Disruption,
  type NodeHealthPlan,
  planEviction,
  planNodeAction,
  planNodeHealth,
  unreachableTaint,
} from './plan.js';
import {
  withoutUnreachableTaint,
  withPodNotReady,
  withStatusUnknown,
  withUnreachableTaint,
} from './status.js';

/** Event reasons, as Kubernetes records them. */
export const NODE_NOT_READY = 'NodeNotReady';
export const TAINT_MANAGER_EVICTION = 'TaintManagerEviction';

/** Index of the pods informer: pods by `spec.nodeName`. */
export const BY_NODE_NAME = 'byNodeName';

/** Settings after defaults. */
export interface ResolvedSettings {
  readonly gracePeriodMs: number;
  readonly defaultTolerationSeconds: number;
  readonly unhealthyThreshold: number;
  readonly monitorPeriodMs: number;
}

/** What the syncs read and write. */
export interface NodeLifecycleDeps {
  readonly ctx: ControllerContext;
  readonly queue: WorkQueue<string>;
  readonly nodes: Informer<Node>;
  readonly pods: Informer<Pod>;
  readonly tracker: HeartbeatTracker;
  readonly settings: ResolvedSettings;
}

/** The syncs, with the little memory they keep (the last disruption, logged once per change). */
export function nodeLifecycleSyncs(deps: NodeLifecycleDeps): {
  syncNode(name: string): Promise<void>;
  syncPod(key: string): Promise<void>;
  healthPlan(): NodeHealthPlan;
} {
  const { ctx, queue, nodes, pods, tracker, settings } = deps;
  let lastDisruption: Disruption | undefined;

  /** The health of every node now; logs when the disruption guard starts or stops holding. */
  function healthPlan(): NodeHealthPlan {
    const names = nodes.list().map((n) => n.metadata.name as string);
    const plan = planNodeHealth(tracker.planInput(names, ctx.clock.now(), settings));
    if (plan.disruption !== lastDisruption) {
      if (plan.disruption) {
        ctx.log.warn(
          { disruption: plan.disruption, unreachable: plan.unreachable, nodes: names.length },
          'disruption guard holds: no node is marked unreachable and no pod is evicted',
        );
      } else ctx.log.info({ nodes: names.length }, 'disruption guard released');
      lastDisruption = plan.disruption;
    }
    return plan;
  }

  async function syncNode(name: string): Promise<void> {
    const node = nodes.get('', name);
    if (!node) return;
    const plan = healthPlan();
    const now = ctx.clock.now();
    switch (planNodeAction(plan, name, Boolean(unreachableTaint(node.spec.taints)))) {
      case 'Taint': {
        // Status first (Ready=Unknown), then the taint on the object that write returned.
        const unknown = withStatusUnknown(node, now);
        const latest = unknown ? await ctx.client.updateStatus('nodes', unknown) : node;
        const tainted = withUnreachableTaint(latest, now);
        if (tainted) await ctx.client.update('nodes', tainted);
        ctx.log.info({ node: name }, 'node stopped sending heartbeats: marked unreachable');
        ctx.recorder.event(node, 'Normal', NODE_NOT_READY, `Node ${name} status is now: NodeNotReady`);
        await markPodsNotReady(name, now);
        return;
      }
      case 'KeepTainted': {
        const unknown = withStatusUnknown(node, now); // the kubelet may have written Ready once more
        if (unknown) await ctx.client.updateStatus('nodes', unknown);
        await markPodsNotReady(name, now);
        return;
      }
      case 'Untaint': {
        const untainted = withoutUnreachableTaint(node);
        if (untainted) await ctx.client.update('nodes', untainted);
        ctx.log.info({ node: name }, 'node heartbeats are back: unreachable taint removed');
        return;
      }
      case 'None':
        return;
    }
  }

  /** Marks the node's pods Ready=False and queues each for its eviction check. */
  async function markPodsNotReady(node: string, now: number): Promise<void> {
    const failures: Error[] = [];
    for (const pod of pods.byIndex(BY_NODE_NAME, node)) {
      queue.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
      const next = withPodNotReady(pod, now);
      if (!next) continue;
      try {
        await ctx.client.updateStatus('pods', next);
        ctx.recorder.event(pod, 'Warning', NODE_NOT_READY, 'Node is not ready');
      } catch (err) {
        if (!isReason(err, 'NotFound')) failures.push(err as Error);
      }
    }
    // Some pods failed (a conflict with the kubelet's last write, the API away): retry the node.
    if (failures.length > 0) {
      throw new AggregateError(failures, `marking ${failures.length} pod(s) of ${node} not ready failed`);
    }
  }

  async function syncPod(key: string): Promise<void> {
    const pod = pods.getByKey(key);
    const nodeName = pod?.spec.nodeName;
    if (!pod || !nodeName || pod.metadata.deletionTimestamp) return;
    const taint = unreachableTaint(nodes.get('', nodeName)?.spec.taints);
    if (!taint) return;
    // Only a node this controller judged itself, with the guard off: a taint left by an earlier
    // leader is not enough (after a restart, the node gets a full grace period first).
    const plan = healthPlan();
    if (plan.disruption || plan.verdicts.get(nodeName) !== 'Unreachable') return;
    const now = ctx.clock.now();
    const eviction = planEviction({
      now,
      taintedAt: taint.timeAdded ? Date.parse(taint.timeAdded) : now,
      tolerations: pod.spec.tolerations,
      defaultTolerationSeconds: settings.defaultTolerationSeconds,
    });
    if (eviction.kind === 'Stay') return;
    if (eviction.kind === 'Wait') {
      queue.addAfter(key, eviction.ms);
      return;
    }
    ctx.recorder.event(pod, 'Normal', TAINT_MANAGER_EVICTION, `Marking for deletion Pod ${key}`);
    try {
      await ctx.client.delete('pods', pod.metadata.namespace as string, pod.metadata.name as string, {
        preconditions: { uid: pod.metadata.uid as string },
      });
    } catch (err) {
      // Gone already: done. Anything else (a new pod under the name, the fence) retries with backoff.
      if (!isReason(err, 'NotFound')) throw err;
    }
  }

  return { syncNode, syncPod, healthPlan };
}
