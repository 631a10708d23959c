/**
 * NodeInfo: one node with the aggregates of the pods on it (bound and assumed), kept up to date
 * incrementally by the cache (kube-scheduler's `framework.NodeInfo`).
 *
 * Every number a Filter or Score reads is a field here (requested cpu/memory/pods, used host
 * ports, pods per label), so a plugin answers for one node in O(1) instead of walking the node's
 * pods. (Pods per controller owner are indexed by owner in the cache instead: see
 * `Snapshot.podsOfOwner`.) Plugins see the readonly `NodeInfo`; only the cache holds
 * the `NodeInfoRecord` behind it and calls its mutators.
 */

import { QuantityError } from '../../../protocol/errors.js';
import { parseQuantity, type Quantity, toInt, toMilli } from '../../../protocol/quantity.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Taint } from '../../../protocol/resources/scheduling.js';
import type { PodInfo } from './pod-info.js';

/** Amounts of the resources the scheduler counts: cpu in millicores, bytes, pods, scalar units. */
export interface NodeResources {
  readonly milliCpu: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  readonly pods: number;
  /** Extended resources by name; absent means zero. */
  readonly scalars: ReadonlyMap<string, number>;
}

/** A node and the pods the scheduler counts on it, as plugins see it. */
export interface NodeInfo {
  readonly name: string;
  readonly node: Node;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** `spec.unschedulable` (cordoned). */
  readonly unschedulable: boolean;
  readonly allocatable: NodeResources;
  /** Sum of the requests of the pods on the node; `pods` is their number. */
  readonly requested: NodeResources;
  /** Sum of the non-zero requests (what LeastAllocated counts; see `PodInfo.nonZeroRequests`). */
  readonly nonZeroRequested: { readonly milliCpu: number; readonly memory: number };
  /** The pods on the node (bound and assumed) by key. */
  readonly pods: ReadonlyMap<string, PodInfo>;
  /** Bumped on every change of the node or its pods. */
  readonly generation: number;
  /** True when a pod on the node holds `protocol/port` on `hostIP` or on 0.0.0.0 (kube's CheckConflict). */
  hostPortConflict(protocol: string, hostIP: string, port: number): boolean;
  /** Pods on the node in `namespace` with label `key=value`. */
  labelCount(namespace: string, key: string, value: string): number;
  /** `labelCount` by a precomputed `labelIndexKey`, for loops that would otherwise build it per node. */
  labelCountByKey(indexKey: string): number;
}

const ANY_IP = '0.0.0.0';
const NO_TAINTS: readonly Taint[] = Object.freeze([]);
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

interface MutableResources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  pods: number;
  scalars: Map<string, number>;
}

/** The index key of a pod label: `namespace/key=value` (no namespace holds `/`, no key holds `=`). */
export function labelIndexKey(namespace: string, key: string, value: string): string {
  return `${namespace}/${key}=${value}`;
}

/** The cache's mutable NodeInfo. Only the cache may call `setNode`, `addPod` and `removePod`. */
export class NodeInfoRecord implements NodeInfo {
  readonly name: string;
  node: Node;
  labels: Readonly<Record<string, string>> = NO_LABELS;
  taints: readonly Taint[] = NO_TAINTS;
  unschedulable = false;
  allocatable: NodeResources = emptyResources();
  readonly requested: MutableResources = emptyResources();
  readonly nonZeroRequested = { milliCpu: 0, memory: 0 };
  readonly pods = new Map<string, PodInfo>();
  generation = 0;
  /** Host ports in use, `protocol/ip/port` → pods using it (a count, so removal is exact). */
  private readonly ports = new Map<string, number>();
  /** Host ports in use on any address, `protocol/port` → count, so a 0.0.0.0 check is one lookup. */
  private readonly portsAnyIP = new Map<string, number>();
  private readonly podLabels = new Map<string, number>();

  constructor(node: Node) {
    this.name = node.metadata.name ?? '';
    this.node = node;
    this.setNode(node);
  }

