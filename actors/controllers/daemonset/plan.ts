/**
 * What a DaemonSet should do next, as a pure function of the DaemonSet, the nodes and its pods
 * (Kubernetes' `manage` then `rollingUpdate`):
 *
 *   manage:  each eligible node without a daemon pod gets one; extra pods on a node go (the oldest
 *            stays); failed pods go (the next sync replaces them); pods on ineligible or vanished
 *            nodes go.
 *   update:  pods whose `controller-revision-hash` is not the template's are old. RollingUpdate
 *            deletes old pods while at most `maxUnavailable` nodes lack an available pod (old pods
 *            that are not available anyway go at once), or, with `maxSurge`, starts the new pod
 *            beside the old one and deletes the old once the new is available. OnDelete leaves old
 *            pods alone: only pods deleted by someone else come back new.
 */
import { createHash } from 'node:crypto';
import { labelSelectorMatches } from '../../../protocol/meta.js';
import type { DaemonSet } from '../../../protocol/resources/daemonset.js';
import type { IntOrString } from '../../../protocol/resources/fields.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod, PodTemplateSpec } from '../../../protocol/resources/pod.js';
import { type NodeVerdict, nodeShouldRunDaemonPod } from './eligibility.js';

/** The label that tells a DaemonSet's pods of one template from another's (Kubernetes' name). */
export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** The plan of one sync. */
export interface DaemonSetPlan {
  /** Nodes to create a daemon pod on. */
  readonly create: readonly string[];
  /** Pods to delete. */
  readonly delete: readonly Pod[];
}

/** What the plan reads. */
export interface DaemonSetWorld {
  readonly ds: DaemonSet;
  readonly nodes: readonly Node[];
  /** The DaemonSet's own pods (controller reference), any node. */
  readonly pods: readonly Pod[];
  readonly now: number;
}

/** One node with the verdict for this DaemonSet and the daemon pods on it. */
export interface NodePods {
  readonly node: string;
  readonly verdict: NodeVerdict;
  /** Pods not being deleted, oldest first. */
  readonly pods: readonly Pod[];
}

/**
 * A stable hash of the pod template: the value of `controller-revision-hash`. Kubernetes hashes a
 * ControllerRevision; Skiff has none, so the template itself is hashed (keys sorted, so that the
 * same template always gives the same hash).
 */
