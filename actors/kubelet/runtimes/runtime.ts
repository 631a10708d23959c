/**
 * The container runtime interface: what the kubelet asks of a runtime, in the spirit of
 * Kubernetes' CRI (RunPodSandbox, CreateContainer, StartContainer, ...), one implementation per
 * folder beside this file:
 *
 *   podman/   real containers through Podman's libpod REST API (one Podman pod per Skiff pod)
 *   process/  each container's command as a host process (machines with no container engine)
 *   hollow/   containers simulated in memory (thousands of kubelets in one process)
 *
 *   kubelet pod worker ──▶ runPodSandbox ──▶ createContainer ──▶ startContainer
 *        ▲                                                           │
 *        └──────────── events(): started / exited (with exit code) ◀─┘
 *
 * Vocabulary:
 * - **Sandbox**: what the containers of one pod share (Podman: a pod with its infra container and
 *   network namespace; process: a directory; hollow: a record). Identified by the runtime's id.
 * - **Container**: one run of one container of a pod. A restart is a *new* container (attempt + 1),
 *   as in the CRI, so the previous one's logs and exit code stay readable (`kubectl logs -p`).
 * - Every object a runtime creates is labelled as Skiff's (`SKIFF_LABELS`), with the pod's uid, so a
 *   restarted kubelet finds (`listPodSandboxes`, `listContainers`) and adopts what is running, and
 *   removes what belongs to no pod it has.
 *
 * Runtimes report container exits through `events()` (Podman's event stream, process exit events,
 * simulated exits), never by being polled; `containerStatus` is for adoption and for detail.
 * Failures are the typed errors in `protocol/errors.ts`: `RuntimeError` and its kinds, such as
 * `ImagePullError` for an image that is missing and cannot be pulled (the kubelet shows
 * ErrImagePull, then ImagePullBackOff).
 */

/** Labels every Skiff-created runtime object carries. */
export const SKIFF_LABELS = {
  /** Marks the object as Skiff's: value `true`. */
  managed: 'io.skiff.managed',
  /** The node (kubelet) that created it: one machine may host several hollow kubelets. */
  node: 'io.skiff.node',
  podUid: 'io.skiff.pod.uid',
  podNamespace: 'io.skiff.pod.namespace',
  podName: 'io.skiff.pod.name',
  container: 'io.skiff.container.name',
  /** The restart attempt (0 for the first run): `restartCount` survives a kubelet restart. */
  attempt: 'io.skiff.container.attempt',
} as const;

/** A port of the pod published on the node: `hostIP:hostPort` → the pod's `containerPort`. */
export interface PortMapping {
  readonly containerPort: number;
  readonly hostPort: number;
  readonly hostIP: string;
  readonly protocol: 'TCP' | 'UDP';
}

