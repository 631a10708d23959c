/**
 * What the node lifecycle controller heard, and when, on its own clock. Kubelets publish a
 * heartbeat on `skiff.node.<node>.heartbeat` every few seconds; a kubelet that reaches the API
 * over HTTP only sends none, so a change of the Ready condition's `lastHeartbeatTime` in a Node
 * status write counts as a heartbeat too.
 */
import type { NodeHealthInput, NodeHealthPlanInput } from './plan.js';

/** Where heartbeats come from: the manager subscribes to the bus; tests push them by hand. */
export interface HeartbeatSource {
  /** Calls `onHeartbeat` with the node's name for each heartbeat until `stop`. */
  subscribe(onHeartbeat: (node: string) => void): { stop(): void };
}

/** Heartbeat times per node, plus the baseline before which silence counts against nobody. */
export class HeartbeatTracker {
  private readonly heardAt = new Map<string, number>();
  private readonly firstSeenAt = new Map<string, number>();
  private lastHeardAnyAt: number | undefined;
  private baselineAt: number;

  constructor(
    startedAt: number,
    private readonly gracePeriodMs: number,
  ) {
    this.baselineAt = startedAt;
  }

  /**
   * Records a heartbeat of `node`. The first heartbeat after the controller heard nothing for the
   * grace period ends its own outage: silence up to now is then forgiven for every node (it could
   * not have heard them), or the first node to speak would get every other one marked dead.
   */
  heard(node: string, now: number): void {
    const quietSince = this.lastHeardAnyAt ?? this.baselineAt;
    if (now - quietSince >= this.gracePeriodMs) this.baselineAt = now;
    this.lastHeardAnyAt = now;
    this.heardAt.set(node, now);
    if (!this.firstSeenAt.has(node)) this.firstSeenAt.set(node, now);
  }

  /** Records that the Node object exists (its grace period starts no earlier than this). */
  saw(node: string, now: number): void {
    if (!this.firstSeenAt.has(node)) this.firstSeenAt.set(node, now);
  }

  /** Forgets a deleted Node. */
  forget(node: string): void {
    this.heardAt.delete(node);
    this.firstSeenAt.delete(node);
  }

  /** The health plan's input for `nodes` at `now`. */
  planInput(
    nodes: readonly string[],
    now: number,
    settings: { readonly unhealthyThreshold: number },
  ): NodeHealthPlanInput {
    const inputs: NodeHealthInput[] = nodes.map((name) => {
      const heardAt = this.heardAt.get(name);
      return {
        name,
        firstSeenAt: this.firstSeenAt.get(name) ?? now,
        ...(heardAt !== undefined ? { heardAt } : {}),
      };
    });
    return {
      now,
      gracePeriodMs: this.gracePeriodMs,
      baselineAt: this.baselineAt,
      ...(this.lastHeardAnyAt !== undefined ? { lastHeardAnyAt: this.lastHeardAnyAt } : {}),
      unhealthyThreshold: settings.unhealthyThreshold,
      nodes: inputs,
    };
  }
}
