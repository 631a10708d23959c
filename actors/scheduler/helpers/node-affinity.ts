/**
 * Matching a pod's node constraints against a node, compiled once per cycle (kube's
 * component-helpers `nodeaffinity.RequiredNodeAffinity` and `PreferredSchedulingTerms`). Shared by
 * NodeAffinity (Filter and Score) and PodTopologySpread (which only counts pods on the nodes the
 * pod could go to).
 *
 * Semantics, as Kubernetes:
 * - `nodeSelector`: every pair must equal the node's label.
 * - required `nodeSelectorTerms`: ORed; inside a term, every expression and field requirement is
 *   ANDed. A term with no requirements, or one that cannot be parsed, matches no node.
 * - `matchFields` knows only `metadata.name`, with `In` / `NotIn`.
 * - `Gt` / `Lt` compare the label as an integer; a non-integer label never matches.
 */
import { ApiError } from '../../../protocol/errors.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { NodeSelectorOperator, NodeSelectorTerm } from '../../../protocol/resources/scheduling.js';
import {
  type LabelOperator,
  matchesRequirement,
  type Requirement,
  requirement,
} from '../../../protocol/selectors/index.js';
import type { NodeInfo } from '../framework/types.js';

const LABEL_OPERATORS: Readonly<Record<NodeSelectorOperator, LabelOperator>> = {
  In: 'In',
  NotIn: 'NotIn',
  Exists: 'Exists',
  DoesNotExist: 'DoesNotExist',
  Gt: 'GreaterThan',
  Lt: 'LessThan',
};

/** A `matchFields` requirement on `metadata.name`. */
interface NameRequirement {
  readonly negate: boolean;
  readonly names: ReadonlySet<string>;
}

/** One parsed node selector term; `never` for a term that can match no node. */
interface CompiledTerm {
  readonly never: boolean;
  readonly labels: readonly Requirement[];
  readonly names: readonly NameRequirement[];
}

const NEVER: CompiledTerm = Object.freeze({ never: true, labels: [], names: [] });

/** Parses one term; invalid requirements make the whole term match nothing, as in Kubernetes. */
export function compileTerm(term: NodeSelectorTerm): CompiledTerm {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return NEVER;
  const names: NameRequirement[] = [];
  for (const f of fields) {
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return NEVER;
    names.push({ negate: f.operator === 'NotIn', names: new Set(f.values ?? []) });
  }
  try {
    const labels = expressions.map((e) => requirement(e.key, LABEL_OPERATORS[e.operator], e.values ?? []));
    return { never: false, labels, names };
  } catch (error) {
    // `requirement` refuses what validation should have refused already (a Gt with two values).
    if (error instanceof ApiError) return NEVER;
    throw error;
  }
}

/** True when `node` satisfies every requirement of `term`. */
export function termMatches(term: CompiledTerm, node: NodeInfo): boolean {
  if (term.never) return false;
  for (const r of term.labels) {
    if (!matchesRequirement(r, node.labels)) return false;
  }
  for (const r of term.names) {
    if (r.names.has(node.name) === r.negate) return false;
  }
  return true;
}

/** A pod's hard node constraints: `nodeSelector` AND (any required affinity term). */
export class RequiredNodeAffinity {
  private constructor(
    private readonly selector: readonly (readonly [string, string])[],
    private readonly terms: readonly CompiledTerm[] | undefined,
  ) {}

  /** Compiles the constraints of `pod`. */
  static of(pod: Pod): RequiredNodeAffinity {
    const selector = Object.entries(pod.spec.nodeSelector ?? {});
    const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    return new RequiredNodeAffinity(selector, required?.nodeSelectorTerms.map(compileTerm));
  }

  /** True when the pod constrains nothing, so every node matches. */
  get isEmpty(): boolean {
    return this.selector.length === 0 && this.terms === undefined;
  }

  /** True when `node` satisfies both the node selector and one of the required terms. */
  matches(node: NodeInfo): boolean {
    const labels = node.labels;
    for (const [key, value] of this.selector) {
      if (labels[key] !== value) return false;
    }
    if (this.terms === undefined) return true;
    for (const term of this.terms) {
      if (termMatches(term, node)) return true;
    }
    return false;
  }
}

/** A pod's soft node preferences: weighted terms, summed over the terms a node matches. */
export class PreferredNodeAffinity {
  private constructor(private readonly terms: readonly { weight: number; term: CompiledTerm }[]) {}

  /** Compiles the preferences of `pod`. */
  static of(pod: Pod): PreferredNodeAffinity {
    const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    return new PreferredNodeAffinity(
      preferred.map((p) => ({ weight: p.weight, term: compileTerm(p.preference) })),
    );
  }

  /** True when the pod states no preference. */
  get isEmpty(): boolean {
    return this.terms.length === 0;
  }

  /** The sum of the weights of the terms `node` matches. */
  score(node: NodeInfo): number {
    let total = 0;
    for (const { weight, term } of this.terms) {
      if (termMatches(term, node)) total += weight;
    }
    return total;
  }
}
