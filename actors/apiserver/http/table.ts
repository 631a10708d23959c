/**
 * Server-side printing: a list or object rendered as a `meta.k8s.io/v1` Table, which kubectl asks
 * for (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) and prints as it is. Columns follow
 * kubectl's for the kinds people look at most (pods, deployments, replica sets, namespaces, nodes,
 * services, config maps, secrets); every other kind gets NAME and AGE.
 */
import type { AnyObject, ResourceType } from '../../../protocol/resources/registry.js';

type Cell = string | number;

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer';
  readonly format?: 'name';
  /** 0: always shown; 1: with `-o wide`. */
  readonly priority?: number;
  readonly value: (obj: Loose, now: number) => Cell;
}

/** Objects read loosely: printing tolerates any shape the schema allowed. */
type Loose = AnyObject & {
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
  readonly data?: Record<string, unknown>;
  readonly type?: string;
};

/** What a row carries besides its cells (`includeObject`). */
export type IncludeObject = 'None' | 'Object' | 'PartialObjectMetadata';

/** True when the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

/** Reads `includeObject` (default PartialObjectMetadata, as Kubernetes). */
export function includeObjectOf(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'PartialObjectMetadata';
}

/** Renders a list (`items`) or one object as a Table. */
export function toTable(type: ResourceType, body: unknown, include: IncludeObject, now: number): object {
  const doc = body as { items?: Loose[]; metadata?: { resourceVersion?: string; continue?: string } };
  const isList = Array.isArray(doc.items);
  const items: Loose[] = isList ? (doc.items as Loose[]) : [body as Loose];
  const columns = columnsFor(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: isList
      ? {
          resourceVersion: doc.metadata?.resourceVersion ?? '',
          ...(doc.metadata?.continue ? { continue: doc.metadata.continue } : {}),
        }
      : { resourceVersion: (body as Loose).metadata.resourceVersion ?? '' },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: items.map((obj) => ({
      cells: columns.map((c) => c.value(obj, now)),
      ...(include === 'None' ? {} : { object: include === 'Object' ? obj : partial(obj) }),
    })),
  };
}

function partial(obj: Loose): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

const name: Column = { name: 'Name', type: 'string', format: 'name', value: (o) => o.metadata.name ?? '' };
const age: Column = {
  name: 'Age',
  type: 'string',
  value: (o, now) => {
    const created = Date.parse(o.metadata.creationTimestamp ?? '');
    return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
  },
};
const num = (column: string, read: (o: Loose) => unknown): Column => ({
  name: column,
  type: 'integer',
  value: (o) => Number(read(o) ?? 0),
});
const text = (column: string, read: (o: Loose) => unknown, priority = 0): Column => ({
  name: column,
  type: 'string',
  priority,
  value: (o) => String(read(o) ?? '<none>'),
});