  /** Replaces the Node object (labels, taints, allocatable may have changed); pods stay. */
  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata.labels ?? NO_LABELS;
    this.taints = node.spec.taints ?? NO_TAINTS;
    this.unschedulable = node.spec.unschedulable === true;
    this.allocatable = allocatableOf(node);
    this.generation++;
  }

  /** Counts `pod` on this node. The caller guarantees it is not already here. */
  addPod(pod: PodInfo): void {
    this.pods.set(pod.key, pod);
    this.update(pod, 1);
  }

  /** Stops counting the pod with `key`; returns false when it was not here. */
  removePod(key: string): boolean {
    const pod = this.pods.get(key);
    if (pod === undefined) return false;
    this.pods.delete(key);
    this.update(pod, -1);
    return true;
  }

  hostPortConflict(protocol: string, hostIP: string, port: number): boolean {
    if (this.ports.size === 0) return false;
    if (hostIP === ANY_IP) return (this.portsAnyIP.get(`${protocol}/${port}`) ?? 0) > 0;
    return this.ports.has(`${protocol}/${ANY_IP}/${port}`) || this.ports.has(`${protocol}/${hostIP}/${port}`);
  }

  labelCount(namespace: string, key: string, value: string): number {
    return this.podLabels.get(labelIndexKey(namespace, key, value)) ?? 0;
  }

  labelCountByKey(indexKey: string): number {
    return this.podLabels.get(indexKey) ?? 0;
  }

  /** Applies a pod's contribution with `sign` +1 (add) or -1 (remove), keeping every aggregate exact. */
  private update(pod: PodInfo, sign: 1 | -1): void {
    const r = pod.requests;
    this.requested.milliCpu += sign * r.milliCpu;
    this.requested.memory += sign * r.memory;
    this.requested.ephemeralStorage += sign * r.ephemeralStorage;
    this.requested.pods += sign;
    for (const s of r.scalars) bump(this.requested.scalars, s.name, sign * s.amount);
    this.nonZeroRequested.milliCpu += sign * pod.nonZeroRequests.milliCpu;
    this.nonZeroRequested.memory += sign * pod.nonZeroRequests.memory;
    for (const p of pod.hostPorts) {
      bump(this.ports, `${p.protocol}/${p.hostIP}/${p.port}`, sign);
      bump(this.portsAnyIP, `${p.protocol}/${p.port}`, sign);
    }
    for (const key in pod.labels) {
      bump(this.podLabels, labelIndexKey(pod.namespace, key, pod.labels[key] ?? ''), sign);
    }
    this.generation++;
  }
}

/** Adds `delta` to a counter, deleting it at zero so maps only hold what is in use. */
function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next === 0) map.delete(key);
  else map.set(key, next);
}

function emptyResources(): MutableResources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0, scalars: new Map() };
}

/**
 * What the node offers: `status.allocatable`, falling back to `status.capacity` for a node that
 * reports only capacity. A missing entry is zero: a node that reports no `pods` takes no pod.
 */
export function allocatableOf(node: Node): NodeResources {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const result = emptyResources();
  for (const [name, text] of Object.entries(list)) {
    if (name === 'cpu') result.milliCpu = nodeAmount(text, toMilli);
    else if (name === 'memory') result.memory = nodeAmount(text, toInt);
    else if (name === 'ephemeral-storage') result.ephemeralStorage = nodeAmount(text, toInt);
    else if (name === 'pods') result.pods = nodeAmount(text, toInt);
    else result.scalars.set(name, nodeAmount(text, toInt));
  }
  return result;
}

/**
 * A node amount. Stored nodes were validated, so this cannot fail; if it did, the node offers
 * nothing of that resource (zero), the safe direction: it can never be overbooked.
 */
function nodeAmount(text: string, convert: (q: Quantity) => number): number {
  try {
    return convert(parseQuantity(text));
  } catch (error) {
    if (error instanceof QuantityError) return 0;
    throw error;
  }
}
