/**
 * Pod (anti-)affinity terms, compiled once per pod (kube's `framework.AffinityTerm`): which pods a
 * term selects (namespaces and label selector) and over which topology key.
 *
 * Namespaces, as Kubernetes: the term's `namespaces`, or the pod's own namespace when it lists
 * none; an empty `namespaceSelector` (`{}`) selects every namespace. A non-empty
 * `namespaceSelector` needs namespace labels, which the scheduler core does not hold: it adds no
 * namespace here (a documented gap, see README).
 */
import { ApiError } from '../../../protocol/errors.js';
import type { LabelSelector } from '../../../protocol/meta.js';
import type { PodAffinityTerm } from '../../../protocol/resources/scheduling.js';
import {
  fromLabelSelectorObject,
  isEverything,
  matchesLabels,
  Nothing,
  type Selector,
} from '../../../protocol/selectors/index.js';
import type { PodInfo } from '../framework/types.js';

/** One compiled term. */
export interface AffinityTerm {
  /** The namespaces whose pods the term selects; undefined means every namespace. */
  readonly namespaces: ReadonlySet<string> | undefined;
  readonly selector: Selector;
  readonly topologyKey: string;
}

const NO_TERMS: readonly AffinityTerm[] = Object.freeze([]);

/**
 * Compiles the terms of a pod in `namespace`. A term whose selector validation should have refused
 * selects no pod, rather than failing every cycle that looks at it.
 */
export function compileAffinityTerms(
  terms: readonly PodAffinityTerm[] | undefined,
  namespace: string,
): readonly AffinityTerm[] {
  if (terms === undefined || terms.length === 0) return NO_TERMS;
  return terms.map((term) => {
    const selectsAll = term.namespaceSelector !== undefined && isEverything(parse(term.namespaceSelector));
    const listed = term.namespaces ?? [];
    const namespaces = selectsAll ? undefined : new Set(listed.length > 0 ? listed : [namespace]);
    return { namespaces, selector: parse(term.labelSelector), topologyKey: term.topologyKey };
  });
}

function parse(selector: LabelSelector | undefined): Selector {
  try {
    return fromLabelSelectorObject(selector, 'labelSelector');
  } catch (error) {
    if (error instanceof ApiError) return Nothing;
    throw error;
  }
}

/** True when `term` selects `pod`. */
export function termMatchesPod(term: AffinityTerm, pod: PodInfo): boolean {
  if (term.namespaces !== undefined && !term.namespaces.has(pod.namespace)) return false;
  return matchesLabels(term.selector, pod.labels);
}

/** True when every term selects `pod` (a pod satisfies required affinity only by matching all). */
export function termsAllMatchPod(terms: readonly AffinityTerm[], pod: PodInfo): boolean {
  for (const term of terms) {
    if (!termMatchesPod(term, pod)) return false;
  }
  return terms.length > 0;
}
