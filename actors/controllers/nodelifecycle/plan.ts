/**
 * The node lifecycle controller's decisions, as pure functions of what it heard and when:
 *
 *   heartbeats ──▶ planNodeHealth ──▶ per node: Healthy | Unreachable   (or: Disrupted, act on none)
 *                                        │
 *   Unreachable + pod tolerations ──▶ planEviction ──▶ evict now | wait N ms | stay forever
 *
 * Time is the controller's own clock (when it *heard* a heartbeat), never a timestamp written by
 * another machine, so clock skew between kubelets and the manager cannot kill a node.
 */
import type { Taint, Toleration } from '../../../protocol/resources/scheduling.js';

/** The taint an unreachable node carries (Kubernetes' `TaintNodeUnreachable`). */
export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';

/** What the controller knows about one node. */
export interface NodeHealthInput {
  readonly name: string;
  /** When its last heartbeat was heard (controller clock), if ever since the controller started. */
  readonly heardAt?: number;
  /** When the controller first saw the Node object (never before it started). */
  readonly firstSeenAt: number;
}

/** Everything `planNodeHealth` looks at. */
export interface NodeHealthPlanInput {
  readonly now: number;
  readonly gracePeriodMs: number;
  /**
   * Silence before this instant is not held against anyone: the controller's start, or the end
   * of its own outage (it could not have heard heartbeats then, so it does not know).
   */
  readonly baselineAt: number;
  /** When the controller heard any heartbeat last (undefined: none since it started). */
  readonly lastHeardAnyAt?: number;
  /** Above this fraction of unreachable nodes, nothing is marked (Kubernetes: 0.55). */
  readonly unhealthyThreshold: number;
  readonly nodes: readonly NodeHealthInput[];
}

export type NodeVerdict = 'Healthy' | 'Unreachable';

/** Why the controller acts on no node this round. */
export type Disruption = 'OwnOutage' | 'MostNodesUnreachable';

export interface NodeHealthPlan {
  readonly verdicts: ReadonlyMap<string, NodeVerdict>;
  /** Set when the guard holds: no node is marked dead, no pod is evicted. */
  readonly disruption?: Disruption;
  readonly unreachable: number;
}

/**
 * Judges every node: silent for the grace period (counted from its last heartbeat, its first
 * sighting or the baseline, whichever is latest) is Unreachable. Then the disruption guard: if the
 * controller itself heard nothing for the grace period, or more than the threshold of nodes went
 * silent at once, the fault is more likely on this side (a bus or store outage) than on the nodes:
 * the plan says so and callers mark nothing.
 */
export function planNodeHealth(input: NodeHealthPlanInput): NodeHealthPlan {
  const verdicts = new Map<string, NodeVerdict>();
  let unreachable = 0;
  for (const node of input.nodes) {
    const since = Math.max(node.heardAt ?? Number.NEGATIVE_INFINITY, node.firstSeenAt, input.baselineAt);
    const verdict: NodeVerdict = input.now - since >= input.gracePeriodMs ? 'Unreachable' : 'Healthy';
    if (verdict === 'Unreachable') unreachable++;
    verdicts.set(node.name, verdict);
  }
  const heardAny = Math.max(input.lastHeardAnyAt ?? Number.NEGATIVE_INFINITY, input.baselineAt);
  if (input.nodes.length > 0 && input.now - heardAny >= input.gracePeriodMs) {
    return { verdicts, disruption: 'OwnOutage', unreachable };
  }
  if (input.nodes.length > 0 && unreachable / input.nodes.length > input.unhealthyThreshold) {
    return { verdicts, disruption: 'MostNodesUnreachable', unreachable };
  }
  return { verdicts, unreachable };
}

/** What to do with one node after the health plan. */
export type NodeAction = 'Taint' | 'Untaint' | 'KeepTainted' | 'None';

/**
 * The action for a node given its verdict and whether it carries the unreachable taint now. While
 * the guard holds nothing is marked, but a node heard again is still untainted: that only ever
 * saves pods.
 */
export function planNodeAction(plan: NodeHealthPlan, node: string, tainted: boolean): NodeAction {
  const verdict = plan.verdicts.get(node);
  if (verdict === 'Healthy' && tainted) return 'Untaint';
  if (plan.disruption) return 'None';
  if (verdict === 'Unreachable') return tainted ? 'KeepTainted' : 'Taint';
  return 'None';
}

/** The unreachable taint a node carries, if any. */
export function unreachableTaint(taints: readonly Taint[] | undefined): Taint | undefined {
  return (taints ?? []).find((t) => t.key === UNREACHABLE_TAINT_KEY && t.effect === 'NoExecute');
}

export type EvictionPlan =
  | { readonly kind: 'Evict' }
  | { readonly kind: 'Wait'; readonly ms: number }
  | { readonly kind: 'Stay' };

/** Everything `planEviction` looks at. */
export interface EvictionInput {
  readonly now: number;
  /** When the unreachable taint was added (its `timeAdded`). */
  readonly taintedAt: number;
  readonly tolerations: readonly Toleration[] | undefined;
  /** How long a pod without a matching toleration stays (DefaultTolerationSeconds: 300 s). */
  readonly defaultTolerationSeconds: number;
}

/**
 * When a pod on an unreachable node goes: a matching toleration without `tolerationSeconds` keeps it
 * forever; with it, it stays that long after the taint was added (the shortest, if several match).
 * A pod with no matching toleration gets the default, as Kubernetes' DefaultTolerationSeconds
 * admission would have given it at creation.
 */
export function planEviction(input: EvictionInput): EvictionPlan {
  const taint: Taint = { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute' };
  const matching = (input.tolerations ?? []).filter((t) => tolerates(t, taint));
  let seconds = input.defaultTolerationSeconds;
  if (matching.length > 0) {
    if (matching.some((t) => t.tolerationSeconds === undefined)) return { kind: 'Stay' };
    seconds = Math.min(...matching.map((t) => Math.max(0, t.tolerationSeconds as number)));
  }
  const due = input.taintedAt + seconds * 1000;
  return input.now >= due ? { kind: 'Evict' } : { kind: 'Wait', ms: due - input.now };
}

/**
 * True when `toleration` tolerates `taint` (Kubernetes' `ToleratesTaint`): an empty effect matches
 * every effect, an empty key with `Exists` every taint, `Equal` compares values.
 * Kept here rather than shared with the scheduler: a controller may not import another component.
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}