/** The value at a dotted path of a loosely read object. */
function at(o: unknown, path: string): unknown {
  let value = o;
  for (const key of path.split('.')) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** `80:30080/TCP,53/UDP`, as kubectl prints a Service's ports. */
function servicePorts(o: Loose): string | undefined {
  const ports = list(at(o, 'spec.ports')) as { port: number; nodePort?: number; protocol?: string }[];
  if (ports.length === 0) return undefined;
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** `127.0.0.1:40001,127.0.0.1:40002 + 3 more...`, as kubectl prints Endpoints (ready addresses only). */
function endpointsList(o: Loose): string | undefined {
  const all: string[] = [];
  for (const subset of list(at(o, 'subsets')) as {
    addresses?: { ip: string }[];
    ports?: { port: number }[];
  }[]) {
    for (const address of subset.addresses ?? []) {
      const ports = subset.ports ?? [];
      if (ports.length === 0) all.push(address.ip);
      for (const port of ports) all.push(`${address.ip}:${port.port}`);
    }
  }
  if (all.length === 0) return undefined;
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

function jobStatus(o: Loose): string {
  const conditions = list(at(o, 'status.conditions')) as { type: string; status: string }[];
  const holds = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
  if (holds('Complete')) return 'Complete';
  if (holds('Failed')) return 'Failed';
  return 'Running';
}

function labelList(labels: unknown): string | undefined {
  const entries = Object.entries((labels ?? {}) as Record<string, string>);
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

function addressOf(o: Loose, type: string): string | undefined {
  return (list(at(o, 'status.addresses')) as { type: string; address: string }[]).find((a) => a.type === type)
    ?.address;
}

function columnsFor(type: ResourceType): Column[] {
  switch (type.kind) {
    case 'Pod':
      return [
        name,
        text('Ready', podReady),
        text('Status', podStatus),
        num('Restarts', (o) => statuses(o).reduce((n, s) => n + Number(s.restartCount ?? 0), 0)),
        age,
        text('IP', (o) => o.status?.podIP, 1),
        text('Node', (o) => o.spec?.nodeName, 1),
      ];
    case 'Deployment':
      return [
        name,
        text('Ready', (o) => `${Number(o.status?.readyReplicas ?? 0)}/${Number(o.spec?.replicas ?? 0)}`),
        num('Up-to-date', (o) => o.status?.updatedReplicas),
        num('Available', (o) => o.status?.availableReplicas),
        age,
      ];
    case 'ReplicaSet':
      return [
        name,
        num('Desired', (o) => o.spec?.replicas),
        num('Current', (o) => o.status?.replicas),
        num('Ready', (o) => o.status?.readyReplicas),
        age,
      ];
    case 'Namespace':
      return [name, text('Status', (o) => o.status?.phase), age];
    case 'Node':
      return [
        name,
        text('Status', nodeStatus),
        text('Roles', () => undefined),
        age,
        text('Version', (o) => at(o, 'status.nodeInfo.kubeletVersion')),
        text('Internal-IP', (o) => addressOf(o, 'InternalIP'), 1),
      ];
    case 'Service':
      return [
        name,
        text('Type', (o) => o.spec?.type),
        text('Cluster-IP', (o) => o.spec?.clusterIP),
        text('External-IP', (o) => (list(at(o, 'spec.externalIPs')) as string[]).join(',') || undefined),
        text('Port(s)', servicePorts),
        age,
        text('Selector', (o) => labelList(at(o, 'spec.selector')), 1),
      ];
    case 'Endpoints':
      return [name, text('Endpoints', endpointsList), age];
    case 'Job':
      return [
        name,
        text('Status', jobStatus),
        text('Completions', (o) => `${Number(o.status?.succeeded ?? 0)}/${Number(o.spec?.completions ?? 1)}`),
        age,
      ];
    case 'DaemonSet':
      return [
        name,
        num('Desired', (o) => o.status?.desiredNumberScheduled),
        num('Current', (o) => o.status?.currentNumberScheduled),
        num('Ready', (o) => o.status?.numberReady),
        num('Up-to-date', (o) => o.status?.updatedNumberScheduled),
        num('Available', (o) => o.status?.numberAvailable),
        text('Node Selector', (o) => labelList(at(o, 'spec.template.spec.nodeSelector'))),
        age,
      ];
    case 'ConfigMap':
      return [name, num('Data', (o) => Object.keys(o.data ?? {}).length), age];
    case 'Secret':
      return [name, text('Type', (o) => o.type), num('Data', (o) => Object.keys(o.data ?? {}).length), age];
    default:
      return [name, age];
  }
}

type ContainerStatus = { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string } } };

function statuses(o: Loose): ContainerStatus[] {
  const list = o.status?.containerStatuses;
  return Array.isArray(list) ? (list as ContainerStatus[]) : [];
}

function podReady(o: Loose): string {
  const containers = Array.isArray(o.spec?.containers) ? o.spec.containers.length : 0;
  return `${statuses(o).filter((s) => s.ready).length}/${containers}`;
}

function podStatus(o: Loose): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  const waiting = statuses(o).find((s) => s.state?.waiting?.reason)?.state?.waiting?.reason;
  return waiting ?? String(o.status?.phase ?? 'Pending');
}

function nodeStatus(o: Loose): string {
  const conditions = Array.isArray(o.status?.conditions)
    ? (o.status.conditions as { type?: string; status?: string }[])
    : [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const state = ready?.status === 'True' ? 'Ready' : 'NotReady';
  return o.spec?.unschedulable ? `${state},SchedulingDisabled` : state;
}

/** kubectl's HumanDuration: `42s`, `3m20s`, `5h`, `2d3h`, `1y20d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const pair = (a: number, ua: string, b: number, ub: string) =>
    b === 0 ? `${a}${ua}` : `${a}${ua}${b}${ub}`;
  if (minutes < 10) return pair(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return pair(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) return pair(Math.floor(hours / 24 / 365), 'y', Math.floor(hours / 24) % 365, 'd');
  return `${Math.floor(hours / 24 / 365)}y`;
}
