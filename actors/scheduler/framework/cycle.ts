/**
 * One scheduling cycle: pick a node for one pod, or say why there is none. Pure and synchronous:
 * it reads the snapshot and writes nothing but the framework's scratch buffers; the caller assumes
 * the pod in the cache and binds it.
 *
 *   PreFilter ─▶ Filter over sampled nodes ─▶ PreScore ─▶ Score ─▶ Normalize ─▶ select
 *      │ reject: every node            │ none feasible: FitError
 *      ▼                               ▼
 *   FitError (message as kube)      FitError (histogram of reasons)
 *
 * Sampling, as kube-scheduler's `percentageOfNodesToScore`: Filter stops once it has found
 * `numFeasibleNodesToFind` feasible nodes, starting where the previous cycle stopped
 * (`nextStartIndex`), so successive pods look at different parts of a large cluster and every
 * node gets its turn. An unschedulable pod has by construction been checked against every node,
 * which is what makes `0/N nodes are available` exact.
 *
 * Why the loops look the way they do: this function runs ~1,000 times a second with ~500 nodes
 * each, so it avoids per-node allocation (shared SUCCESS status, scratch arrays, Float64Array
 * score buffers) and builds rejection objects only when the pod turns out unschedulable.
 */
import { FitError, type NodeRejection } from './fit-error.js';
import type { Framework } from './framework.js';
import { CycleState, MAX_NODE_SCORE, type NodeInfo, type PodInfo, type Snapshot } from './types.js';

/** Filter finds at least this many feasible nodes (or all nodes, in a smaller cluster). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never drops below this. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** How one cycle runs. */
export interface ScheduleOptions {
  /** Where in `snapshot.nodes` Filter starts: the previous result's `nextStartIndex`. */
  readonly nextStartIndex: number;
  /** Overrides the profile's percentage (1..100); unset means the profile's, else adaptive. */
  readonly percentageOfNodesToScore?: number;
  /**
   * Uniform draw in [0, 1) to break ties between best nodes at random, as kube-scheduler does.
   * Unset: the first best node in evaluation order (deterministic; the rotating start already
   * spreads equal nodes).
   */
  readonly random?: () => number;
}

/** The outcome of one cycle. Every kind says where the next cycle should start. */
export type ScheduleResult =
  | {
      readonly kind: 'scheduled';
      /** The chosen node's name. */
      readonly node: string;
      /** Nodes Filter looked at. */
      readonly evaluatedNodes: number;
      /** Nodes that passed Filter (and were scored). */
      readonly feasibleNodes: number;
      readonly nextStartIndex: number;
    }
  | {
      readonly kind: 'unschedulable';
      readonly fitError: FitError;
      readonly evaluatedNodes: number;
      readonly nextStartIndex: number;
    }
  | {
      /** A plugin failed (not a rejection): retry after backoff; `message` is for logs and Events. */
      readonly kind: 'error';
      readonly plugin: string;
      readonly message: string;
      readonly nextStartIndex: number;
    };

/** kube-scheduler's `numFeasibleNodesToFind`: how many feasible nodes are enough to score. */
export function numFeasibleNodesToFind(numAllNodes: number, percentage?: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct >= 100) return numAllNodes;
  if (pct <= 0) {
    pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.trunc(numAllNodes / 125));
  }
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.trunc((numAllNodes * pct) / 100));
}

/**
 * Runs one scheduling cycle for `pod` over `snapshot`. A plugin that throws fails this pod's cycle
 * only: the throw becomes an `error` result naming the plugin (the pod backs off and its users see
 * why), as a plugin's Error status does, so one bad pod never stops the scheduling of the others.
 */
export function schedulePod(
  framework: Framework,
  snapshot: Snapshot,
  pod: PodInfo,
  options: ScheduleOptions,
): ScheduleResult {
  const running: RunningPlugin = { name: undefined };
  try {
    return runCycle(framework, snapshot, pod, options, running);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const start = Number.isFinite(options.nextStartIndex) ? Math.trunc(options.nextStartIndex) : 0;
    return errorResult(running.name ?? 'framework', [`threw: ${message}`], Math.max(0, start));
  }
}

