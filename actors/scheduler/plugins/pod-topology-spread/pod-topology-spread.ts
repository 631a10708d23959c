/**
 * PodTopologySpread: spread a workload's pods evenly over topology domains (nodes, zones, ...)
 * as its `topologySpreadConstraints` ask.
 *
 * - Filter (`DoNotSchedule`): a node is refused when placing the pod there would make its domain
 *   exceed the least crowded eligible domain by more than `maxSkew` (see `filtering.ts`).
 * - Score (`ScheduleAnyway`): less crowded domains score higher (see `scoring.ts`).
 *
 * Counting follows kube-scheduler: existing pods in the pod's namespace that match the
 * constraint's `labelSelector` (plus `matchLabelKeys`), on nodes that pass the pod's node selector
 * and required node affinity. A pod without constraints Skips both PreFilter and PreScore.
 */
import { ApiError } from '../../../../protocol/errors.js';
import {
  type CycleState,
  errorStatus,
  type FilterPlugin,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  type Snapshot,
  type Status,
  SUCCESS,
  stateKey,
} from '../../framework/types.js';
import { type Constraint, compileConstraints } from './common.js';
import { buildFilterState, type FilterState, filterNode, hasHardConstraints } from './filtering.js';
import { buildScoreState, normalizeScores, type ScoreState, scoreNode } from './scoring.js';

export { ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH, HOSTNAME_KEY } from './common.js';

/** The plugin's registered name. */
export const NAME = 'PodTopologySpread';

const PRE_FILTER_KEY = stateKey<FilterState>('PodTopologySpread/preFilter');
const PRE_SCORE_KEY = stateKey<ScoreState>('PodTopologySpread/preScore');
const MISSING_STATE = errorStatus('PodTopologySpread: Filter ran without its PreFilter state');

/** Filters by hard spread constraints, scores by soft ones. */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  // Counts change with any assigned pod; domains change with nodes and their labels.
  readonly events = [
    'AssignedPodAdd',
    'AssignedPodUpdate',
    'AssignedPodDelete',
    'NodeAdd',
    'NodeUpdate',
    'NodeDelete',
  ] as const;

  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    if (!hasHardConstraints(pod)) return SKIP;
    const constraints = compile(pod, 'DoNotSchedule');
    if (!Array.isArray(constraints)) return constraints;
    state.write(PRE_FILTER_KEY, buildFilterState(pod, constraints, snapshot));
    return SUCCESS;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const filterState = state.read(PRE_FILTER_KEY);
    return filterState === undefined ? MISSING_STATE : filterNode(filterState, node);
  }

  preScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], snapshot: Snapshot): Status {
    const constraints = compile(pod, 'ScheduleAnyway');
    if (!Array.isArray(constraints)) return constraints;
    if (constraints.length === 0) return SKIP;
    state.write(PRE_SCORE_KEY, buildScoreState(pod, constraints, feasible, snapshot));
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scoreState = state.read(PRE_SCORE_KEY);
    return scoreState === undefined ? 0 : scoreNode(scoreState, node);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, nodes: readonly NodeInfo[], scores: Float64Array): void {
    const scoreState = state.read(PRE_SCORE_KEY);
    if (scoreState !== undefined) normalizeScores(scoreState, nodes, scores);
  }
}

/** The constraints with `when`, or an Error status for a selector validation let through. */
function compile(pod: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] | Status {
  try {
    return compileConstraints(pod, when);
  } catch (error) {
    if (error instanceof ApiError) return errorStatus(`PodTopologySpread: ${error.message}`);
    throw error;
  }
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new PodTopologySpread();
}
