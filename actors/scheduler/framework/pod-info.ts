/**
 * PodInfo: everything the scheduler reads about a pod, computed once when the pod enters the queue
 * or the cache (kube-scheduler's `framework.PodInfo`), so that no plugin parses a quantity or walks
 * the containers inside the per-node loop.
 *
 * Requests follow Kubernetes' `resource.PodRequests`: the sum over app containers, raised per
 * resource to the largest init container (init containers run one at a time, before the app
 * containers). `requests` defaulted from `limits` is already done by the Pod schema
 * (`defaultContainer`), so a container with only a limit requests exactly its limit here.
 */

import { QuantityError } from '../../../protocol/errors.js';
import { parseQuantity, type Quantity, toInt, toMilli } from '../../../protocol/quantity.js';
import type { Container } from '../../../protocol/resources/container.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { type AffinityTerm, compileAffinityTerms } from '../helpers/affinity-term.js';

/** What scoring assumes a container without a cpu request uses (kube's `DefaultMilliCPURequest`). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** What scoring assumes a container without a memory request uses: 200 MiB (`DefaultMemoryRequest`). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Resource names with their own fields; any other requested name is a scalar (extended) resource. */
const CPU = 'cpu';
const MEMORY = 'memory';
const EPHEMERAL_STORAGE = 'ephemeral-storage';

/** An extended resource request (`example.com/gpu`, `hugepages-2Mi`) in whole units. */
export interface ScalarAmount {
  readonly name: string;
  readonly amount: number;
}

/** A pod's requests: cpu in millicores, memory and storage in bytes, scalars in whole units. */
export interface ResourceRequests {
  readonly milliCpu: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  /** Usually empty, so NodeResourcesFit's loop over it costs nothing for ordinary pods. */
  readonly scalars: readonly ScalarAmount[];
}

/** One requested host port; `hostIP` defaults to `0.0.0.0`, which conflicts with every address. */
export interface HostPort {
  readonly protocol: string;
  readonly hostIP: string;
  readonly port: number;
}