/** Which plugin the cycle is in, so a throw can be blamed on it. */
interface RunningPlugin {
  name: string | undefined;
}

function runCycle(
  framework: Framework,
  snapshot: Snapshot,
  pod: PodInfo,
  options: ScheduleOptions,
  running: RunningPlugin,
): ScheduleResult {
  const nodes = snapshot.nodes;
  const numAllNodes = nodes.length;
  if (numAllNodes === 0) {
    return { kind: 'unschedulable', fitError: FitError.noNodes(), evaluatedNodes: 0, nextStartIndex: 0 };
  }
  const requested = Number.isFinite(options.nextStartIndex) ? Math.trunc(options.nextStartIndex) : 0;
  const start = ((requested % numAllNodes) + numAllNodes) % numAllNodes;
  const scratch = framework.scratch;
  scratch.reset();
  const state = new CycleState();

  // 1. PreFilter: precompute per pod; a rejection here rejects every node; Skip drops a Filter.
  for (const plugin of framework.preFilterPlugins) {
    running.name = plugin.name;
    const status = plugin.preFilter(state, pod, snapshot);
    if (status.code === 'Success') continue;
    if (status.code === 'Skip') scratch.skipped.add(plugin.name);
    else if (status.code === 'Error') return errorResult(plugin.name, status.reasons, start);
    else {
      const fitError = FitError.fromPreFilter(plugin.name, status, nodes);
      return { kind: 'unschedulable', fitError, evaluatedNodes: 0, nextStartIndex: start };
    }
  }
  for (const plugin of framework.filterPlugins) {
    if (!scratch.skipped.has(plugin.name)) scratch.filters.push(plugin);
  }

  // 2. Filter from `start`, wrapping around, until enough feasible nodes are found.
  const toFind = numFeasibleNodesToFind(
    numAllNodes,
    options.percentageOfNodesToScore ?? framework.percentageOfNodesToScore,
  );
  const filtered = findFeasibleNodes(framework, state, pod, nodes, start, toFind, running);
  if (typeof filtered !== 'number') return errorResult(filtered.plugin, filtered.reasons, start);
  const evaluatedNodes = filtered;
  const nextStartIndex = (start + evaluatedNodes) % numAllNodes;
  const feasible = scratch.feasible;
  if (feasible.length === 0) {
    const fitError = FitError.fromRejections(numAllNodes, rejections(framework));
    return { kind: 'unschedulable', fitError, evaluatedNodes, nextStartIndex };
  }
  if (feasible.length === 1) {
    // Nothing to compare: kube-scheduler skips scoring here too.
    const node = (feasible[0] as NodeInfo).name;
    return { kind: 'scheduled', node, evaluatedNodes, feasibleNodes: 1, nextStartIndex };
  }

  // 3-5. PreScore, Score, NormalizeScore, weighted sum; then pick the best.
  const totals = prioritizeNodes(framework, state, pod, snapshot, running);
  if (!(totals instanceof Float64Array)) return errorResult(totals.plugin, totals.reasons, nextStartIndex);
  const best = selectHost(totals, options.random);
  const node = (feasible[best] as NodeInfo).name;
  return { kind: 'scheduled', node, evaluatedNodes, feasibleNodes: feasible.length, nextStartIndex };
}

interface PluginFailure {
  readonly plugin: string;
  readonly reasons: readonly string[];
}

/**
 * Fills `scratch.feasible` and the rejection arrays; returns how many nodes it evaluated, or the
 * plugin that failed with an Error status (which aborts the cycle, as in kube-scheduler).
 */
