/**
 * Counting the pods on a node that match a label selector in one namespace: what topology
 * spreading asks of every node, so it must be cheap.
 *
 * The cache keeps, per node, the number of pods per `namespace/key=value` label. A selector made
 * of one `key=value` (the usual `matchLabels: {app: web}`) is then answered by one lookup. With
 * several equalities, the smallest of their counts bounds the answer: at zero (most nodes, most of
 * the time) the node is done without looking at its pods; otherwise, and for selectors without
 * equalities, the node's own pods are matched (a few, never the cluster's).
 */
import type { LabelSelector } from '../../../protocol/meta.js';
import {
  fromLabelSelectorObject,
  isNothing,
  matchesLabels,
  type Requirement,
  requirement,
  type Selector,
} from '../../../protocol/selectors/index.js';
import { labelIndexKey } from '../framework/node-info.js';
import type { NodeInfo, PodInfo } from '../framework/types.js';

/** Counts and matches pods by a label selector within one namespace. */
export class PodCounter {
  /** The label index keys (`labelIndexKey`) of the selector's equalities, built once. */
  private readonly equalities: readonly string[];
  /** True when the selector is exactly one equality, which the label index answers alone. */
  private readonly exact: boolean;

  private constructor(
    private readonly selector: Selector,
    private readonly namespace: string,
  ) {
    const requirements: readonly Requirement[] = isNothing(selector) ? [] : selector;
    this.equalities = requirements
      .filter(isEquality)
      .map((r) => labelIndexKey(namespace, r.key, r.values[0] ?? ''));
    this.exact = requirements.length === 1 && this.equalities.length === 1;
  }

  /**
   * Compiles `selector` for pods of `namespace`; `extra` adds `key=value` requirements (a spread
   * constraint's `matchLabelKeys`). An absent selector matches no pod, as in Kubernetes. Throws
   * BadRequest for a selector validation should have refused.
   */
  static of(
    selector: LabelSelector | undefined,
    namespace: string,
    extra: readonly (readonly [string, string])[] = [],
  ): PodCounter {
    const parsed = fromLabelSelectorObject(selector, 'labelSelector');
    if (isNothing(parsed) || extra.length === 0) return new PodCounter(parsed, namespace);
    const added = extra.map(([key, value]) => requirement(key, 'Equals', [value]));
    return new PodCounter([...parsed, ...added], namespace);
  }

  /** True when `pod` is in the namespace and its labels match. */
  matches(pod: PodInfo): boolean {
    return pod.namespace === this.namespace && matchesLabels(this.selector, pod.labels);
  }

  /** The number of pods on `node` that match. */
  count(node: NodeInfo): number {
    if (isNothing(this.selector)) return 0;
    if (this.equalities.length > 0) {
      let bound = Number.POSITIVE_INFINITY;
      for (const key of this.equalities) {
        bound = Math.min(bound, node.labelCountByKey(key));
        if (bound === 0) return 0;
      }
      if (this.exact) return bound;
    }
    let count = 0;
    for (const pod of node.pods.values()) {
      if (this.matches(pod)) count++;
    }
    return count;
  }
}

function isEquality(r: Requirement): boolean {
  return (
    r.operator === 'Equals' || r.operator === 'DoubleEquals' || (r.operator === 'In' && r.values.length === 1)
  );
}
