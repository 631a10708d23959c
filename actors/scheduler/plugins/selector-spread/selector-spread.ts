/**
 * SelectorSpread: spread the pods of one controller (a ReplicaSet, a Job, ...) over nodes, so
 * that losing a node loses as few replicas as possible.
 *
 * kube-scheduler did this with the SelectorSpread plugin (pods matching the selectors of the
 * pod's Services and controllers), and since 1.24 with PodTopologySpread's system-default
 * constraints (`maxSkew: 3` on `kubernetes.io/hostname`, ScheduleAnyway). Skiff counts, per node,
 * the pods with the same controller owner uid, which the cache indexes by owner
 * (`Snapshot.podsOfOwner`): PreScore fetches the owner's node → count map once, and scoring a node
 * is one lookup in that small map.
 *
 * Score: the number of pods of the same owner on the node; normalized as kube's SelectorSpread,
 * `100 * (max - count) / max`, so the emptiest nodes score 100. PreScore Skips:
 * - pods without a controller owner;
 * - pods with their own `topologySpreadConstraints`, which PodTopologySpread handles instead (as
 *   kube skips its default spreading when a pod states constraints);
 * - the first pods of an owner, when it has no pod anywhere yet: every node would score 100, and
 *   a score equal on all nodes changes no ranking.
 */
import {
  type CycleState,
  MAX_NODE_SCORE,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreScorePlugin,
  type ScorePlugin,
  SKIP,
  type Snapshot,
  type Status,
  SUCCESS,
  stateKey,
} from '../../framework/types.js';

/** The plugin's registered name. */
export const NAME = 'SelectorSpread';

/** Node name → pods of the pod's owner on that node. */
const PRE_SCORE_KEY = stateKey<ReadonlyMap<string, number>>('SelectorSpread/preScore');

/** Scores nodes by how few pods of the pod's controller they run. */
export class SelectorSpread implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  preScore(state: CycleState, pod: PodInfo, _feasible: readonly NodeInfo[], snapshot: Snapshot): Status {
    if (pod.ownerUid === undefined) return SKIP;
    if ((pod.pod.spec.topologySpreadConstraints ?? []).length > 0) return SKIP;
    const perNode = snapshot.podsOfOwner(pod.ownerUid);
    if (perNode.size === 0) return SKIP;
    state.write(PRE_SCORE_KEY, perNode);
    return SUCCESS;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    return state.read(PRE_SCORE_KEY)?.get(node.name) ?? 0;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: Float64Array): void {
    let max = 0;
    for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i] as number);
    if (max === 0) {
      scores.fill(MAX_NODE_SCORE);
      return;
    }
    for (let i = 0; i < scores.length; i++) {
      scores[i] = Math.trunc((MAX_NODE_SCORE * (max - (scores[i] as number))) / max);
    }
  }
}

/** The factory the registry calls. */
export function create(): Plugin {
  return new SelectorSpread();
}
