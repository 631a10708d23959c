/**
 * Pure translations between the runtime interface (`../runtime.ts`) and libpod's shapes: what to
 * send to create a pod or a container, and what a listed or inspected object, or an event, means.
 * `podman-runtime.ts` does the calls; the thinking is here, and so are most of the unit tests.
 */
import type {
  ContainerConfig,
  PortMapping,
  RuntimeContainerState,
  RuntimeContainerStatus,
  RuntimeEvent,
  RuntimeSandboxStatus,
  SandboxConfig,
} from '../runtime.js';
import { SKIFF_LABELS } from '../runtime.js';
import { labelFilter } from './libpod-request.js';
import type {
  ContainerCreateSpec,
  ContainerInspect,
  ContainerListItem,
  LibpodEvent,
  LibpodFilters,
  PodCreateSpec,
  PodInspect,
} from './libpod-types.js';

/** The CFS period Kubernetes uses: a limit of 1 CPU is 100 ms of CPU time every 100 ms. */
export const CPU_PERIOD_US = 100_000;
/** The kernel's smallest quota (1 ms); Kubernetes rounds up to it too. */
const MIN_CPU_QUOTA_US = 1_000;

/** `skiff_<namespace>_<name>_<uid prefix>`: readable in `podman pod ps`, unique per pod uid. */
export function podNameFor(config: SandboxConfig): string {
  return `skiff_${config.namespace}_${config.name}_${config.podUid.slice(0, 8)}`;
}

/** The labels of a pod's sandbox: Skiff's marks, then the caller's extras (never overriding the marks). */
export function sandboxLabels(config: SandboxConfig): Record<string, string> {
  return {
    ...config.labels,
    [SKIFF_LABELS.managed]: 'true',
    [SKIFF_LABELS.node]: config.node,
    [SKIFF_LABELS.podUid]: config.podUid,
    [SKIFF_LABELS.podNamespace]: config.namespace,
    [SKIFF_LABELS.podName]: config.name,
  };
}

/** `POST /pods/create` for a sandbox: ports are published on the pod (its infra container), never later. */
export function podCreateSpec(config: SandboxConfig): PodCreateSpec {
  return {
    name: podNameFor(config),
    hostname: config.hostname,
    labels: sandboxLabels(config),
    portmappings: config.portMappings.map((p) => ({
      host_ip: p.hostIP,
      host_port: p.hostPort,
      container_port: p.containerPort,
      protocol: p.protocol === 'UDP' ? 'udp' : 'tcp',
    })),
  };
}

/**
 * `POST /containers/create` for one run of a container in a pod. Kubernetes `command` is the
 * entrypoint and `args` the cmd; libpod then ignores the image's cmd when an entrypoint is given,
 * as Kubernetes does. Env entries come in order, so a later one with the same name wins.
 */
export function containerCreateSpec(
  pod: { readonly id: string; readonly name: string; readonly labels: Readonly<Record<string, string>> },
  config: ContainerConfig,
): ContainerCreateSpec {
  const env: Record<string, string> = {};
  for (const { name, value } of config.env) env[name] = value;
  return {
    name: `${pod.name}_${config.name}_${config.attempt}`,
    image: config.image,
    pod: pod.id,
    ...(config.command ? { entrypoint: [...config.command] } : {}),
    ...(config.args ? { command: [...config.args] } : {}),
    env,
    ...(config.workingDir ? { work_dir: config.workingDir } : {}),
    mounts: config.mounts.map((m) => ({
      destination: m.containerPath,
      source: m.hostPath,
      type: 'bind' as const,
      options: ['rbind', m.readOnly ? 'ro' : 'rw'],
    })),
    ...(limitsSpec(config.limits) ?? {}),
    labels: {
      [SKIFF_LABELS.managed]: 'true',
      [SKIFF_LABELS.node]: pod.labels[SKIFF_LABELS.node] ?? '',
      [SKIFF_LABELS.podUid]: pod.labels[SKIFF_LABELS.podUid] ?? '',
      [SKIFF_LABELS.podNamespace]: pod.labels[SKIFF_LABELS.podNamespace] ?? '',
      [SKIFF_LABELS.podName]: pod.labels[SKIFF_LABELS.podName] ?? '',
      [SKIFF_LABELS.container]: config.name,
      [SKIFF_LABELS.attempt]: String(config.attempt),
    },
  };
}

function limitsSpec(
  limits: ContainerConfig['limits'],
): Pick<ContainerCreateSpec, 'resource_limits'> | undefined {
  if (!limits || (limits.cpuMillis === undefined && limits.memoryBytes === undefined)) return undefined;
  return {
    resource_limits: {
      ...(limits.cpuMillis === undefined
        ? {}
        : {
            cpu: {
              quota: Math.max(MIN_CPU_QUOTA_US, Math.round((limits.cpuMillis * CPU_PERIOD_US) / 1000)),
              period: CPU_PERIOD_US,
            },
          }),
      ...(limits.memoryBytes === undefined ? {} : { memory: { limit: limits.memoryBytes } }),
    },
  };
}

/**
 * Filters for this node's objects. Infra containers carry their pod's labels (Podman copies them),
 * so containers are also required to have the container-name label, which only Skiff's own have.
 */
export function nodeFilters(node: string, options: { containers: boolean; podUid?: string }): LibpodFilters {
  return {
    label: labelFilter({
      [SKIFF_LABELS.managed]: 'true',
      [SKIFF_LABELS.node]: node,
      ...(options.containers ? { [SKIFF_LABELS.container]: true } : {}),
      ...(options.podUid === undefined ? {} : { [SKIFF_LABELS.podUid]: options.podUid }),
    }),
  };
}

