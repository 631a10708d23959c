/**
 * The podman runtime: real containers through Podman's libpod REST API, one Podman pod per Skiff
 * pod (BLUEPRINT.md, Networking model).
 *
 *   runPodSandbox    POST /pods/create (labels, hostname, ports on hostIP:hostPort) + start: the
 *                    infra container holds the network namespace every container joins
 *   createContainer  POST /containers/create in that pod (command → entrypoint, args → cmd, env,
 *                    workdir, bind mounts, CFS quota and memory limit, Skiff's labels)
 *   stopContainer    SIGTERM, wait up to the grace period, SIGKILL, wait: timed here in ms, since
 *                    libpod's own stop timeout counts whole seconds
 *   events()         GET /events?stream=true (start, died with the exit code), reopened from the
 *                    last event's time whenever the stream ends, so no exit is lost to a reconnect
 *
 * Every object carries SKIFF_LABELS with this node's name: lists and events only ever see this
 * node's objects, and a restarted kubelet adopts them.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { RuntimeObjectNotFoundError } from '../../../../protocol/errors.js';
import { type Logger, noopLogger } from '../../../../protocol/logger.js';
import type {
  ContainerConfig,
  ContainerRuntime,
  EventSubscription,
  ExecResult,
  LogOptions,
  LogStream,
  RuntimeContainerStatus,
  RuntimeEvent,
  RuntimeSandboxStatus,
  SandboxConfig,
} from '../runtime.js';
import { SKIFF_LABELS } from '../runtime.js';
import { DEFAULT_PODMAN_SOCKET, LibpodClient, type ResponseStream } from './libpod-client.js';
import type { LibpodEvent } from './libpod-types.js';
import {
  containerCreateSpec,
  nodeFilters,
  podCreateSpec,
  podNameFor,
  runtimeEventFrom,
  sandboxFromInspect,
  statusFromInspect,
  statusFromListItem,
} from './podman-mapping.js';

export interface PodmanRuntimeOptions {
  /** This kubelet's node: label `io.skiff.node` on everything it creates, and the filter on what it sees. */
  readonly node: string;
  /** Default `/run/podman/podman.sock`. */
  readonly socketPath?: string;
  /** A client to use instead of one on `socketPath` (the runtime then does not close it). */
  readonly client?: LibpodClient;
  /** Timeout of each libpod call (default 30 s). */
  readonly timeoutMs?: number;
  /** How long a pull may take before it is an `ImagePullError` (default 5 min). */
  readonly pullTimeoutMs?: number;
  /** Delay before reopening an event stream that ended, doubling to 5 s (default 100 ms). */
  readonly eventRetryMs?: number;
  readonly log?: Logger;
}

const DEFAULT_PULL_TIMEOUT_MS = 5 * 60_000;
const MAX_EVENT_RETRY_MS = 5_000;

/** Containers and pods on one node, through one Podman service. */
export class PodmanRuntime implements ContainerRuntime {
  readonly name = 'podman' as const;
  private readonly client: LibpodClient;
  private readonly ownsClient: boolean;
  private readonly node: string;
  private readonly log: Logger;
  private readonly subscriptions = new Set<EventSubscription>();
  private readonly logStreams = new Set<LogStream>();

  constructor(private readonly options: PodmanRuntimeOptions) {
    this.node = options.node;
    this.log = options.log ?? noopLogger;
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      new LibpodClient({
        socketPath: options.socketPath ?? DEFAULT_PODMAN_SOCKET,
        timeoutMs: options.timeoutMs,
      });
  }

  async version(): Promise<string> {
    const { version } = await this.client.version();
    return `podman://${version}`;
  }

  // -------------------------------------------------------------------------------------------
  // Sandboxes

  async runPodSandbox(requested: SandboxConfig): Promise<string> {
    // Objects are this runtime's node's, whatever the config says (as in the other runtimes).
    const config = { ...requested, node: this.node };
    let id: string;
    try {
      id = await this.client.createPod(podCreateSpec(config));
    } catch (err) {
      // A retry after a create whose answer was lost: the pod exists under its name, with our uid.
      const existing = await this.client.inspectPod(podNameFor(config)).catch(() => undefined);
      if (existing?.Labels[SKIFF_LABELS.podUid] !== config.podUid) throw err;
      id = existing.Id;
    }
    await this.client.startPod(id);
    return id;
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    // SIGKILL, not libpod's pod stop: its `t=0` means "the default 10 s", and the kubelet already
    // gave each container its grace period.
    const pod = await ignoreNotFound(this.client.inspectPod(sandboxId));
    if (pod === undefined) return;
    const running = pod.Containers.filter((c) => c.State === 'running');
    if (running.length > 0) {
      try {
        await this.client.killPod(sandboxId, 'SIGKILL');
      } catch (err) {
        // 409 "no running containers": they exited meanwhile. Anything else with one still running is real.
        const again = await ignoreNotFound(this.client.inspectPod(sandboxId));
        if (again?.Containers.some((c) => c.State === 'running')) throw err;
      }
      await Promise.all(running.map((c) => ignoreNotFound(this.client.waitContainer(c.Id))));
    }
    // Nothing runs now: this only records the pod as stopped (304 when it already was).
    await ignoreNotFound(this.client.stopPod(sandboxId));
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    // A forced remove would stop what still runs with a 10 s SIGTERM grace: kill it first.
    await this.stopPodSandbox(sandboxId);
    await ignoreNotFound(this.client.removePod(sandboxId, { force: true }));
  }

