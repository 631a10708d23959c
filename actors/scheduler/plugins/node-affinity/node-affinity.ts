/**
 * NodeAffinity: `nodeSelector` and node affinity.
 *
 * - Filter: the node must match `spec.nodeSelector` and, when present, one of the required terms
 *   (`requiredDuringSchedulingIgnoredDuringExecution`), with In / NotIn / Exists / DoesNotExist /
 *   Gt / Lt on labels and `matchFields` on `metadata.name`.
 * - Score: the sum of the weights of the preferred terms the node matches, scaled so the best
 *   node gets 100.
 *
 * Both are compiled once per cycle (PreFilter, PreScore) into the CycleState: parsing a term per
 * node would cost more than matching it. A pod without constraints or preferences Skips, so the
 * common cycle runs neither Filter nor Score here.
 */
import {
  type CycleState,
  errorStatus,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  type Status,
  SUCCESS,
  stateKey,
  unresolvable,
} from '../../framework/types.js';
import { PreferredNodeAffinity, RequiredNodeAffinity } from '../../helpers/node-affinity.js';
import { defaultNormalizeScore } from '../../helpers/normalize.js';

/** The plugin's registered name. */
export const NAME = 'NodeAffinity';

/** Shown for every node that fails the pod's node selector or required affinity. */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const PRE_FILTER_KEY = stateKey<RequiredNodeAffinity>('NodeAffinity/preFilter');
const PRE_SCORE_KEY = stateKey<PreferredNodeAffinity>('NodeAffinity/preScore');
const REJECTED = unresolvable(ERR_REASON_POD);
const MISSING_STATE = errorStatus('NodeAffinity: Filter ran without its PreFilter state');

/** Filters by required node constraints, scores by preferred ones. */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  // Only a node's labels decide: a new node, or new labels on a node, can make it match.
  readonly events = ['NodeAdd', 'NodeUpdate'] as const;

  preFilter(state: CycleState, pod: PodInfo): Status {
    const required = RequiredNodeAffinity.of(pod.pod);
    if (required.isEmpty) return SKIP;
    state.write(PRE_FILTER_KEY, required);
    return SUCCESS;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const required = state.read(PRE_FILTER_KEY);
    if (required === undefined) return MISSING_STATE;
    // Unresolvable: evicting pods never changes a node's labels.
    return required.matches(node) ? SUCCESS : REJECTED;
  }

  preScore(state: CycleState, pod: PodInfo): Status {
    const preferred = PreferredNodeAffinity.of(pod.pod);
    if (preferred.isEmpty) return SKIP;
    state.write(PRE_SCORE_KEY, preferred);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    return state.read(PRE_SCORE_KEY)?.score(node) ?? 0;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new NodeAffinity();
}
