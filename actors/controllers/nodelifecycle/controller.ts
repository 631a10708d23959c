/**
 * The node lifecycle controller: notices nodes whose kubelet went silent and moves their pods
 * away, without mistaking its own deafness for the nodes' death.
 *
 *   heartbeats (bus) ──┐                         ┌─ Taint: Ready=Unknown, unreachable:NoExecute,
 *   Node status ───────┼─▶ tracker ─▶ syncNode ──┤        pods Ready=False, NodeNotReady
 *   every monitor period (all nodes) ──────────▶ └─ Untaint when heartbeats are back
 *   pods on tainted nodes ─────────────────────▶ syncPod: delete after the toleration (TaintManagerEviction)
 *
 * Heartbeats arrive through a `HeartbeatSource` the manager builds on the bus, so tests drive the
 * controller with a fake source and a simulated clock.
 */
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { ControllerDefinition } from '../../kernel/controllers.js';
import { type HeartbeatSource, HeartbeatTracker } from './heartbeats.js';
import { BY_NODE_NAME, nodeLifecycleSyncs, type ResolvedSettings } from './sync.js';

export type { HeartbeatSource } from './heartbeats.js';
export { UNREACHABLE_TAINT_KEY } from './plan.js';
export { NODE_STATUS_UNKNOWN } from './status.js';
export { NODE_NOT_READY, TAINT_MANAGER_EVICTION } from './sync.js';

export const NODE_LIFECYCLE_CONTROLLER = 'nodelifecycle';

/** Timings and thresholds; tests shorten them. */
export interface NodeLifecycleSettings {
  /** Where heartbeats come from; without one only Node status writes count as heartbeats. */
  readonly heartbeats?: HeartbeatSource;
  /** Silence after which a node is unreachable (default 40 s, Kubernetes' node-monitor-grace-period). */
  readonly gracePeriodMs?: number;
  /** How long a pod without a matching toleration stays on an unreachable node (default 300 s). */
  readonly defaultTolerationSeconds?: number;
  /** Above this fraction of unreachable nodes nothing is marked (default 0.55, unhealthyZoneThreshold). */
  readonly unhealthyThreshold?: number;
  /** How often every node is re-judged (default 5 s, node-monitor-period). */
  readonly monitorPeriodMs?: number;
}

/** The node lifecycle controller with `settings`. */
export function nodeLifecycleController(settings: NodeLifecycleSettings = {}): ControllerDefinition {
  const resolved: ResolvedSettings = {
    gracePeriodMs: settings.gracePeriodMs ?? 40_000,
    defaultTolerationSeconds: settings.defaultTolerationSeconds ?? 300,
    unhealthyThreshold: settings.unhealthyThreshold ?? 0.55,
    monitorPeriodMs: settings.monitorPeriodMs ?? 5_000,
  };
  return {
    name: NODE_LIFECYCLE_CONTROLLER,
    wire(ctx, queue) {
      const { clock } = ctx;
      // Counted from now: a node never heard since this controller started gets a full grace period.
      const tracker = new HeartbeatTracker(clock.now(), resolved.gracePeriodMs);
      const nodes = ctx.informers.informer<Node>('nodes');
      const pods = ctx.informers.informer<Pod>('pods', {
        [BY_NODE_NAME]: (pod) => (pod.spec.nodeName ? [pod.spec.nodeName] : []),
      });
      const syncs = nodeLifecycleSyncs({ ctx, queue, nodes, pods, tracker, settings: resolved });

      nodes.on({
        add: (node) => {
          tracker.saw(node.metadata.name as string, clock.now());
          queue.add(node.metadata.name as string);
        },
        update: (old, node) => {
          if (readyHeartbeat(old) !== readyHeartbeat(node))
            tracker.heard(node.metadata.name as string, clock.now());
          queue.add(node.metadata.name as string);
        },
        delete: (node) => tracker.forget(node.metadata.name as string),
      });
      const onPod = (pod: Pod) => {
        const node = pod.spec.nodeName ? nodes.get('', pod.spec.nodeName) : undefined;
        if (node?.spec.taints?.length) queue.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
      };
      pods.on({ add: onPod, update: (_, pod) => onPod(pod) });

      const subscription = settings.heartbeats?.subscribe((name) => {
        tracker.heard(name, clock.now());
        // A tainted node that speaks again is untainted at once, not at the next monitor round.
        if (nodes.get('', name)?.spec.taints?.length) queue.add(name);
      });

      // Silence makes no event: every node is re-judged each monitor period.
      let timer = clock.setTimeout(function monitor() {
        for (const node of nodes.list()) queue.add(node.metadata.name as string);
        timer = clock.setTimeout(monitor, resolved.monitorPeriodMs);
      }, resolved.monitorPeriodMs);

      return {
        sync: (key) => (key.includes('/') ? syncs.syncPod(key) : syncs.syncNode(key)),
        stop() {
          timer.cancel();
          subscription?.stop();
        },
      };
    },
  };
}

/** The kubelet's stamp on its Ready condition: a change means the kubelet wrote its status. */
function readyHeartbeat(node: Readonly<Node>): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
}
