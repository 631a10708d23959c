/**
 * FitError: why a pod fits no node, in the form users know from kube-scheduler,
 *
 *   0/5 nodes are available: 2 node(s) had untolerated taint {node-role: db}, 3 Insufficient cpu.
 *
 * built exactly as kube-scheduler's `FitError.Error()`: each node contributes every reason of the
 * status that rejected it; the histogram entries are printed `<count> <reason>` and sorted as
 * strings (Go's `sort.Strings` on the printed entries, so by count first, as text), joined with
 * `, ` and closed with `.`. A rejection in PreFilter applies to every node and is printed as is.
 */
import type { NodeInfo, Status } from './types.js';

/** What kube-scheduler says when the cluster has no node at all. */
export const NO_NODES_AVAILABLE_MESSAGE = 'no nodes available to schedule pods';

/** One rejected node: which plugin rejected it, and with what status. */
export interface NodeRejection {
  readonly nodeName: string;
  readonly plugin: string;
  readonly status: Status;
}

/** The diagnosis of a cycle that found no feasible node. */
export class FitError {
  private constructor(
    /** The number of nodes in the snapshot (the N of `0/N`). */
    readonly numAllNodes: number,
    /** Reason → number of nodes that gave it. */
    readonly reasons: ReadonlyMap<string, number>,
    /** Plugins that rejected the pod somewhere: the queue retries it on events they registered. */
    readonly unschedulablePlugins: ReadonlySet<string>,
    /**
     * Nodes rejected as `Unschedulable` rather than `UnschedulableAndUnresolvable`: the nodes where
     * evicting lower-priority pods could make room. Kept for preemption.
     */
    readonly preemptionCandidates: readonly string[],
    /** Set when a PreFilter rejected the pod for every node at once. */
    readonly preFilterMessage: string | undefined,
  ) {}

  /** The diagnosis from per-node Filter rejections. */
  static fromRejections(numAllNodes: number, rejections: Iterable<NodeRejection>): FitError {
    const reasons = new Map<string, number>();
    const plugins = new Set<string>();
    const candidates: string[] = [];
    for (const { nodeName, plugin, status } of rejections) {
      plugins.add(plugin);
      if (status.code === 'Unschedulable') candidates.push(nodeName);
      for (const reason of status.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    return new FitError(numAllNodes, reasons, plugins, candidates, undefined);
  }

  /** The diagnosis when PreFilter plugin `plugin` rejected the pod outright. */
  static fromPreFilter(plugin: string, status: Status, nodes: readonly NodeInfo[]): FitError {
    const candidates = status.code === 'Unschedulable' ? nodes.map((n) => n.name) : [];
    const reasons = new Map(status.reasons.map((r) => [r, nodes.length] as const));
    return new FitError(nodes.length, reasons, new Set([plugin]), candidates, status.reasons.join(', '));
  }

  /** The diagnosis of a cluster without nodes: any node added may help. */
  static noNodes(): FitError {
    return new FitError(0, new Map(), new Set(), [], undefined);
  }

  /** The user-visible message, for the PodScheduled condition and the FailedScheduling Event. */
  message(): string {
    if (this.numAllNodes === 0) return NO_NODES_AVAILABLE_MESSAGE;
    let message = `0/${this.numAllNodes} nodes are available:`;
    if (this.preFilterMessage !== undefined) return `${message} ${this.preFilterMessage}.`;
    const entries = [...this.reasons].map(([reason, count]) => `${count} ${reason}`).sort(byteOrder);
    if (entries.length > 0) message += ` ${entries.join(', ')}.`;
    return message;
  }
}

// Code-unit order, as Go compares strings byte-wise; localeCompare would depend on the locale.
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
