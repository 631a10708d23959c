/**
 * What the proxy should serve, as a pure function of the Services and Endpoints it watches: one
 * entry per Service port, with where it listens (`clusterIP:port`, the NodePort) and the ready
 * endpoints it balances over (`hostIP:hostPort`, as the endpoints controller writes them).
 *
 * - A Service without a clusterIP (not allocated yet) or a headless one (`None`) gets no cluster
 *   listener; a NodePort is served whenever one is set, on `type: NodePort` or `LoadBalancer`.
 * - ExternalName Services and SCTP ports are not proxied.
 * - A Service port finds its endpoint port by name (both unnamed when the Service has one port)
 *   and protocol, in every subset; only `addresses` (ready) count, never `notReadyAddresses`.
 */
import type { Endpoints } from '../../protocol/resources/endpoints.js';
import { isHeadless, type Service } from '../../protocol/resources/service.js';

/** The ClientIP affinity timeout Kubernetes defaults to (`sessionAffinityConfig.clientIP.timeoutSeconds`). */
export const DEFAULT_AFFINITY_TIMEOUT_MS = 10_800_000;

export type ProxyProtocol = 'TCP' | 'UDP';

/** One backend: `ip:port`, with the pod it is for logs. */
export interface EndpointTarget {
  readonly ip: string;
  readonly port: number;
  readonly pod?: string;
}

/** One Service port, as the proxy serves it. */
export interface ServicePortEntry {
  /** `namespace/name:port/protocol`, port by name when it has one: unique per Service port. */
  readonly key: string;
  /** `namespace/name:port`: the metrics label. */
  readonly label: string;
  readonly protocol: ProxyProtocol;
  /** Where clients reach it on every network (node and pods): undefined without a clusterIP. */
  readonly clusterIP?: string;
  readonly port: number;
  /** Where clients reach it on the node's addresses. */
  readonly nodePort?: number;
  readonly affinity: 'None' | 'ClientIP';
  readonly affinityTimeoutMs: number;
  /** Ready endpoints, sorted, without duplicates. */
  readonly endpoints: readonly EndpointTarget[];
}

/** One socket the proxy listens on. */
export interface ListenAddress {
  readonly address: string;
  readonly port: number;
  readonly protocol: ProxyProtocol;
}

/** The entries of every proxied Service port, by key. */
export function buildServiceTable(
  services: readonly Readonly<Service>[],
  endpoints: readonly Readonly<Endpoints>[],
): Map<string, ServicePortEntry> {
  const endpointsByKey = new Map(endpoints.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  const table = new Map<string, ServicePortEntry>();
  for (const service of services) {
    if (service.spec.type === 'ExternalName') continue;
    const id = `${service.metadata.namespace}/${service.metadata.name}`;
    const clusterIP =
      service.spec.clusterIP && !isHeadless(service.spec) ? service.spec.clusterIP : undefined;
    const nodePorts = service.spec.type === 'NodePort' || service.spec.type === 'LoadBalancer';
    for (const port of service.spec.ports ?? []) {
      const protocol = port.protocol;
      if (protocol !== 'TCP' && protocol !== 'UDP') continue;
      const nodePort = nodePorts && port.nodePort ? port.nodePort : undefined;
      if (clusterIP === undefined && nodePort === undefined) continue;
      const portId = port.name || String(port.port);
      const entry: ServicePortEntry = {
        key: `${id}:${portId}/${protocol}`,
        label: `${id}:${portId}`,
        protocol,
        port: port.port,
        ...(clusterIP !== undefined ? { clusterIP } : {}),
        ...(nodePort !== undefined ? { nodePort } : {}),
        affinity: service.spec.sessionAffinity ?? 'None',
        affinityTimeoutMs: DEFAULT_AFFINITY_TIMEOUT_MS,
        endpoints: readyTargets(endpointsByKey.get(id), port.name ?? '', protocol),
      };
      table.set(entry.key, entry);
    }
  }
  return table;
}

/** The ready `ip:port` pairs of the endpoint port named `portName` with `protocol`. */
export function readyTargets(
  endpoints: Readonly<Endpoints> | undefined,
  portName: string,
  protocol: ProxyProtocol,
): EndpointTarget[] {
  const targets = new Map<string, EndpointTarget>();
  for (const subset of endpoints?.subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => (p.name ?? '') === portName && p.protocol === protocol);
    if (!port) continue;
    for (const address of subset.addresses ?? []) {
      const ref = address.targetRef;
      targets.set(`${address.ip}:${port.port}`, {
        ip: address.ip,
        port: port.port,
        ...(ref?.name ? { pod: `${ref.namespace ?? ''}/${ref.name}` } : {}),
      });
    }
  }
  return [...targets.values()].sort((a, b) => targetKey(a).localeCompare(targetKey(b)));
}

/** `ip:port`. */
export function targetKey(target: EndpointTarget): string {
  return `${target.ip}:${target.port}`;
}

/** `address:port/protocol`. */
export function listenKey(listen: ListenAddress): string {
  return `${listen.address}:${listen.port}/${listen.protocol}`;
}

/**
 * Where an entry listens: on the node, `clusterIP:port` and `nodePortAddress:nodePort`; inside a
 * pod's network namespace, `clusterIP:port` only (a NodePort is the node's).
 */
export function listenAddresses(
  entry: ServicePortEntry,
  scope: 'node' | 'pod',
  nodePortAddress: string,
): ListenAddress[] {
  const out: ListenAddress[] = [];
  if (entry.clusterIP) out.push({ address: entry.clusterIP, port: entry.port, protocol: entry.protocol });
  if (scope === 'node' && entry.nodePort !== undefined) {
    out.push({ address: nodePortAddress, port: entry.nodePort, protocol: entry.protocol });
  }
  return out;
}