/** What a pod's sandbox is made from. */
export interface SandboxConfig {
  readonly podUid: string;
  readonly namespace: string;
  readonly name: string;
  /** The node creating it (label `io.skiff.node`). */
  readonly node: string;
  readonly hostname: string;
  readonly portMappings: readonly PortMapping[];
  /** Extra labels (the pod's own are not copied: they may change). */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A host directory (or file) made visible in a container: ConfigMap, Secret and emptyDir volumes. */
export interface Mount {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** One run of one container. */
export interface ContainerConfig {
  readonly name: string;
  readonly image: string;
  /** Kubernetes `command`: replaces the image's entrypoint when given. */
  readonly command?: readonly string[];
  /** Kubernetes `args`: replaces the image's cmd when given. */
  readonly args?: readonly string[];
  /** In order (later ones may refer to earlier ones, already expanded by the kubelet). */
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly workingDir?: string;
  readonly mounts: readonly Mount[];
  /** Limits applied as cgroup limits where the runtime can (podman); undefined: none. */
  readonly limits?: { readonly cpuMillis?: number; readonly memoryBytes?: number };
  /** 0 for the first run of this container in this pod, then 1, 2, ... */
  readonly attempt: number;
  /** Where the runtime keeps this container's log (process and hollow; podman keeps its own). */
  readonly logDirectory?: string;
}

export type RuntimeContainerState = 'created' | 'running' | 'exited' | 'unknown';

/** A container as the runtime sees it. Times are milliseconds since the epoch. */
export interface RuntimeContainerStatus {
  readonly id: string;
  readonly sandboxId: string;
  readonly podUid: string;
  readonly name: string;
  readonly attempt: number;
  readonly image: string;
  readonly state: RuntimeContainerState;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
  /** `OOMKilled`, `Error`, `Completed`, ... when the runtime knows. */
  readonly reason?: string;
  readonly message?: string;
}

/** A pod sandbox as the runtime sees it. */
export interface RuntimeSandboxStatus {
  readonly id: string;
  readonly podUid: string;
  readonly namespace: string;
  readonly name: string;
  readonly state: 'ready' | 'notready';
  readonly createdAt: number;
  readonly portMappings: readonly PortMapping[];
}

/** What happened to a container, as the runtime reports it. */
export type RuntimeEvent =
  | { readonly type: 'started'; readonly containerId: string; readonly podUid: string }
  | {
      readonly type: 'exited';
      readonly containerId: string;
      readonly podUid: string;
      readonly exitCode: number;
      readonly reason?: string;
    };

export interface LogOptions {
  /** Keep streaming new lines until closed. */
  readonly follow?: boolean;
  /** Only the last N lines (before following). */
  readonly tailLines?: number;
  /** Only lines written at or after this time (ms since the epoch). */
  readonly sinceMs?: number;
}

/** A log being read; `done` resolves when it ends (not following: at the end of the log). */
export interface LogStream {
  close(): Promise<void>;
  readonly done: Promise<void>;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** An open subscription to runtime events. */
export interface EventSubscription {
  close(): Promise<void>;
}

/** A container runtime. Every method may throw the typed errors of `protocol/errors.ts`. */
export interface ContainerRuntime {
  readonly name: 'podman' | 'process' | 'hollow';
  /** The runtime's name and version, for `Node.status.nodeInfo.containerRuntimeVersion`. */
  version(): Promise<string>;

  /** Creates and starts a pod's sandbox (ports published); returns its id. */
  runPodSandbox(config: SandboxConfig): Promise<string>;
  /** Stops every container in the sandbox (no grace: the kubelet stopped them first) and the sandbox. */
  stopPodSandbox(sandboxId: string): Promise<void>;
  /** Removes a stopped sandbox and its containers; removing one that is gone is not an error. */
  removePodSandbox(sandboxId: string): Promise<void>;
  /** The sandboxes this node created (by label), running or not; optionally of one pod only. */
  listPodSandboxes(filter?: { readonly podUid?: string }): Promise<RuntimeSandboxStatus[]>;

  /**
   * What holds the sandbox's network namespace: `{pid}` of a process inside it (Podman: the infra
   * container), or undefined when the sandbox shares the node's network (process, hollow) or is
   * gone. Optional: a runtime without namespaces leaves it out.
   */
  sandboxNetwork?(sandboxId: string): Promise<{ readonly pid: number } | undefined>;

  /** True when the image is in the local store. */
  imageExists(image: string): Promise<boolean>;
  /** Pulls an image; throws `ImagePullError` when it cannot. */
  pullImage(image: string): Promise<void>;

  /** Creates a container in a sandbox; returns its id. Throws `ImagePullError` for a missing image. */
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `gracePeriodMs`; resolves once it has exited. */
  stopContainer(containerId: string, gracePeriodMs: number): Promise<void>;
  /** Removes an exited container; removing one that is gone is not an error. */
  removeContainer(containerId: string): Promise<void>;
  /** Containers this node created, optionally of one pod. */
  listContainers(filter?: { readonly podUid?: string }): Promise<RuntimeContainerStatus[]>;
  /** One container's status, or undefined when it is gone. */
  containerStatus(containerId: string): Promise<RuntimeContainerStatus | undefined>;

  /** Streams a container's log lines (without their newline) to `onLine`. */
  logs(containerId: string, options: LogOptions, onLine: (line: string) => void): Promise<LogStream>;
  /** Runs a command in a running container and waits for it (or `timeoutMs`: `ExecTimeoutError`). */
  exec(
    containerId: string,
    command: readonly string[],
    options?: { readonly timeoutMs?: number },
  ): Promise<ExecResult>;

  /** Delivers container starts and exits as they happen, in order. */
  events(handler: (event: RuntimeEvent) => void): Promise<EventSubscription>;
  /** Releases connections and timers; containers keep running (a kubelet restart adopts them). */
  close(): Promise<void>;
}
