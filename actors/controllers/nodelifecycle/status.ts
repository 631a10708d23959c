/**
 * Pure edits of Node and Pod objects: each returns a new object (or undefined when nothing would
 * change), never touching the informer's cached copy.
 */
import type { Condition } from '../../../protocol/meta.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { UNREACHABLE_TAINT_KEY, unreachableTaint } from './plan.js';

/** Reason and message of the Ready=Unknown condition (Kubernetes' words). */
export const NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';

/** An RFC 3339 timestamp in whole seconds, as Kubernetes writes `metav1.Time`. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `node` with the unreachable NoExecute taint added at `now`; undefined if it has it already. */
export function withUnreachableTaint(node: Readonly<Node>, now: number): Node | undefined {
  if (unreachableTaint(node.spec.taints)) return undefined;
  const taints = [
    ...(node.spec.taints ?? []),
    // Rounded up to the second: a whole-second timestamp rounded down would evict up to 1 s early.
    {
      key: UNREACHABLE_TAINT_KEY,
      effect: 'NoExecute' as const,
      timeAdded: rfc3339(Math.ceil(now / 1000) * 1000),
    },
  ];
  return { ...node, spec: { ...node.spec, taints } };
}

/** `node` without the unreachable taint; undefined if it has none. */
export function withoutUnreachableTaint(node: Readonly<Node>): Node | undefined {
  if (!unreachableTaint(node.spec.taints)) return undefined;
  const taints = (node.spec.taints ?? []).filter(
    (t) => !(t.key === UNREACHABLE_TAINT_KEY && t.effect === 'NoExecute'),
  );
  return { ...node, spec: { ...node.spec, taints } };
}

/**
 * `node` with every condition the kubelet reports set to Unknown (NodeStatusUnknown), keeping
 * each condition's `lastHeartbeatTime` (the kubelet's, not ours); undefined if Ready is Unknown
 * already. A node with no Ready condition gets one.
 */
export function withStatusUnknown(node: Readonly<Node>, now: number): Node | undefined {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown') return undefined;
  const stamp = rfc3339(now);
  const unknown = (c: Condition): Condition =>
    c.status === 'Unknown'
      ? c
      : {
          ...c,
          status: 'Unknown',
          reason: NODE_STATUS_UNKNOWN,
          message: NODE_STATUS_UNKNOWN_MESSAGE,
          lastTransitionTime: stamp,
        };
  const next = conditions.map(unknown);
  if (!ready) {
    next.push({
      type: 'Ready',
      status: 'Unknown',
      reason: NODE_STATUS_UNKNOWN,
      message: NODE_STATUS_UNKNOWN_MESSAGE,
      lastTransitionTime: stamp,
    });
  }
  return { ...node, status: { ...node.status, conditions: next } };
}

/** `pod` with Ready=False (Kubernetes' MarkPodsNotReady); undefined if it is not Ready=True. */
export function withPodNotReady(pod: Readonly<Pod>, now: number): Pod | undefined {
  const conditions = pod.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return undefined;
  const next = conditions.map((c) =>
    c.type === 'Ready' ? { ...c, status: 'False' as const, lastTransitionTime: rfc3339(now) } : c,
  );
  return { ...pod, status: { ...pod.status, conditions: next } };
}
