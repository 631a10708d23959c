/**
 * The outcome of one plugin at one extension point, as kube-scheduler's `framework.Status`: a code
 * and the user-visible reasons. Reasons are the strings that end up, counted, in
 * `0/5 nodes are available: 3 Insufficient cpu, ...`, so plugins export them as constants.
 *
 * Codes:
 * - `Success`: the node passes (or the extension point succeeded).
 * - `Unschedulable`: rejected now, but evicting pods could help (preemption may try this node).
 * - `UnschedulableAndUnresolvable`: rejected whatever runs on the node (taints, affinity, name).
 * - `Error`: the plugin could not decide; the pod is retried after backoff.
 * - `Skip`: from PreFilter or PreScore, "nothing to do for this pod": the framework then skips the
 *   plugin's Filter or Score for the whole cycle, which is most of the per-pod saving.
 */

/** A status code; see the module comment. */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

/** A plugin's verdict with its user-visible reasons (empty on success). */
export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
}

/**
 * The one success status. Plugins return this constant rather than building a new object:
 * Filter runs for hundreds of nodes per pod, and the success path must not allocate.
 */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) });

/** The one skip status (PreFilter and PreScore only). */
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) });

/** A rejection that preemption could resolve (resources, ports, spreading). */
export function unschedulable(...reasons: string[]): Status {
  return Object.freeze({ code: 'Unschedulable', reasons: Object.freeze(reasons) });
}

/** A rejection that no eviction can resolve (taints, affinity, node name, cordon). */
export function unresolvable(...reasons: string[]): Status {
  return Object.freeze({ code: 'UnschedulableAndUnresolvable', reasons: Object.freeze(reasons) });
}

/** A plugin failure that is not about the node: the pod is retried after backoff. */
export function errorStatus(message: string): Status {
  return Object.freeze({ code: 'Error', reasons: Object.freeze([message]) });
}

/** True for `Success`. */
export function isSuccess(status: Status): boolean {
  return status.code === 'Success';
}

/** True for the two rejection codes. */
export function isRejection(status: Status): boolean {
  return status.code === 'Unschedulable' || status.code === 'UnschedulableAndUnresolvable';
}

/** The reasons joined as kube-scheduler's `Status.Message()` does. */
export function statusMessage(status: Status): string {
  return status.reasons.join(', ');
}