function findFeasibleNodes(
  framework: Framework,
  state: CycleState,
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  start: number,
  toFind: number,
  running: RunningPlugin,
): number | PluginFailure {
  const { filters, feasible, rejectedNodes, rejectedStatuses, rejectedPlugins } = framework.scratch;
  const n = nodes.length;
  let evaluated = 0;
  // `f` lives outside the try so that a throw can be blamed on filters[f] without a store per call.
  let f = 0;
  try {
    // Indexed loops, not for-of or forEach: no iterator or closure per node.
    for (; evaluated < n && feasible.length < toFind; evaluated++) {
      let index = start + evaluated;
      if (index >= n) index -= n;
      const node = nodes[index] as NodeInfo;
      let passed = true;
      for (f = 0; f < filters.length; f++) {
        const plugin = filters[f] as (typeof filters)[number];
        const status = plugin.filter(state, pod, node);
        if (status.code === 'Success') continue;
        if (status.code === 'Error') return { plugin: plugin.name, reasons: status.reasons };
        // The first rejection decides (kube runs no further filters on a rejected node). Parallel
        // arrays of existing references: nothing is allocated for a rejected node.
        rejectedNodes.push(node);
        rejectedStatuses.push(status);
        rejectedPlugins.push(plugin.name);
        passed = false;
        break;
      }
      if (passed) feasible.push(node);
    }
  } catch (error) {
    running.name = filters[f]?.name;
    throw error;
  }
  return evaluated;
}

/** The recorded rejections as objects, built only once the pod is known to be unschedulable. */
function* rejections(framework: Framework): Generator<NodeRejection> {
  const { rejectedNodes, rejectedStatuses, rejectedPlugins } = framework.scratch;
  for (let i = 0; i < rejectedNodes.length; i++) {
    yield {
      nodeName: (rejectedNodes[i] as NodeInfo).name,
      plugin: rejectedPlugins[i] as string,
      status: rejectedStatuses[i] as (typeof rejectedStatuses)[number],
    };
  }
}

/** Weighted sum of the normalized scores of every feasible node, or the plugin that failed. */
function prioritizeNodes(
  framework: Framework,
  state: CycleState,
  pod: PodInfo,
  snapshot: Snapshot,
  running: RunningPlugin,
): Float64Array | PluginFailure {
  const { feasible, skipped, scorers } = framework.scratch;
  skipped.clear();
  for (const plugin of framework.preScorePlugins) {
    running.name = plugin.name;
    const status = plugin.preScore(state, pod, feasible, snapshot);
    if (status.code === 'Skip') skipped.add(plugin.name);
    else if (status.code !== 'Success') return { plugin: plugin.name, reasons: status.reasons };
  }
  for (const scorer of framework.scorePlugins) {
    if (!skipped.has(scorer.plugin.name)) scorers.push(scorer);
  }
  const n = feasible.length;
  const totals = framework.scratch.totalsFor(n);
  for (const { plugin, weight } of scorers) {
    running.name = plugin.name;
    const scores = framework.scratch.scoresFor(n);
    for (let i = 0; i < n; i++) scores[i] = plugin.score(state, pod, feasible[i] as NodeInfo);
    plugin.normalizeScore?.(state, pod, feasible, scores);
    for (let i = 0; i < n; i++) {
      const score = scores[i] as number;
      // A score outside 0..100 would silently outweigh every other plugin: refuse it, as kube does.
      if (!(score >= 0 && score <= MAX_NODE_SCORE)) {
        return { plugin: plugin.name, reasons: [`invalid score ${score}, want 0..${MAX_NODE_SCORE}`] };
      }
      totals[i] = (totals[i] as number) + score * weight;
    }
  }
  return totals;
}

/** The index of the highest total; ties go to the first, or to a uniform pick with `random`. */
function selectHost(totals: Float64Array, random: (() => number) | undefined): number {
  let best = 0;
  let bestScore = totals[0] as number;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    const score = totals[i] as number;
    if (score > bestScore) {
      best = i;
      bestScore = score;
      ties = 1;
    } else if (score === bestScore && random !== undefined) {
      // Reservoir sampling: the i-th tie replaces the pick with probability 1/ties.
      ties++;
      if (Math.floor(random() * ties) === 0) best = i;
    }
  }
  return best;
}

function errorResult(plugin: string, reasons: readonly string[], nextStartIndex: number): ScheduleResult {
  return { kind: 'error', plugin, message: `${plugin}: ${reasons.join(', ')}`, nextStartIndex };
}
