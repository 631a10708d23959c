/**
 * Test-only helpers for the scheduler: a cache preloaded with nodes and bound pods, and the
 * extension points of one plugin run the way the cycle runs them. Production code never imports
 * this folder.
 */

import { SimulatedClock } from '../../../protocol/clock.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { SchedulerCache } from '../cache/cache.js';
import { newPodInfo } from '../framework/pod-info.js';
import {
  CycleState,
  type FilterPlugin,
  type NodeInfo,
  type Plugin,
  type PodInfo,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Snapshot,
  type Status,
  SUCCESS,
} from '../framework/types.js';

/** A cache on a simulated clock holding `nodes` and the bound `pods` (each with `spec.nodeName`). */
export function cacheOf(nodes: readonly Node[], pods: readonly Pod[] = []) {
  const clock = new SimulatedClock();
  const cache = new SchedulerCache({ clock });
  for (const node of nodes) cache.addNode(node);
  for (const pod of pods) cache.addPod(pod);
  return { clock, cache, snapshot: cache.snapshot() };
}

/** The NodeInfo of `node` with the bound `pods` on it. */
export function nodeInfoOf(node: Node, pods: readonly Pod[] = []): NodeInfo {
  const { snapshot } = cacheOf([node], pods);
  return snapshot.nodes[0] as NodeInfo;
}

/** The PodInfo of a pod. */
export function podInfoOf(pod: Pod): PodInfo {
  return newPodInfo(pod);
}

/** A snapshot over NodeInfos taken from a cache (for plugin calls given nodes but no snapshot). */
function viewOf(nodes: readonly NodeInfo[]): Snapshot {
  return {
    nodes,
    get: (name) => nodes.find((n) => n.name === name),
    generation: 0,
    podsWithRequiredAntiAffinity: () =>
      nodes.flatMap((node) =>
        [...node.pods.values()]
          .filter((pod) => pod.requiredAntiAffinityTerms.length > 0)
          .map((pod) => ({ pod, nodeName: node.name })),
      ),
    podsOfOwner: (ownerUid) => {
      const perNode = new Map<string, number>();
      for (const node of nodes) {
        for (const pod of node.pods.values()) {
          if (pod.ownerUid === ownerUid) perNode.set(node.name, (perNode.get(node.name) ?? 0) + 1);
        }
      }
      return perNode;
    },
  };
}

function has<K extends string>(plugin: Plugin, method: K): plugin is Plugin & Record<K, unknown> {
  return typeof (plugin as unknown as Record<string, unknown>)[method] === 'function';
}

/**
 * PreFilter (when the plugin has one) then Filter for one node, as the cycle runs them: a PreFilter
 * Skip means the Filter does not run (SUCCESS), a PreFilter rejection is returned as is.
 */
export function runFilter(plugin: Plugin, pod: Pod, node: NodeInfo, snapshot?: Snapshot): Status {
  const state = new CycleState();
  const info = podInfoOf(pod);
  const view = snapshot ?? viewOf([node]);
  if (has(plugin, 'preFilter')) {
    const status = (plugin as PreFilterPlugin).preFilter(state, info, view);
    if (status.code === 'Skip') return SUCCESS;
    if (status.code !== 'Success') return status;
  }
  return (plugin as FilterPlugin).filter(state, info, node);
}

/**
 * PreScore, Score and NormalizeScore over `nodes` (all taken as feasible); `undefined` when
 * PreScore Skips.
 */
export function runScore(
  plugin: Plugin,
  pod: Pod,
  nodes: readonly NodeInfo[],
  snapshot?: Snapshot,
): number[] | undefined {
  const state = new CycleState();
  const info = podInfoOf(pod);
  const view = snapshot ?? viewOf(nodes);
  if (has(plugin, 'preScore')) {
    const status = (plugin as PreScorePlugin).preScore(state, info, nodes, view);
    if (status.code === 'Skip') return undefined;
    if (status.code !== 'Success') throw new Error(`preScore: ${status.reasons.join(', ')}`);
  }
  const scorer = plugin as ScorePlugin;
  const scores = Float64Array.from(nodes, (node) => scorer.score(state, info, node));
  scorer.normalizeScore?.(state, info, nodes, scores);
  return [...scores];
}