/** libpod's container states → the runtime's four. */
export function containerState(status: string): RuntimeContainerState {
  switch (status.toLowerCase()) {
    case 'running':
    case 'paused':
    case 'stopping':
      return 'running';
    case 'exited':
    case 'stopped':
      return 'exited';
    case 'created':
    case 'configured':
    case 'initialized':
      return 'created';
    default:
      return 'unknown';
  }
}

/** An RFC 3339 time as ms since the epoch; undefined for Go's zero time (`0001-01-01...`) or garbage. */
export function parseTime(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms <= 0 ? undefined : ms;
}

/** Why a container ended, in Kubernetes' words. */
function exitReason(state: RuntimeContainerState, exitCode: number, oomKilled: boolean): string | undefined {
  if (state !== 'exited') return undefined;
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

function attemptOf(labels: Readonly<Record<string, string>>): number {
  const n = Number.parseInt(labels[SKIFF_LABELS.attempt] ?? '0', 10);
  return Number.isNaN(n) ? 0 : n;
}

/** A container from `GET /containers/{id}/json`. */
export function statusFromInspect(c: ContainerInspect): RuntimeContainerStatus {
  const labels = c.Config.Labels;
  const state = containerState(c.State.Status);
  const startedAt = parseTime(c.State.StartedAt);
  // conmon records the exit of a process that ends at once a few ms before Podman records its
  // start: a container never finishes before it started.
  const exitedAt = state === 'exited' ? parseTime(c.State.FinishedAt) : undefined;
  const finishedAt = exitedAt === undefined ? undefined : Math.max(exitedAt, startedAt ?? exitedAt);
  const reason = exitReason(state, c.State.ExitCode, c.State.OOMKilled);
  return {
    id: c.Id,
    sandboxId: c.Pod,
    podUid: labels[SKIFF_LABELS.podUid] ?? '',
    name: labels[SKIFF_LABELS.container] ?? c.Name,
    attempt: attemptOf(labels),
    image: c.ImageName,
    state,
    createdAt: parseTime(c.Created) ?? 0,
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(finishedAt === undefined ? {} : { finishedAt }),
    ...(state === 'exited' ? { exitCode: c.State.ExitCode } : {}),
    ...(reason === undefined ? {} : { reason }),
    ...(c.State.Error ? { message: c.State.Error } : {}),
  };
}

/** A container from `GET /containers/json` (times there are whole seconds; negative: never). */
export function statusFromListItem(c: ContainerListItem): RuntimeContainerStatus {
  const labels = c.Labels;
  const state = containerState(c.State);
  const reason = exitReason(state, c.ExitCode, false);
  return {
    id: c.Id,
    sandboxId: c.Pod,
    podUid: labels[SKIFF_LABELS.podUid] ?? '',
    name: labels[SKIFF_LABELS.container] ?? c.Names[0] ?? c.Id,
    attempt: attemptOf(labels),
    image: c.Image,
    state,
    createdAt: parseTime(c.Created) ?? 0,
    // Whole seconds here: a start in the second of the creation would read as before it.
    ...(c.StartedAt > 0 ? { startedAt: Math.max(c.StartedAt * 1000, parseTime(c.Created) ?? 0) } : {}),
    ...(state === 'exited' && c.ExitedAt > 0
      ? { finishedAt: Math.max(c.ExitedAt * 1000, c.StartedAt * 1000, parseTime(c.Created) ?? 0) }
      : {}),
    ...(state === 'exited' ? { exitCode: c.ExitCode } : {}),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** A sandbox from `GET /pods/{id}/json`; its ports read back from the infra container's bindings. */
export function sandboxFromInspect(p: PodInspect): RuntimeSandboxStatus {
  const portMappings: PortMapping[] = [];
  for (const [key, bindings] of Object.entries(p.InfraConfig?.PortBindings ?? {})) {
    const [port, proto] = key.split('/');
    for (const b of bindings ?? []) {
      portMappings.push({
        containerPort: Number(port),
        hostPort: Number(b.HostPort),
        hostIP: b.HostIp,
        protocol: proto === 'udp' ? 'UDP' : 'TCP',
      });
    }
  }
  return {
    id: p.Id,
    podUid: p.Labels[SKIFF_LABELS.podUid] ?? '',
    namespace: p.Labels[SKIFF_LABELS.podNamespace] ?? '',
    name: p.Labels[SKIFF_LABELS.podName] ?? p.Name,
    // A pod whose containers all exited reports Exited/Degraded; only a running infra makes it ready.
    state: p.State === 'Running' || p.State === 'Degraded' ? 'ready' : 'notready',
    createdAt: parseTime(p.Created) ?? 0,
    portMappings,
  };
}

/**
 * A libpod event as a runtime event, or undefined when it is not one: only `start` and `died` of
 * Skiff's containers (not infra ones) of this node count.
 */
export function runtimeEventFrom(event: LibpodEvent, node: string): RuntimeEvent | undefined {
  if (event.Type !== 'container') return undefined;
  const attrs = event.Actor.Attributes;
  if (attrs[SKIFF_LABELS.managed] !== 'true' || attrs[SKIFF_LABELS.node] !== node) return undefined;
  if (attrs[SKIFF_LABELS.container] === undefined) return undefined;
  const podUid = attrs[SKIFF_LABELS.podUid] ?? '';
  const containerId = event.Actor.ID;
  if (event.Action === 'start') return { type: 'started', containerId, podUid };
  if (event.Action === 'died') {
    const exitCode = Number.parseInt(attrs.containerExitCode ?? '', 10);
    return { type: 'exited', containerId, podUid, exitCode: Number.isNaN(exitCode) ? -1 : exitCode };
  }
  return undefined;
}
