/**
 * PodTopologySpread's soft constraints (`whenUnsatisfiable: ScheduleAnyway`), as kube-scheduler:
 * a feasible node scores, summed over constraints, `count(domain) * log(domains + 2) + maxSkew - 1`
 * (rounded), and normalization turns that around so the least crowded domain scores 100:
 * `100 * (max + min - score) / max`. Feasible nodes lacking a topology label score 0.
 *
 * Domains are counted among the feasible nodes; their counts cover every eligible node in the
 * cluster (pass over the snapshot), except for the hostname key, counted per node in Score from
 * the cache's index.
 */
import { MAX_NODE_SCORE, type NodeInfo, type PodInfo, type Snapshot } from '../../framework/types.js';
import { RequiredNodeAffinity } from '../../helpers/node-affinity.js';
import { type Constraint, HOSTNAME_KEY, hasAllKeys } from './common.js';

/** What PreScore computes for Score and NormalizeScore. */
export interface ScoreState {
  readonly constraints: readonly Constraint[];
  /** Feasible nodes lacking a topology label: they score 0. */
  readonly ignored: ReadonlySet<string>;
  /** Per constraint: matching pods per domain present among the feasible nodes; undefined for hostname. */
  readonly domainCounts: readonly (Map<string, number> | undefined)[];
  /** Per constraint: `log(number of domains + 2)`, so constraints over many domains weigh more. */
  readonly weights: readonly number[];
}

/** Finds the feasible nodes' domains and counts their matching pods over the snapshot. */
export function buildScoreState(
  pod: PodInfo,
  constraints: readonly Constraint[],
  feasible: readonly NodeInfo[],
  snapshot: Snapshot,
): ScoreState {
  const ignored = new Set<string>();
  const domainCounts = constraints.map((c) =>
    c.topologyKey === HOSTNAME_KEY ? undefined : new Map<string, number>(),
  );
  const sizes = constraints.map(() => 0);
  for (const node of feasible) {
    if (!hasAllKeys(node, constraints)) {
      ignored.add(node.name);
      continue;
    }
    constraints.forEach((c, i) => {
      const counts = domainCounts[i];
      const domain = node.labels[c.topologyKey] ?? '';
      if (counts === undefined || counts.has(domain)) return;
      counts.set(domain, 0);
      sizes[i] = (sizes[i] ?? 0) + 1;
    });
  }
  const weights = constraints.map((_, i) =>
    Math.log((domainCounts[i] === undefined ? feasible.length - ignored.size : (sizes[i] ?? 0)) + 2),
  );

  if (domainCounts.some((d) => d !== undefined)) {
    const affinity = RequiredNodeAffinity.of(pod.pod);
    for (const node of snapshot.nodes) {
      if (!hasAllKeys(node, constraints) || !affinity.matches(node)) continue;
      constraints.forEach((c, i) => {
        const counts = domainCounts[i];
        const domain = node.labels[c.topologyKey] ?? '';
        const current = counts?.get(domain);
        // Domains without a feasible node cannot receive the pod: not worth counting.
        if (counts === undefined || current === undefined) return;
        counts.set(domain, current + c.counter.count(node));
      });
    }
  }
  return { constraints, ignored, domainCounts, weights };
}

/** The raw score of `node` (lower is better until normalized). */
export function scoreNode(state: ScoreState, node: NodeInfo): number {
  if (state.ignored.has(node.name)) return 0;
  let score = 0;
  state.constraints.forEach((c, i) => {
    const counts = state.domainCounts[i];
    const count =
      counts === undefined ? c.counter.count(node) : (counts.get(node.labels[c.topologyKey] ?? '') ?? 0);
    score += count * (state.weights[i] ?? 0) + (c.maxSkew - 1);
  });
  return Math.round(score);
}

/** Reverses raw scores to 0..100 between the min and max of the non-ignored nodes. */
export function normalizeScores(state: ScoreState, nodes: readonly NodeInfo[], scores: Float64Array): void {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  nodes.forEach((node, i) => {
    if (state.ignored.has(node.name)) return;
    const s = scores[i] as number;
    min = Math.min(min, s);
    max = Math.max(max, s);
  });
  nodes.forEach((node, i) => {
    if (state.ignored.has(node.name)) scores[i] = 0;
    else if (max === 0) scores[i] = MAX_NODE_SCORE;
    else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - (scores[i] as number))) / max);
  });
}
