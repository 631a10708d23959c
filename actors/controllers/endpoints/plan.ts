/**
 * What a Service's Endpoints should say, as a pure function of the Service and the pods it selects
 * (Kubernetes' endpoints controller, with Skiff's networking model): a pod is reached at its node's
 * address and the host port its kubelet published for the target container port
 * (`status.publishedPorts`), so each address is `hostIP:hostPort`.
 *
 * - A pod counts when it matches the selector, is bound (has a `hostIP`) and is not terminating.
 *   Ready pods go to `addresses`, the others to `notReadyAddresses` (all to `addresses` with
 *   `publishNotReadyAddresses`). Finished pods (Succeeded, Failed) are left out.
 * - `targetPort` by number is that container port; by name, the container port of that name (a pod
 *   without it is left out of that port, as Kubernetes does).
 * - A port the pod declares is found among its published ports; one it does not declare is reached
 *   at the same number on the node (the process runtime and host networking publish nothing).
 * - Pods whose ports map to the same host ports share a subset; since host ports usually differ per
 *   pod, most subsets hold one address. Output is sorted, so equal inputs give equal Endpoints.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from '../../../protocol/resources/endpoints.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import type { Service, ServicePort } from '../../../protocol/resources/service.js';

/** True when `selector` (a Service's equality map) selects `labels`; an empty selector selects nothing. */
export function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** The subsets of `service`'s Endpoints, from the pods of its namespace. */
export function calculateSubsets(
  service: Readonly<Service>,
  pods: readonly Readonly<Pod>[],
): EndpointSubset[] {
  const groups = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  for (const pod of pods) {
    if (!counts(service, pod)) continue;
    const ports = (service.spec.ports ?? []).flatMap((port) => endpointPort(port, pod));
    if (ports.length === 0) continue;
    const key = JSON.stringify(ports);
    const group = groups.get(key) ?? { ports, ready: [], notReady: [] };
    groups.set(key, group);
    const ready = service.spec.publishNotReadyAddresses === true || isReady(pod);
    (ready ? group.ready : group.notReady).push(addressOf(pod));
  }
  return [...groups.keys()].sort().map((key) => {
    const group = groups.get(key) as {
      ports: EndpointPort[];
      ready: EndpointAddress[];
      notReady: EndpointAddress[];
    };
    return {
      ...(group.ready.length > 0 ? { addresses: sortAddresses(group.ready) } : {}),
      ...(group.notReady.length > 0 ? { notReadyAddresses: sortAddresses(group.notReady) } : {}),
      ports: group.ports,
    };
  });
}

/** A pod the Service's Endpoints list: selected, bound, alive. */
function counts(service: Readonly<Service>, pod: Readonly<Pod>): boolean {
  if (pod.metadata.namespace !== service.metadata.namespace) return false;
  if (!selects(service.spec.selector, pod.metadata.labels)) return false;
  if (pod.metadata.deletionTimestamp || !pod.status?.hostIP) return false;
  return pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed';
}

/** The pod's Ready condition. */
export function isReady(pod: Readonly<Pod>): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Where the Service port reaches this pod: `[]` when it names a port the pod does not have. */
function endpointPort(port: ServicePort, pod: Readonly<Pod>): EndpointPort[] {
  const protocol = port.protocol ?? 'TCP';
  const declared = pod.spec.containers.flatMap((c) => c.ports ?? []);
  let containerPort: number;
  if (typeof port.targetPort === 'string') {
    const named = declared.find((p) => p.name === port.targetPort && (p.protocol ?? 'TCP') === protocol);
    if (!named) return [];
    containerPort = named.containerPort;
  } else {
    containerPort = port.targetPort ?? port.port;
  }
  const published = pod.status?.publishedPorts?.find(
    (p) => p.containerPort === containerPort && p.protocol === protocol,
  );
  const wasDeclared = declared.some(
    (p) => p.containerPort === containerPort && (p.protocol ?? 'TCP') === protocol,
  );
  // Declared but not published (yet): not reachable until the kubelet reports it.
  if (!published && wasDeclared) return [];
  return [
    { ...(port.name ? { name: port.name } : {}), port: published?.hostPort ?? containerPort, protocol },
  ];
}

function addressOf(pod: Readonly<Pod>): EndpointAddress {
  return {
    ip: pod.status?.hostIP as string,
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
    },
  };
}

function sortAddresses(addresses: EndpointAddress[]): EndpointAddress[] {
  const key = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.name ?? ''}`;
  return addresses.sort((a, b) => key(a).localeCompare(key(b)));
}
