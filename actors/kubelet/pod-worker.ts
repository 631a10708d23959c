/**
 * The pod worker: one supervised actor per pod (Kubernetes' pod workers), so a failure in one
 * pod's handling restarts that worker, not the node. Its only message is "sync": it re-reads the
 * pod from the informer and the pod's containers from the runtime, plans (plan.ts), acts, and
 * writes the recomputed status (status.ts) when it changed. Level-triggered: ten events cost one
 * sync, and a lost event costs nothing but the next sync.
 *
 *   sync ──▶ pod (informer) + containers (runtime) ──planPod──▶ start / stop / finish
 *                                                            └─▶ calculatePodStatus ──▶ status write
 */
import type { ApiClient } from '../../protocol/client/api-client.js';
import type { Clock, Timer } from '../../protocol/clock.js';
import { ContainerConfigError, ImagePullError, isReason } from '../../protocol/errors.js';
import { parseQuantity, toInt, toMilli } from '../../protocol/quantity.js';
import type { Container } from '../../protocol/resources/container.js';
import type { Pod } from '../../protocol/resources/pod.js';
import type { ActorContext, ActorFactory, ActorLogic } from '../kernel/actor.js';
import { type ConfigSources, prepareVolumes, resolveEnvironment } from './config.js';
import { type CrashLoopPolicy, crashLoopDelay, defaultCrashLoopPolicy, planPod } from './plan.js';
import { ProbeTracker, probesOf, runProbe } from './probes.js';
import type {
  ContainerConfig,
  ContainerRuntime,
  PortMapping,
  RuntimeContainerStatus,
} from './runtimes/runtime.js';
import { ContainerWaitingReasons, calculatePodStatus } from './status.js';

export type PodWorkerMsg =
  | { readonly type: 'sync' }
  | { readonly type: 'probe'; readonly containerId: string };

/** What a pod worker depends on. */
export interface PodWorkerDeps {
  readonly podUid: string;
  readonly node: string;
  readonly hostIP: string;
  readonly runtime: ContainerRuntime;
  readonly client: ApiClient;
  readonly clock: Clock;
  /** The pod as the informer holds it now (undefined once it left the API). */
  readonly currentPod: () => Readonly<Pod> | undefined;
  /** The host port to publish a container port on (the runtime's rule: podman allocates). */
  readonly hostPortFor: (containerPort: number, requested: number | undefined) => Promise<number>;
  /** Where logs of runtimes that keep them in files go (process, hollow). */
  readonly logDirectory?: string;
  /** ConfigMaps and Secrets, for environments and volumes. */
  readonly configSources: ConfigSources;
  /** Where the pod's volumes are written (`<dir>/<pod uid>/volumes/<volume>`). */
  readonly volumeDirectory: string;
  readonly crashLoop?: CrashLoopPolicy;
  /** Called once the pod is gone from the API and from the runtime: the worker can be stopped. */
  readonly onDone: (podUid: string) => void;
}

