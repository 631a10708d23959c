/**
 * A pod's status, recomputed from scratch every time by a pure function (as Kubernetes'
 * `generateAPIPodStatus`): phase, conditions and one status per container, from the pod, the
 * runtime's containers of it and what the worker knows (back-offs, why a container waits).
 */
import type { Condition } from '../../protocol/meta.js';
import type { Pod } from '../../protocol/resources/pod.js';
import type {
  ContainerState,
  ContainerStatus,
  PodPhase,
  PodStatus,
  PublishedPort,
} from '../../protocol/resources/pod-status.js';
import { latestRuns, shouldRestart } from './plan.js';
import type { PortMapping, RuntimeContainerStatus } from './runtimes/runtime.js';

/** Waiting reasons users recognise, as the kubelet writes them. */
export const ContainerWaitingReasons = {
  creating: 'ContainerCreating',
  crashLoop: 'CrashLoopBackOff',
  errImagePull: 'ErrImagePull',
  imagePullBackOff: 'ImagePullBackOff',
  createError: 'CreateContainerError',
  configError: 'CreateContainerConfigError',
} as const;

/** What the worker knows beyond the runtime's view. */
export interface PodStatusInputs {
  readonly pod: Pod;
  readonly containers: readonly RuntimeContainerStatus[];
  readonly runtime: string;
  readonly hostIP: string;
  readonly now: number;
  /** Containers waiting out a CrashLoopBackOff, with when it ends. */
  readonly backingOff: ReadonlyMap<string, number>;
  /** Containers that could not be created: why (`ErrImagePull`, ...) and the message. */
  readonly waiting: ReadonlyMap<string, { readonly reason: string; readonly message: string }>;
  /** Probe results by container name: started (startup probe passed) and ready (readiness). */
  readonly probes?: ReadonlyMap<string, { readonly started: boolean; readonly ready: boolean }>;
  /** The ports the pod's sandbox publishes on the node (none before it exists). */
  readonly portMappings?: readonly PortMapping[];
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The status the kubelet reports for a pod now. */
export function calculatePodStatus(inputs: PodStatusInputs): PodStatus {
  const { pod, now } = inputs;
  const latest = latestRuns(inputs.containers);
  const byId = new Map(inputs.containers.map((c) => [`${c.name}/${c.attempt}`, c]));
  const containerStatuses = pod.spec.containers.map((container) => {
    const run = latest.get(container.name);
    const previous = run && run.attempt > 0 ? byId.get(`${container.name}/${run.attempt - 1}`) : undefined;
    return containerStatus(inputs, container.name, container.image, run, previous);
  });
  const allReady = containerStatuses.length > 0 && containerStatuses.every((c) => c.ready);
  const phase = podPhase(pod, containerStatuses);
  const conditions = mergeConditions(pod.status?.conditions ?? [], now, {
    Initialized: true,
    ContainersReady: allReady && phase === 'Running',
    Ready: allReady && phase === 'Running',
  });
  return {
    ...pod.status,
    phase,
    conditions,
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    podIP: inputs.hostIP,
    podIPs: [{ ip: inputs.hostIP }],
    ...publishedPortsOf(pod, inputs.portMappings ?? []),
    startTime: pod.status?.startTime ?? (iso(now) as string),
    containerStatuses,
  };
}

/**
 * The pod's published ports, each named after the container port it serves: what the Endpoints
 * controller turns into `hostIP:hostPort` addresses. Absent until the sandbox publishes any.
 */
function publishedPortsOf(pod: Pod, mappings: readonly PortMapping[]): { publishedPorts?: PublishedPort[] } {
  const published: PublishedPort[] = [];
  for (const container of pod.spec.containers) {
    for (const port of container.ports ?? []) {
      const protocol = port.protocol ?? 'TCP';
      const mapping = mappings.find((m) => m.containerPort === port.containerPort && m.protocol === protocol);
      if (!mapping) continue;
      published.push({
        containerName: container.name,
        ...(port.name ? { name: port.name } : {}),
        containerPort: port.containerPort,
        protocol,
        hostIP: mapping.hostIP,
        hostPort: mapping.hostPort,
      });
    }
  }
  return published.length > 0 ? { publishedPorts: published } : {};
}

function containerStatus(
  inputs: PodStatusInputs,
  name: string,
  image: string,
  run: RuntimeContainerStatus | undefined,
  previous: RuntimeContainerStatus | undefined,
): ContainerStatus {
  const backOffUntil = inputs.backingOff.get(name);
  const waiting = inputs.waiting.get(name);
  let state: ContainerState;
  if (waiting && (!run || run.state === 'exited')) state = { waiting };
  else if (!run) state = { waiting: { reason: ContainerWaitingReasons.creating } };
  else if (run.state === 'running') state = { running: { startedAt: iso(run.startedAt ?? run.createdAt) } };
  else if (run.state === 'exited' && backOffUntil !== undefined) {
    const seconds = Math.ceil((backOffUntil - (run.finishedAt ?? inputs.now)) / 1000);
    state = {
      waiting: {
        reason: ContainerWaitingReasons.crashLoop,
        message: `back-off ${seconds}s restarting failed container=${name} pod=${inputs.pod.metadata.name}_${inputs.pod.metadata.namespace}(${inputs.pod.metadata.uid})`,
      },
    };
  } else if (run.state === 'exited') state = { terminated: terminated(inputs.runtime, run) };
  else state = { waiting: { reason: ContainerWaitingReasons.creating } };

  // While backing off, the run that failed is the "last state", as `kubectl describe` shows it.
  const last = state.waiting && run?.state === 'exited' ? run : previous;
  const probed = inputs.probes?.get(name);
  return {
    name,
    image,
    imageID: '',
    ready: state.running !== undefined && (probed?.ready ?? true),
    started: state.running !== undefined && (probed?.started ?? true),
    restartCount: run?.attempt ?? 0,
    ...(run ? { containerID: `${inputs.runtime}://${run.id}` } : {}),
    state,
    ...(last && last.state === 'exited'
      ? { lastState: { terminated: terminated(inputs.runtime, last) } }
      : {}),
  };
}

function terminated(runtime: string, run: RuntimeContainerStatus) {
  const exitCode = run.exitCode ?? 0;
  return {
    exitCode,
    reason: run.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
    ...(run.message ? { message: run.message } : {}),
    startedAt: iso(run.startedAt ?? run.createdAt),
    finishedAt: iso(run.finishedAt),
    containerID: `${runtime}://${run.id}`,
  };
}

/**
 * Kubernetes' phase rules: Pending until every container has started once; Succeeded or Failed
 * when every container finished for good (its restart policy will not run it again); else Running.
 */
function podPhase(pod: Pod, statuses: readonly ContainerStatus[]): PodPhase {
  const everStarted = statuses.every(
    (s) => s.state?.running || s.state?.terminated || s.lastState?.terminated,
  );
  if (!everStarted) return 'Pending';
  const done = statuses.every((s) => {
    const t = s.state?.terminated;
    return t !== undefined && !shouldRestart(pod.spec.restartPolicy, t.exitCode);
  });
  if (done) return statuses.every((s) => s.state?.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
  return 'Running';
}

/** Sets the kubelet's conditions, keeping others (PodScheduled) and transition times that hold. */
function mergeConditions(
  existing: readonly Condition[],
  now: number,
  wanted: Readonly<Record<string, boolean>>,
): Condition[] {
  const out = existing.filter((c) => !(c.type in wanted)).map((c) => ({ ...c }));
  for (const [type, ok] of Object.entries(wanted)) {
    const status = ok ? 'True' : 'False';
    const before = existing.find((c) => c.type === type);
    const lastTransitionTime = before?.status === status ? before.lastTransitionTime : (iso(now) as string);
    out.push({
      type,
      status,
      lastTransitionTime,
      ...(ok ? {} : { reason: type === 'Initialized' ? 'ContainersNotInitialized' : 'ContainersNotReady' }),
    } as Condition);
  }
  return out;
}
