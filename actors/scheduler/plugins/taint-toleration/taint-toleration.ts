/**
 * TaintToleration: a node's taints repel pods that do not tolerate them.
 *
 * - Filter: every `NoSchedule` and `NoExecute` taint must be tolerated; the first one that is not
 *   is named in the reason, `node(s) had untolerated taint {key: value}`, as kube-scheduler does.
 * - Score: `PreferNoSchedule` taints are soft: a node scores by how many of them the pod does not
 *   tolerate, reversed on normalization, so the fewest intolerable taints wins.
 *
 * Most nodes carry no taint at all; Filter returns at once for them, and when no feasible node has
 * a taint, PreScore Skips the Score (it would be 100 everywhere).
 */
import type { Taint, Toleration } from '../../../../protocol/resources/scheduling.js';
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  type Status,
  SUCCESS,
  stateKey,
  unresolvable,
} from '../../framework/types.js';
import { defaultNormalizeScore } from '../../helpers/normalize.js';
import { findUntoleratedTaint, isDoNotScheduleTaint, toleratesTaint } from '../../helpers/taints.js';

/** The plugin's registered name. */
export const NAME = 'TaintToleration';

/** The reason for a node whose `taint` the pod does not tolerate: `node(s) had untolerated taint {k: v}`. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** The tolerations that can tolerate a PreferNoSchedule taint, computed once per cycle. */
const PRE_SCORE_KEY = stateKey<readonly Toleration[]>('TaintToleration/preScore');
const NO_TOLERATIONS: readonly Toleration[] = Object.freeze([]);

/** Filters by hard taints, scores by soft ones. */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  // A taint is removed by a node update; a new node may come untainted. A pod's own tolerations
  // change through a pod update, which the queue handles by re-queueing that pod directly.
  readonly events = ['NodeAdd', 'NodeUpdate'] as const;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.taints.length === 0) return SUCCESS;
    const taint = findUntoleratedTaint(node.taints, pod.pod.spec.tolerations ?? [], isDoNotScheduleTaint);
    // Unresolvable: evicting pods removes no taint.
    return taint === undefined ? SUCCESS : unresolvable(untoleratedTaintReason(taint));
  }

  preScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[]): Status {
    // Without a tainted feasible node every node scores the same (100), which ranks nothing:
    // skipping saves a score pass in the common, untainted cluster. The check is one field read
    // per node, far cheaper than the score call it saves.
    if (!feasible.some((node) => node.taints.length > 0)) return SKIP;
    const tolerations = (pod.pod.spec.tolerations ?? NO_TOLERATIONS).filter(
      (t) => t.effect === undefined || t.effect === 'PreferNoSchedule',
    );
    state.write(PRE_SCORE_KEY, tolerations);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const tolerations = state.read(PRE_SCORE_KEY) ?? NO_TOLERATIONS;
    let intolerable = 0;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !toleratesTaint(tolerations, taint)) intolerable++;
    }
    return intolerable;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new TaintToleration();
}
