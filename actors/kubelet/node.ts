/**
 * The Node a kubelet introduces: identity, labels, capacity and allocatable, addresses and the
 * Ready condition, built by pure functions from what the host (or a hollow node's flags) says.
 */
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import type { Condition } from '../../protocol/meta.js';
import type { Node, NodeStatus } from '../../protocol/resources/node.js';

/** Kubernetes' default most pods per node. */
export const MAX_PODS = 110;

/** What a node offers and how it is reached. */
export interface NodeFacts {
  readonly name: string;
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  readonly pods: number;
  readonly hostIP: string;
  readonly hostname: string;
  readonly os: string;
  readonly arch: string;
  readonly kernelVersion: string;
  readonly runtimeVersion: string;
  readonly kubeletVersion: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Node facts from this host; `overrides` for hollow nodes (capacity from flags) and tests. */
export function hostFacts(
  name: string,
  runtimeVersion: string,
  kubeletVersion: string,
  overrides: Partial<Omit<NodeFacts, 'name' | 'runtimeVersion' | 'kubeletVersion'>> = {},
): NodeFacts {
  return {
    name,
    cpuMillis: cpus().length * 1000,
    memoryBytes: totalmem(),
    pods: MAX_PODS,
    hostIP: '127.0.0.1',
    hostname: hostname(),
    os: platform(),
    arch: goArch(arch()),
    kernelVersion: release(),
    runtimeVersion,
    kubeletVersion,
    ...overrides,
  };
}

/** Node.js' architecture names as Kubernetes (Go) spells them. */
function goArch(nodeArch: string): string {
  return (
    ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[nodeArch] ??
    nodeArch
  );
}

/** The labels every kubelet sets on its node. */
export function nodeLabels(facts: NodeFacts): Record<string, string> {
  return {
    ...facts.labels,
    'kubernetes.io/hostname': facts.name,
    'kubernetes.io/os': facts.os,
    'kubernetes.io/arch': facts.arch,
  };
}

/** The status the kubelet reports; `now` stamps the Ready condition's heartbeat. */
export function nodeStatus(facts: NodeFacts, now: number, previous?: NodeStatus): NodeStatus {
  const resources = {
    cpu: `${facts.cpuMillis}m`,
    memory: `${Math.floor(facts.memoryBytes / 1024)}Ki`,
    pods: String(facts.pods),
  };
  const stamp = new Date(now).toISOString();
  const before = previous?.conditions?.find((c) => c.type === 'Ready');
  const ready: Condition = {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'kubelet is posting ready status',
    lastHeartbeatTime: stamp,
    lastTransitionTime: before?.status === 'True' ? (before.lastTransitionTime ?? stamp) : stamp,
  } as Condition;
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [...(previous?.conditions ?? []).filter((c) => c.type !== 'Ready'), ready],
    addresses: [
      { type: 'InternalIP', address: facts.hostIP },
      { type: 'Hostname', address: facts.hostname },
    ],
    nodeInfo: {
      kernelVersion: facts.kernelVersion,
      containerRuntimeVersion: facts.runtimeVersion,
      kubeletVersion: facts.kubeletVersion,
      operatingSystem: facts.os,
      architecture: facts.arch,
    },
  };
}

/** A new Node object for `facts`. */
export function newNode(facts: NodeFacts, now: number): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: facts.name, labels: nodeLabels(facts) },
    spec: {},
    status: nodeStatus(facts, now),
  } as Node;
}

/**
 * True when the reported status differs from `current` in anything but heartbeat times: only then
 * (or at the slow refresh) is the Node written. Heartbeats travel on the node's own subject.
 */
export function nodeStatusChanged(current: NodeStatus | undefined, next: NodeStatus): boolean {
  const strip = (s: NodeStatus | undefined) =>
    JSON.stringify({
      ...s,
      conditions: s?.conditions?.map(({ lastHeartbeatTime: _h, ...c }) => c),
    });
  return strip(current) !== strip(next);
}