  async listPodSandboxes(filter: { readonly podUid?: string } = {}): Promise<RuntimeSandboxStatus[]> {
    // libpod's label filter also matches values that merely start with the one asked for
    // (`node-a` finds `node-a-other`'s objects): keep only exact matches.
    // One pod's sandbox is asked for by label, so starting a pod never inspects every other one.
    const pods = (
      await this.client.listPods(nodeFilters(this.node, { containers: false, podUid: filter.podUid }))
    ).filter((p) => p.Labels?.[SKIFF_LABELS.node] === this.node);
    // The list has no ports: inspect each (a pod removed in between is skipped).
    const inspected = await Promise.all(pods.map((p) => ignoreNotFound(this.client.inspectPod(p.Id))));
    return inspected.filter((p) => p !== undefined).map(sandboxFromInspect);
  }

  /** The infra container's PID: it holds the network namespace every container of the pod joins. */
  async sandboxNetwork(sandboxId: string): Promise<{ readonly pid: number } | undefined> {
    const pod = await ignoreNotFound(this.client.inspectPod(sandboxId));
    if (!pod?.InfraContainerID) return undefined;
    const infra = await ignoreNotFound(this.client.inspectContainer(pod.InfraContainerID));
    // Pid is 0 while the infra container is not running: no namespace to enter then.
    return infra?.State.Running && infra.State.Pid > 0 ? { pid: infra.State.Pid } : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Images

  imageExists(image: string): Promise<boolean> {
    return this.client.imageExists(image);
  }

  pullImage(image: string): Promise<void> {
    return this.client.pullImage(image, { timeoutMs: this.options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS });
  }

  // -------------------------------------------------------------------------------------------
  // Containers

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    // The pod's labels name the Skiff pod; the container repeats them so lists and events need no join.
    const pod = await this.client.inspectPod(sandboxId);
    return this.client.createContainer(
      containerCreateSpec({ id: pod.Id, name: pod.Name, labels: pod.Labels }, config),
    );
  }

  async startContainer(containerId: string): Promise<void> {
    await this.client.startContainer(containerId);
  }

  async stopContainer(containerId: string, gracePeriodMs: number): Promise<void> {
    if (!(await this.isRunning(containerId))) return;
    if (gracePeriodMs > 0) {
      await this.signal(containerId, 'SIGTERM');
      // Waiting fails by timing out when the process outlives its grace period: then it is killed.
      const exited = await this.client
        .waitContainer(containerId, { timeoutMs: gracePeriodMs })
        .then(() => true)
        .catch(() => false);
      if (exited || !(await this.isRunning(containerId))) return;
      this.log.info({ containerId, gracePeriodMs }, 'container outlived its grace period: SIGKILL');
    }
    await this.signal(containerId, 'SIGKILL');
    await this.client.waitContainer(containerId);
  }

  async removeContainer(containerId: string): Promise<void> {
    await ignoreNotFound(this.client.removeContainer(containerId, { force: true, volumes: true }));
  }

  async listContainers(filter: { readonly podUid?: string } = {}): Promise<RuntimeContainerStatus[]> {
    const filters = nodeFilters(this.node, { containers: true, podUid: filter.podUid });
    const items = await this.client.listContainers(filters);
    return items
      .filter((c) => !c.IsInfra && c.Labels?.[SKIFF_LABELS.node] === this.node)
      .map(statusFromListItem);
  }

  async containerStatus(containerId: string): Promise<RuntimeContainerStatus | undefined> {
    const inspected = await ignoreNotFound(this.client.inspectContainer(containerId));
    return inspected === undefined ? undefined : statusFromInspect(inspected);
  }

  // -------------------------------------------------------------------------------------------
  // Logs and exec

  async logs(containerId: string, options: LogOptions, onLine: (line: string) => void): Promise<LogStream> {
    const stream = await this.client.logs(
      containerId,
      { follow: options.follow, tail: options.tailLines, sinceMs: options.sinceMs },
      (line) => onLine(line),
    );
    this.logStreams.add(stream);
    void stream.done.finally(() => this.logStreams.delete(stream)).catch(() => undefined);
    return stream;
  }