export function templateHash(template: PodTemplateSpec): string {
  return createHash('sha256').update(stableJson(template)).digest('hex').slice(0, 10);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** True when the pod's Ready condition is True. */
export function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Ready for at least `minReadySeconds` at `now`. */
export function isAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return false;
  if (minReadySeconds === 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : now;
  return since + minReadySeconds * 1000 <= now;
}

/** The nodes with their verdicts and daemon pods; pods on nodes that no longer exist are listed apart. */
export function podsByNode(world: DaemonSetWorld): { nodes: NodePods[]; strays: Pod[] } {
  const live = world.pods
    .filter((p) => !p.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
  const byName = new Map<string, Pod[]>();
  for (const pod of live) {
    const name = pod.spec.nodeName ?? '';
    byName.set(name, [...(byName.get(name) ?? []), pod]);
  }
  const nodes = world.nodes.map((node) => {
    const name = node.metadata.name as string;
    const pods = byName.get(name) ?? [];
    byName.delete(name);
    return { node: name, verdict: nodeShouldRunDaemonPod(node, world.ds.spec.template.spec), pods };
  });
  return { nodes, strays: [...byName.values()].flat() };
}

/** Plans one sync of a DaemonSet. */
export function planDaemonSet(world: DaemonSetWorld): DaemonSetPlan {
  const { nodes, strays } = podsByNode(world);
  const hash = templateHash(world.ds.spec.template);
  const create: string[] = [];
  const del: Pod[] = [...strays];
  const surviving: NodePods[] = [];
  for (const n of nodes) {
    if (!n.verdict.shouldContinueRunning) {
      del.push(...n.pods);
      continue;
    }
    // A failed daemon pod is deleted; the next sync, seeing none, creates its replacement.
    const failed = n.pods.filter((p) => p.status?.phase === 'Failed');
    del.push(...failed);
    const running = n.pods.filter((p) => p.status?.phase !== 'Failed');
    if (!n.verdict.shouldRun) {
      // A NoSchedule taint came after the pod: the pod may stay, but nothing new goes there, and
      // the rolling update leaves it alone (replacing it would lose the daemon on that node).
      del.push(...running.slice(1));
      continue;
    }
    if (failed.length > 0 && running.length === 0) continue;
    if (running.length === 0) {
      create.push(n.node);
      continue;
    }
    surviving.push({ ...n, pods: running });
  }
  const update = rollingUpdate(world, surviving, hash, nodes.filter((n) => n.verdict.shouldRun).length);
  for (const name of update.create) create.push(name);
  for (const pod of update.delete) if (!del.includes(pod)) del.push(pod);
  // Several pods on one node (a race, an update by hand): the oldest stays. During a surge an old
  // and a new pod coexist on purpose: then one of each stays.
  const surge = surgeEnabled(world.ds);
  for (const n of surviving) {
    const kept = n.pods.filter((p) => !del.includes(p));
    if (!surge) {
      del.push(...kept.slice(1));
      continue;
    }
    const fresh = kept.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash);
    const old = kept.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
    del.push(...fresh.slice(1), ...old.slice(1));
  }
  return { create, delete: del };
}

function surgeEnabled(ds: DaemonSet): boolean {
  const strategy = ds.spec.updateStrategy;
  return strategy.type === 'RollingUpdate' && scaled(strategy.rollingUpdate.maxSurge, 1) > 0;
}

/** The rolling update's share of the plan over nodes that keep a running daemon pod. */
function rollingUpdate(
  world: DaemonSetWorld,
  nodes: readonly NodePods[],
  hash: string,
  desired: number,
): DaemonSetPlan {
  const strategy = world.ds.spec.updateStrategy;
  if (strategy.type !== 'RollingUpdate') return { create: [], delete: [] };
  const minReady = world.ds.spec.minReadySeconds;
  const available = (p: Pod) => isAvailable(p, minReady, world.now);
  const maxUnavailable = scaled(strategy.rollingUpdate.maxUnavailable, desired);
  const maxSurge = scaled(strategy.rollingUpdate.maxSurge, desired);
  const isNew = (p: Pod) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash;

  const create: string[] = [];
  const del: Pod[] = [];
  // Nodes that should run a daemon but have none yet count as unavailable (manage creates them).
  let unavailable = desired - nodes.length;
  let surging = 0;
  const candidates: Pod[] = [];
  const surgeCandidates: string[] = [];
  for (const n of nodes) {
    const fresh = n.pods.filter(isNew);
    const old = n.pods.filter((p) => !isNew(p));
    if (old.length === 0) {
      if (!fresh.some(available)) unavailable++;
      continue;
    }
    if (fresh.length > 0) {
      // A surge in progress: the old pod goes once the new one is available. Without surge an old
      // and a new pod on one node is a leftover (a race, a strategy change): the old one goes.
      // An old pod that is not available is lost nothing by going (Kubernetes keeps it; a
      // new pod that never becomes ready would then pin two pods on the node for good).
      if (maxSurge === 0 || fresh.some(available) || !old.some(available)) del.push(...old);
      else surging++;
      if (!fresh.some(available)) unavailable++;
      continue;
    }
    if (!old.some(available)) {
      // Nothing to lose: an old pod that is not available anyway is replaced at once.
      del.push(...old);
      unavailable++;
      continue;
    }
    candidates.push(...old);
    surgeCandidates.push(n.node);
  }
  if (maxSurge > 0) {
    for (const node of surgeCandidates.slice(0, Math.max(0, maxSurge - surging))) create.push(node);
  } else {
    del.push(...candidates.slice(0, Math.max(0, maxUnavailable - unavailable)));
  }
  return { create, delete: del };
}

/** An int-or-percent of `total`, rounded up (Kubernetes scales a DaemonSet's bounds up). */
export function scaled(value: IntOrString, total: number): number {
  if (typeof value === 'number') return value;
  const percent = Number.parseInt(value, 10);
  return Math.ceil((percent * total) / 100);
}

/**
 * Pods the DaemonSet should adopt (Kubernetes' ClaimPods): in its namespace, matching its
 * selector, without a controller and not being deleted, e.g. left by a DaemonSet deleted with
 * `propagationPolicy: Orphan` and created again.
 */
export function podsToAdopt(ds: DaemonSet, candidates: readonly Pod[]): Pod[] {
  return candidates.filter(
    (p) =>
      p.metadata.namespace === ds.metadata.namespace &&
      !p.metadata.deletionTimestamp &&
      !(p.metadata.ownerReferences ?? []).some((r) => r.controller === true) &&
      labelSelectorMatches(ds.spec.selector, p.metadata.labels),
  );
}