/** The scheduler's precomputed view of one pod. Readonly: share it, never edit it. */
export interface PodInfo {
  readonly pod: Pod;
  /** `namespace/name`, the key of the queue and the cache. */
  readonly key: string;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** What NodeResourcesFit's Filter and BalancedAllocation count. */
  readonly requests: ResourceRequests;
  /**
   * What LeastAllocated counts: like `requests`, but a container that requests no cpu or memory
   * counts as 100m / 200Mi. Without it, best-effort pods would all score every node as empty and
   * pile onto the same few nodes.
   */
  readonly nonZeroRequests: { readonly milliCpu: number; readonly memory: number };
  readonly hostPorts: readonly HostPort[];
  /** The uid of the controller owner (a ReplicaSet, ...), which SelectorSpread spreads by. */
  readonly ownerUid: string | undefined;
  readonly priority: number;
  /** `spec.nodeName`, or undefined when the pod is not bound (an empty string reads as unset). */
  readonly nodeName: string | undefined;
  /** `podAffinity.requiredDuringScheduling...` terms, compiled (usually empty). */
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  /**
   * `podAntiAffinity.requiredDuringScheduling...` terms, compiled. Compiled here, once per pod,
   * because every cycle checks the incoming pod against the anti-affinity of the pods already
   * placed, and compiling theirs per cycle would cost more than the check.
   */
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_PORTS: readonly HostPort[] = Object.freeze([]);
const NO_SCALARS: readonly ScalarAmount[] = Object.freeze([]);

/** The queue and cache key of a pod: `namespace/name`. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/**
 * Builds the PodInfo of `pod`. When `previous` is the PodInfo of the same pod (same uid), its
 * requests, host ports and affinity terms are reused: a pod's spec is immutable once created
 * (Skiff's `validatePodUpdate`), and re-parsing them on every informer update would be waste.
 */
export function newPodInfo(pod: Pod, previous?: PodInfo): PodInfo {
  const uid = pod.metadata.uid ?? '';
  const reuse = previous !== undefined && previous.uid === uid && uid !== '';
  const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
  const nodeName = pod.spec.nodeName;
  const namespace = pod.metadata.namespace ?? 'default';
  const affinity = pod.spec.affinity;
  return {
    pod,
    key: podKey(pod),
    uid,
    namespace,
    name: pod.metadata.name ?? '',
    labels: pod.metadata.labels ?? NO_LABELS,
    requests: reuse ? previous.requests : podRequests(pod, { nonMissing: false }),
    nonZeroRequests: reuse ? previous.nonZeroRequests : podRequests(pod, { nonMissing: true }),
    hostPorts: reuse ? previous.hostPorts : hostPortsOf(pod),
    ownerUid: owner?.uid,
    priority: pod.spec.priority ?? 0,
    nodeName: nodeName === '' ? undefined : nodeName,
    requiredAffinityTerms: reuse
      ? previous.requiredAffinityTerms
      : compileAffinityTerms(
          affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
          namespace,
        ),
    requiredAntiAffinityTerms: reuse
      ? previous.requiredAntiAffinityTerms
      : compileAffinityTerms(
          affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
          namespace,
        ),
  };
}

/** True when the pod finished (Succeeded or Failed): it holds no resources on its node any more. */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

// ---------------------------------------------------------------------------------------------
// Requests.

interface MutableRequests {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  scalars: Map<string, number> | undefined;
}

/**
 * Kubernetes' `PodRequests`: sum of app containers, then per resource the max with each init
 * container. With `nonMissing`, a container missing a cpu or memory request counts the default.
 */
function podRequests(pod: Pod, options: { nonMissing: boolean }): ResourceRequests {
  const total: MutableRequests = { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalars: undefined };
  for (const container of pod.spec.containers) {
    const c = containerRequests(container, options.nonMissing);
    total.milliCpu += c.milliCpu;
    total.memory += c.memory;
    total.ephemeralStorage += c.ephemeralStorage;
    for (const [name, amount] of c.scalars ?? []) {
      total.scalars ??= new Map();
      total.scalars.set(name, (total.scalars.get(name) ?? 0) + amount);
    }
  }
  for (const container of pod.spec.initContainers ?? []) {
    const c = containerRequests(container, options.nonMissing);
    total.milliCpu = Math.max(total.milliCpu, c.milliCpu);
    total.memory = Math.max(total.memory, c.memory);
    total.ephemeralStorage = Math.max(total.ephemeralStorage, c.ephemeralStorage);
    for (const [name, amount] of c.scalars ?? []) {
      total.scalars ??= new Map();
      total.scalars.set(name, Math.max(total.scalars.get(name) ?? 0, amount));
    }
  }
  const scalars =
    total.scalars === undefined
      ? NO_SCALARS
      : [...total.scalars].map(([name, amount]) => ({ name, amount })).filter((s) => s.amount > 0);
  return {
    milliCpu: total.milliCpu,
    memory: total.memory,
    ephemeralStorage: total.ephemeralStorage,
    scalars: scalars.length === 0 ? NO_SCALARS : scalars,
  };
}

function containerRequests(container: Container, nonMissing: boolean): MutableRequests {
  const requests = container.resources?.requests ?? {};
  const result: MutableRequests = { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalars: undefined };
  for (const [name, text] of Object.entries(requests)) {
    if (name === CPU) result.milliCpu = requestAmount(text, toMilli);
    else if (name === MEMORY) result.memory = requestAmount(text, toInt);
    else if (name === EPHEMERAL_STORAGE) result.ephemeralStorage = requestAmount(text, toInt);
    else {
      result.scalars ??= new Map();
      result.scalars.set(name, requestAmount(text, toInt));
    }
  }
  if (nonMissing) {
    if (!Object.hasOwn(requests, CPU)) result.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
    if (!Object.hasOwn(requests, MEMORY)) result.memory = DEFAULT_MEMORY_REQUEST;
  }
  return result;
}

/**
 * A request amount. The API server validated every quantity, so parsing cannot fail for a stored
 * pod; if it ever did, the request reads as "more than any node has" rather than zero, because a
 * zero would let the pod overbook a node.
 */
function requestAmount(text: string, convert: (q: Quantity) => number): number {
  try {
    return convert(parseQuantity(text));
  } catch (error) {
    if (error instanceof QuantityError) return Number.MAX_SAFE_INTEGER;
    throw error;
  }
}

function hostPortsOf(pod: Pod): readonly HostPort[] {
  let ports: HostPort[] | undefined;
  for (const container of pod.spec.containers) {
    for (const p of container.ports ?? []) {
      // hostPort 0 (or unset) means "no host port", as in Kubernetes.
      if (!p.hostPort) continue;
      ports ??= [];
      ports.push({ protocol: p.protocol, hostIP: p.hostIP || '0.0.0.0', port: p.hostPort });
    }
  }
  return ports ?? NO_PORTS;
}