  async exec(
    containerId: string,
    command: readonly string[],
    options: { readonly timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    return this.client.exec(containerId, command, options);
  }

  // -------------------------------------------------------------------------------------------
  // Events

  async events(handler: (event: RuntimeEvent) => void): Promise<EventSubscription> {
    const watch = new EventWatch({
      client: this.client,
      node: this.node,
      handler,
      log: this.log,
      retryMs: this.options.eventRetryMs ?? 100,
    });
    await watch.open();
    this.subscriptions.add(watch);
    void watch.closed.then(() => this.subscriptions.delete(watch));
    return watch;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await Promise.all([...this.logStreams].map((s) => s.close()));
    if (this.ownsClient) await this.client.close();
  }

  // -------------------------------------------------------------------------------------------

  private async isRunning(containerId: string): Promise<boolean> {
    const c = await ignoreNotFound(this.client.inspectContainer(containerId));
    return c?.State.Running === true;
  }

  /** Sends a signal; one that finds the process already gone (409: not running) is not an error. */
  private async signal(containerId: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    try {
      await this.client.killContainer(containerId, signal);
    } catch (err) {
      if (err instanceof RuntimeObjectNotFoundError || !(await this.isRunning(containerId))) return;
      throw err;
    }
  }
}

/** Resolves to undefined when the object is gone; other errors pass. */
async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof RuntimeObjectNotFoundError) return undefined;
    throw err;
  }
}

/**
 * One `events()` subscription: a libpod event stream, reopened after it ends or fails (backoff
 * from `retryMs` doubling to 5 s). A reopened stream starts at the second of the last event seen
 * (`since` is inclusive and whole seconds), and events already delivered from that second are
 * skipped, so the handler sees each start and exit once, in order.
 */
class EventWatch implements EventSubscription {
  private stream: ResponseStream | undefined;
  private closing = false;
  private readonly stop = new AbortController();
  private lastTime: number | undefined;
  private seenInLastSecond = new Set<string>();
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((resolve) => {
    this.resolveClosed = resolve;
  });

  constructor(
    private readonly deps: {
      client: LibpodClient;
      node: string;
      handler: (event: RuntimeEvent) => void;
      log: Logger;
      retryMs: number;
    },
  ) {}

  /** Opens the first stream (its failure is the caller's); later ones are reopened in the background. */
  async open(): Promise<void> {
    this.stream = await this.connect();
    void this.keepOpen();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stop.abort();
    await this.stream?.close();
    await this.closed;
  }

  private connect(): Promise<ResponseStream> {
    const filters = {
      type: ['container'],
      event: ['start', 'died'],
      // One label only: libpod ORs the values of one key. The rest is checked on each event.
      label: [`${SKIFF_LABELS.node}=${this.deps.node}`],
    };
    const since = this.lastTime === undefined ? undefined : String(this.lastTime);
    return this.deps.client.events(
      { filters, since },
      (e) => this.deliver(e),
      (line) => this.deps.log.warn({ line: line.slice(0, 200) }, 'podman event that does not parse: skipped'),
    );
  }

  private async keepOpen(): Promise<void> {
    let retryMs = this.deps.retryMs;
    while (!this.closing) {
      try {
        await this.stream?.done;
        retryMs = this.deps.retryMs; // it had been open: the next failure starts the backoff afresh
        if (!this.closing) this.deps.log.warn({}, 'podman event stream ended: reopening');
      } catch (err) {
        this.deps.log.warn({ err }, 'podman event stream failed: reopening');
      }
      while (!this.closing) {
        try {
          await delay(retryMs, undefined, { signal: this.stop.signal });
        } catch {
          break; // closed while waiting
        }
        try {
          this.stream = await this.connect();
          break;
        } catch (err) {
          retryMs = Math.min(retryMs * 2, MAX_EVENT_RETRY_MS);
          this.deps.log.warn({ err, retryMs }, 'podman event stream cannot be reopened yet');
        }
      }
    }
    this.resolveClosed();
  }

  private deliver(event: LibpodEvent): void {
    const key = `${event.Actor.ID}/${event.Action}/${event.timeNano ?? ''}`;
    if (this.lastTime !== undefined && event.time < this.lastTime) return;
    if (event.time === this.lastTime && this.seenInLastSecond.has(key)) return;
    if (event.time !== this.lastTime) this.seenInLastSecond = new Set();
    this.lastTime = event.time;
    this.seenInLastSecond.add(key);
    const mapped = runtimeEventFrom(event, this.deps.node);
    if (mapped === undefined) return;
    try {
      this.deps.handler(mapped);
    } catch (err) {
      this.deps.log.error({ err, event: mapped }, 'runtime event handler threw');
    }
  }
}