/** The factory of one pod's worker. */
export function podWorker(deps: PodWorkerDeps): ActorFactory<PodWorkerMsg> {
  const policy = deps.crashLoop ?? defaultCrashLoopPolicy;
  // Survives restarts of the worker: image pulls keep backing off across them.
  const pullFailures = new Map<string, { count: number; until: number; message: string }>();
  return (): ActorLogic<PodWorkerMsg> => {
    let wake: Timer | undefined;
    let done = false;
    // What the sandbox publishes: learnt when it is made or first read, reported in the status.
    let published: readonly PortMapping[] | undefined;
    // Probes of each running container run (by runtime container id), and their next tick.
    const trackers = new Map<string, { tracker: ProbeTracker; name: string; timer?: Timer }>();

    const schedule = (ctx: ActorContext<PodWorkerMsg>, at: number | undefined) => {
      wake?.cancel();
      wake = undefined;
      if (at === undefined) return;
      wake = ctx.clock.setTimeout(() => ctx.self.send({ type: 'sync' }), Math.max(0, at - ctx.clock.now()));
    };

    async function sync(ctx: ActorContext<PodWorkerMsg>): Promise<void> {
      if (done) return;
      const pod = deps.currentPod();
      if (!pod) return cleanUp(ctx);
      const now = ctx.clock.now();
      const containers = await deps.runtime.listContainers({ podUid: deps.podUid });
      const plan = planPod(pod as Pod, containers, now, policy);

      const stops = plan.actions.filter((a) => a.type === 'stop');
      if (stops.length > 0) {
        // Stopped together, each with what is left of the pod's grace period.
        await Promise.all(stops.map((a) => deps.runtime.stopContainer(a.containerId, a.gracePeriodMs)));
        ctx.self.send({ type: 'sync' });
        return;
      }
      if (plan.actions.some((a) => a.type === 'finish')) return finish(ctx, pod as Pod);

      const waiting = new Map<string, { reason: string; message: string }>();
      let wakeAt = plan.wakeAt;
      for (const action of plan.actions) {
        if (action.type !== 'start') continue;
        const container = pod.spec.containers.find((c) => c.name === action.container) as Container;
        const pulled = pullFailures.get(container.name);
        if (pulled && pulled.until > now) {
          waiting.set(container.name, {
            reason: ContainerWaitingReasons.imagePullBackOff,
            message: pulled.message,
          });
          wakeAt = Math.min(wakeAt ?? pulled.until, pulled.until);
          continue;
        }
        try {
          await startContainer(ctx, pod as Pod, container, action.attempt);
          pullFailures.delete(container.name);
        } catch (err) {
          if (err instanceof ContainerConfigError) {
            // A ConfigMap or Secret (or a key) is missing: say so, and look again soon.
            waiting.set(container.name, {
              reason: ContainerWaitingReasons.configError,
              message: err.message,
            });
            const retry = ctx.clock.now() + policy.baseMs;
            wakeAt = Math.min(wakeAt ?? retry, retry);
            continue;
          }
          if (!(err instanceof ImagePullError)) throw err; // the supervisor restarts this worker
          // The back-off runs from the failure (a pull can take seconds to fail), not from the sync.
          const count = (pulled?.count ?? 0) + 1;
          const until = ctx.clock.now() + crashLoopDelay(policy, count);
          pullFailures.set(container.name, { count, until, message: err.message });
          waiting.set(container.name, { reason: ContainerWaitingReasons.errImagePull, message: err.message });
          wakeAt = Math.min(wakeAt ?? until, until);
        }
      }
      schedule(ctx, wakeAt);
      // Probes first: a container with a readiness probe is not ready until it passes, so the
      // status written below must already know the probe is there.
      // One read of what runs now serves both: probes to follow and the status to report.
      const current = await deps.runtime.listContainers({ podUid: deps.podUid });
      await followProbes(ctx, pod as Pod, current);
      await reportStatus(ctx, pod as Pod, current, plan.backingOff, waiting);
    }

    async function startContainer(
      ctx: ActorContext<PodWorkerMsg>,
      pod: Pod,
      container: Container,
      attempt: number,
    ) {
      const env = await resolveEnvironment(pod, container, deps.hostIP, deps.configSources);
      const mounts = await prepareVolumes(pod, container, deps.volumeDirectory, deps.configSources);
      const sandboxId = await ensureSandbox(pod);
      if (!(await deps.runtime.imageExists(container.image))) await deps.runtime.pullImage(container.image);
      const config = { ...containerConfig(container, attempt, deps.logDirectory), env, mounts };
      const id = await deps.runtime.createContainer(sandboxId, config);
      await deps.runtime.startContainer(id);
      ctx.log.info({ pod: podKey(pod), container: container.name, attempt }, 'container started');
    }

    async function ensureSandbox(pod: Pod): Promise<string> {
      const existing = (await deps.runtime.listPodSandboxes({ podUid: deps.podUid }))[0];
      if (existing?.state === 'ready') {
        published = existing.portMappings;
        return existing.id;
      }
      if (existing) await deps.runtime.removePodSandbox(existing.id);
      const portMappings: PortMapping[] = [];
      for (const container of pod.spec.containers) {
        for (const port of container.ports ?? []) {
          const hostPort = await deps.hostPortFor(port.containerPort, port.hostPort);
          portMappings.push({
            containerPort: port.containerPort,
            hostPort,
            hostIP: port.hostIP ?? deps.hostIP,
            protocol: port.protocol === 'UDP' ? 'UDP' : 'TCP',
          });
        }
      }
      published = portMappings;
      return deps.runtime.runPodSandbox({
        podUid: deps.podUid,
        namespace: pod.metadata.namespace ?? 'default',
        name: pod.metadata.name ?? '',
        node: deps.node,
        hostname: pod.spec.hostname ?? pod.metadata.name ?? '',
        portMappings,
      });
    }

    /** Every container stopped: remove the sandbox and let the API forget the pod. */
    async function finish(ctx: ActorContext<PodWorkerMsg>, pod: Pod): Promise<void> {
      await removeFromRuntime();
      try {
        await deps.client.delete('pods', pod.metadata.namespace ?? 'default', pod.metadata.name ?? '', {
          gracePeriodSeconds: 0,
          preconditions: { uid: deps.podUid },
        });
      } catch (err) {
        // Gone already, or replaced by a pod of the same name (another uid): nothing left to finish.
        if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
      }
      ctx.log.info({ pod: podKey(pod) }, 'pod terminated');
    }

    /** The pod left the API (finished, or deleted by force): nothing of it may keep running. */
    async function cleanUp(ctx: ActorContext<PodWorkerMsg>): Promise<void> {
      const running = (await deps.runtime.listContainers({ podUid: deps.podUid })).filter(
        (c) => c.state === 'running' || c.state === 'created',
      );
      await Promise.all(running.map((c) => deps.runtime.stopContainer(c.id, 2_000)));
      await removeFromRuntime();
      done = true;
      schedule(ctx, undefined);
      deps.onDone(deps.podUid);
    }

    async function removeFromRuntime(): Promise<void> {
      for (const sandbox of await deps.runtime.listPodSandboxes({ podUid: deps.podUid })) {
        if (sandbox.podUid !== deps.podUid) continue;
        await deps.runtime.stopPodSandbox(sandbox.id);
        await deps.runtime.removePodSandbox(sandbox.id);
      }
    }

    /** Starts probing new running containers (after their initial delay) and forgets gone ones. */
    async function followProbes(
      ctx: ActorContext<PodWorkerMsg>,
      pod: Pod,
      containers: readonly RuntimeContainerStatus[],
    ): Promise<void> {
      const running = containers.filter((c) => c.state === 'running');
      const ids = new Set(running.map((c) => c.id));
      for (const [id, entry] of trackers) {
        if (ids.has(id)) continue;
        entry.timer?.cancel();
        trackers.delete(id);
      }
      for (const c of running) {
        if (trackers.has(c.id)) continue;
        const container = pod.spec.containers.find((s) => s.name === c.name);
        const probes = container ? probesOf(container) : {};
        if (Object.keys(probes).length === 0) continue;
        const entry: { tracker: ProbeTracker; name: string; timer?: Timer } = {
          tracker: new ProbeTracker(probes),
          name: c.name,
        };
        trackers.set(c.id, entry);
        const first = Math.min(...Object.values(probes).map((p) => (p?.initialDelaySeconds ?? 0) * 1000));
        entry.timer = ctx.clock.setTimeout(() => ctx.self.send({ type: 'probe', containerId: c.id }), first);
      }
    }

    /** One round of a container's due probes, and what follows: a kill, a status change, the next round. */
    async function probe(ctx: ActorContext<PodWorkerMsg>, containerId: string): Promise<void> {
      const entry = trackers.get(containerId);
      const pod = deps.currentPod() as Pod | undefined;
      const container = pod?.spec.containers.find((c) => c.name === entry?.name);
      if (!entry || !pod || !container || pod.metadata.deletionTimestamp) return;
      const probes = probesOf(container);
      const sandbox = (await deps.runtime.listPodSandboxes({ podUid: deps.podUid }))[0];
      const target = {
        containerId,
        hostIP: deps.hostIP,
        portMappings: sandbox?.portMappings ?? [],
        namedPorts: new Map(
          pod.spec.containers.flatMap((c) =>
            (c.ports ?? []).filter((p) => p.name).map((p) => [p.name as string, p.containerPort] as const),
          ),
        ),
      };
      let statusChanged = false;
      for (const kind of entry.tracker.due()) {
        const spec = probes[kind];
        if (!spec) continue;
        const verdict = entry.tracker.record(kind, await runProbe(deps.runtime, spec, target));
        if (verdict === 'ready-changed') statusChanged = true;
        if (verdict === 'kill') {
          ctx.log.info(
            { pod: podKey(pod), container: entry.name, probe: kind },
            'probe failed: killing the container',
          );
          trackers.delete(containerId);
          await deps.runtime.stopContainer(containerId, pod.spec.terminationGracePeriodSeconds * 1000);
          ctx.self.send({ type: 'sync' });
          return;
        }
      }
      if (statusChanged) ctx.self.send({ type: 'sync' });
      const period = Math.min(...entry.tracker.due().map((k) => (probes[k]?.periodSeconds ?? 10) * 1000));
      entry.timer = ctx.clock.setTimeout(() => ctx.self.send({ type: 'probe', containerId }), period);
    }

    async function reportStatus(
      ctx: ActorContext<PodWorkerMsg>,
      pod: Pod,
      containers: readonly RuntimeContainerStatus[],
      backingOff: ReadonlyMap<string, number>,
      waiting: ReadonlyMap<string, { reason: string; message: string }>,
    ): Promise<void> {
      // A worker that adopted running containers (kubelet restart) reads the sandbox's ports once.
      if (published === undefined && containers.length > 0) {
        published = (await deps.runtime.listPodSandboxes({ podUid: deps.podUid }))[0]?.portMappings ?? [];
      }
      const status = calculatePodStatus({
        pod,
        containers,
        runtime: deps.runtime.name,
        hostIP: deps.hostIP,
        now: ctx.clock.now(),
        backingOff,
        waiting,
        portMappings: published ?? [],
        probes: new Map(
          [...trackers.values()].map(({ name, tracker }) => [
            name,
            { started: tracker.started, ready: tracker.ready },
          ]),
        ),
      });
      // Compared with what the API holds, not with what this worker wrote last: someone else (the
      // node lifecycle controller marking the pod not ready while the node was unreachable) may
      // have changed it since, and the kubelet's view must win again.
      if (JSON.stringify(status) === JSON.stringify(pod.status)) return;
      try {
        await deps.client.updateStatus('pods', { ...pod, status });
      } catch (err) {
        // A newer pod is on its way from the informer; its sync writes the status again.
        if (!isReason(err, 'Conflict') && !isReason(err, 'NotFound')) throw err;
      }
    }

    return {
      start: (ctx) => {
        ctx.self.send({ type: 'sync' });
      },
      receive: (msg, ctx) => (msg.type === 'sync' ? sync(ctx) : probe(ctx, msg.containerId)),
      stop: () => {
        wake?.cancel();
        for (const { timer } of trackers.values()) timer?.cancel();
      },
    };
  };
}

/** The runtime's view of one run of a container of the pod. */
export function containerConfig(
  container: Container,
  attempt: number,
  logDirectory?: string,
): ContainerConfig {
  const limits = container.resources?.limits ?? {};
  const cpu = limits.cpu === undefined ? undefined : toMilli(parseQuantity(String(limits.cpu)));
  const memory = limits.memory === undefined ? undefined : toInt(parseQuantity(String(limits.memory)));
  return {
    name: container.name,
    image: container.image,
    ...(container.command ? { command: container.command } : {}),
    ...(container.args ? { args: container.args } : {}),
    // `value` only: references (configMapKeyRef, fieldRef, ...) come with the configuration work.
    env: (container.env ?? [])
      .filter((e) => e.value !== undefined)
      .map((e) => ({ name: e.name, value: e.value ?? '' })),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    mounts: [],
    ...(cpu !== undefined || memory !== undefined
      ? {
          limits: {
            ...(cpu !== undefined ? { cpuMillis: cpu } : {}),
            ...(memory !== undefined ? { memoryBytes: memory } : {}),
          },
        }
      : {}),
    attempt,
    ...(logDirectory ? { logDirectory } : {}),
  };
}

function podKey(pod: Pod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}
