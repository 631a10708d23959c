/**
 * The hollow runtime: containers simulated in memory, on the injected clock, so one process can run
 * a thousand kubelets for scale tests. No process, file, socket or per-container timer exists
 * unless a behaviour asks for one (an exit after N ms, a grace period): a container that runs
 * forever costs a record and a few log lines.
 *
 *   createContainer ──▶ created ──startContainer──▶ (start delay) ──▶ running ──▶ exited
 *                                     │  failToStart: throws, exited 128      ▲  behaviour's exit,
 *                                     ▼                                       │  SIGTERM (143 or
 *                                 'started' event                 'exited' ───┘  onTerm), SIGKILL 137
 *
 * What a container does comes from `behaviour(config)` (default: `simulatedBehaviour`, which reads
 * its argv against the table in `simulated-commands.ts`). At start every container prints its argv
 * and its env (lines prefixed `[hollow]`), so tests can check what reached it.
 *
 * Objects live on a `HollowMachine`, which stands for the host: a second runtime opened on the same
 * machine and node adopts what the first left (as a restarted kubelet does), and runtimes of other
 * nodes on one machine see nothing of each other's. By default every runtime gets its own machine.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, systemClock, type Timer } from '../../../../protocol/clock.js';
import {
  ExecTimeoutError,
  ImagePullError,
  RuntimeError,
  RuntimeObjectNotFoundError,
} from '../../../../protocol/errors.js';
import { finishedLogStream, type LogEntry, LogFollower, selectLogLines } from '../log-lines.js';
import type {
  ContainerConfig,
  ContainerRuntime,
  EventSubscription,
  ExecResult,
  LogOptions,
  LogStream,
  RuntimeContainerState,
  RuntimeContainerStatus,
  RuntimeEvent,
  RuntimeSandboxStatus,
  SandboxConfig,
} from '../runtime.js';
import {
  catMountedFile,
  type HollowBehaviour,
  outputLines,
  runSimulatedCommand,
  simulatedBehaviour,
} from './simulated-commands.js';

export const HOLLOW_RUNTIME_VERSION = 'hollow 0.1.0';

/** Exit codes as a container engine reports a process killed by a signal (128 + signal number). */
const EXIT_SIGTERM = 143;
const EXIT_SIGKILL = 137;
/** The CRI's code for a container whose command could not be started. */
const EXIT_START_ERROR = 128;

export interface HollowRuntimeOptions {
  /** The node whose kubelet uses this runtime (objects are labelled with it). */
  readonly node: string;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** The simulated host; share one between runtimes to simulate a kubelet restart. Default: a new one. */
  readonly machine?: HollowMachine;
  /** Delay between `startContainer` and running, unless the behaviour says otherwise (default 0). */
  readonly startDelayMs?: number;
  /** What each container does (default `simulatedBehaviour`). */
  readonly behaviour?: (config: ContainerConfig) => HollowBehaviour;
  /** Images the simulated store holds; undefined: every image is present. None can be pulled. */
  readonly images?: Iterable<string>;
}

interface HollowSandbox {
  readonly id: string;
  readonly config: SandboxConfig;
  readonly createdAt: number;
  state: 'ready' | 'notready';
}

interface HollowContainer {
  readonly id: string;
  readonly sandboxId: string;
  readonly podUid: string;
  readonly node: string;
  readonly config: ContainerConfig;
  readonly createdAt: number;
  state: RuntimeContainerState;
  behaviour?: HollowBehaviour;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  /** Allocated on first line: most hollow containers print a handful. */
  logs: LogEntry[];
  /** The behaviour's exit or the SIGKILL after a grace period, when one is pending. */
  timer?: Timer;
  /** Readers following the log and stops waiting for the exit; allocated when needed. */
  followers?: Set<LogFollower>;
  exitWaiters?: (() => void)[];
}

type EventHandler = (event: RuntimeEvent) => void;

/**
 * The simulated host: every sandbox and container of every node on it, and who listens for their
 * events. Outlives the runtimes opened on it, as a host outlives a kubelet process.
 */
export class HollowMachine {
  readonly sandboxes = new Map<string, HollowSandbox>();
  readonly containers = new Map<string, HollowContainer>();
  /** Event handlers per node. */
  readonly listeners = new Map<string, Set<EventHandler>>();

  /** Delivers an event to the runtimes of `node` that listen. */
  emit(node: string, event: RuntimeEvent): void {
    for (const handler of this.listeners.get(node) ?? []) handler(event);
  }
}

/** Containers simulated in memory; see the file header. */
export class HollowRuntime implements ContainerRuntime {
  readonly name = 'hollow' as const;
  private readonly node: string;
  private readonly clock: Clock;
  private readonly machine: HollowMachine;
  private readonly startDelayMs: number;
  private readonly behaviourOf: (config: ContainerConfig) => HollowBehaviour;
  private readonly images: ReadonlySet<string> | undefined;
  /** What `close` releases: this instance's event handlers and log readers. */
  private readonly handlers = new Set<EventHandler>();
  private readonly streams = new Set<LogFollower>();
  private closed = false;

  constructor(options: HollowRuntimeOptions) {
    this.node = options.node;
    this.clock = options.clock ?? systemClock;
    this.machine = options.machine ?? new HollowMachine();
    this.startDelayMs = options.startDelayMs ?? 0;
    this.behaviourOf = options.behaviour ?? simulatedBehaviour;
    this.images = options.images === undefined ? undefined : new Set(options.images);
  }

  async version(): Promise<string> {
    return HOLLOW_RUNTIME_VERSION;
  }

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    this.assertOpen();
    const id = newId();
    this.machine.sandboxes.set(id, {
      id,
      config: { ...config, node: this.node },
      createdAt: this.clock.now(),
      state: 'ready',
    });
    return id;
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.mySandbox(sandboxId);
    if (!sandbox) return;
    for (const c of this.containersOf(sandboxId))
      if (c.state === 'running') this.finish(c, EXIT_SIGKILL, 'Error');
    sandbox.state = 'notready';
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    if (!this.mySandbox(sandboxId)) return;
    for (const c of this.containersOf(sandboxId)) await this.removeContainer(c.id);
    this.machine.sandboxes.delete(sandboxId);
  }

  async listPodSandboxes(filter: { readonly podUid?: string } = {}): Promise<RuntimeSandboxStatus[]> {
    const mine = [...this.machine.sandboxes.values()].filter(
      (s) =>
        s.config.node === this.node && (filter.podUid === undefined || s.config.podUid === filter.podUid),
    );
    return mine.map((s) => ({
      id: s.id,
      podUid: s.config.podUid,
      namespace: s.config.namespace,
      name: s.config.name,
      state: s.state,
      createdAt: s.createdAt,
      portMappings: s.config.portMappings,
    }));
  }

  async imageExists(image: string): Promise<boolean> {
    return this.images === undefined || this.images.has(image);
  }

  async pullImage(image: string): Promise<void> {
    if (!(await this.imageExists(image)))
      throw new ImagePullError(image, "not in the hollow runtime's simulated store");
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.assertOpen();
    const sandbox = this.mySandbox(sandboxId);
    if (!sandbox) throw new RuntimeObjectNotFoundError('sandbox', sandboxId);
    if (sandbox.state !== 'ready') throw new RuntimeError(`sandbox ${sandboxId} is not ready`);
    await this.pullImage(config.image);
    const id = newId();
    const container: HollowContainer = {
      id,
      sandboxId,
      podUid: sandbox.config.podUid,
      node: this.node,
      config,
      createdAt: this.clock.now(),
      state: 'created',
      logs: [],
    };
    this.machine.containers.set(id, container);
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    this.assertOpen();
    const c = this.mustGet(containerId);
    if (c.state !== 'created') throw new RuntimeError(`container ${containerId} is ${c.state}, not created`);
    const behaviour = this.behaviourOf(c.config);
    c.behaviour = behaviour;
    const delay = behaviour.startDelayMs ?? this.startDelayMs;
    if (delay > 0) await this.clock.sleep(delay);
    // Removed (or its sandbox stopped) while starting: nothing left to start.
    if (this.machine.containers.get(containerId) !== c || c.state !== 'created') return;

    if (behaviour.type === 'failToStart') {
      c.state = 'exited';
      c.exitCode = EXIT_START_ERROR;
      c.reason = 'StartError';
      c.message = behaviour.message;
      c.finishedAt = this.clock.now();
      throw new RuntimeError(`container ${containerId} failed to start: ${behaviour.message}`);
    }

    c.state = 'running';
    c.startedAt = this.clock.now();
    this.printPreamble(c);
    this.machine.emit(c.node, { type: 'started', containerId: c.id, podUid: c.podUid });
    for (const line of behaviour.output ?? []) this.print(c, line);
    if (behaviour.type === 'exit') {
      if (behaviour.afterMs <= 0) this.finish(c, behaviour.code);
      else c.timer = this.clock.setTimeout(() => this.finish(c, behaviour.code), behaviour.afterMs);
    }
  }

  async stopContainer(containerId: string, gracePeriodMs: number): Promise<void> {
    const c = this.mustGet(containerId);
    if (c.state === 'created') {
      this.finish(c, EXIT_SIGKILL, 'Error');
      return;
    }
    if (c.state !== 'running') return;
    const exited = new Promise<void>((resolve) => {
      c.exitWaiters ??= [];
      c.exitWaiters.push(resolve);
    });
    const onTerm = c.behaviour?.type === 'failToStart' ? undefined : c.behaviour?.onTerm;
    if (gracePeriodMs <= 0) {
      this.finish(c, EXIT_SIGKILL, 'Error');
    } else if (onTerm?.type === 'ignore') {
      // The process ignores SIGTERM: only the SIGKILL after the grace period ends it.
      c.timer?.cancel();
      c.timer = this.clock.setTimeout(() => this.finish(c, EXIT_SIGKILL, 'Error'), gracePeriodMs);
    } else {
      for (const line of onTerm?.output ?? []) this.print(c, line);
      this.finish(c, onTerm?.code ?? EXIT_SIGTERM);
    }
    await exited;
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.machine.containers.get(containerId);
    if (!c || c.node !== this.node) return;
    if (c.state === 'running' || c.state === 'created') this.finish(c, EXIT_SIGKILL, 'Error');
    this.machine.containers.delete(containerId);
  }

  async listContainers(filter: { readonly podUid?: string } = {}): Promise<RuntimeContainerStatus[]> {
    const result: RuntimeContainerStatus[] = [];
    for (const c of this.machine.containers.values()) {
      if (c.node !== this.node) continue;
      const status = this.statusOf(c);
      if (filter.podUid === undefined || c.podUid === filter.podUid) result.push(status);
    }
    return result;
  }

  async containerStatus(containerId: string): Promise<RuntimeContainerStatus | undefined> {
    const c = this.machine.containers.get(containerId);
    return c && c.node === this.node ? this.statusOf(c) : undefined;
  }

  async logs(containerId: string, options: LogOptions, onLine: (line: string) => void): Promise<LogStream> {
    const c = this.mustGet(containerId);
    for (const entry of selectLogLines(c.logs, options)) onLine(entry.line);
    if (!options.follow || c.state === 'exited') return finishedLogStream();
    const follower = new LogFollower(onLine, (f) => {
      c.followers?.delete(f);
      this.streams.delete(f);
    });
    c.followers ??= new Set();
    c.followers.add(follower);
    this.streams.add(follower);
    return follower;
  }

  async exec(
    containerId: string,
    command: readonly string[],
    options: { readonly timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    const c = this.mustGet(containerId);
    if (c.state !== 'running') throw new RuntimeError(`container ${containerId} is ${c.state}, not running`);
    const [name, arg] = command;
    if (name === 'cat' && arg !== undefined) return catMountedFile(arg, c.config);
    if (name === 'sleep') {
      // The one command that takes time: it lets tests exercise exec timeouts on simulated time.
      const ms = Number(arg) * 1000;
      if (options.timeoutMs !== undefined && !(ms <= options.timeoutMs)) {
        await this.clock.sleep(options.timeoutMs);
        throw new ExecTimeoutError(command, options.timeoutMs);
      }
      await this.clock.sleep(ms);
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    return (
      runSimulatedCommand(command, c.config) ?? {
        exitCode: 127,
        stdout: '',
        stderr: `sh: ${name}: not found\n`,
      }
    );
  }

  async events(handler: (event: RuntimeEvent) => void): Promise<EventSubscription> {
    this.assertOpen();
    let set = this.machine.listeners.get(this.node);
    if (!set) {
      set = new Set();
      this.machine.listeners.set(this.node, set);
    }
    set.add(handler);
    this.handlers.add(handler);
    return {
      close: async () => {
        this.unsubscribe(handler);
      },
    };
  }

  /** Stops this instance's event delivery and log readers; containers and their timers carry on. */
  async close(): Promise<void> {
    this.closed = true;
    for (const handler of this.handlers) this.unsubscribe(handler);
    for (const stream of this.streams) stream.end();
  }

  /** Ends a container's run: records the exit, tells followers, stoppers and listeners. */
  private finish(
    c: HollowContainer,
    exitCode: number,
    reason = exitCode === 0 ? 'Completed' : 'Error',
  ): void {
    if (c.state === 'exited') return;
    const wasRunning = c.state === 'running';
    c.timer?.cancel();
    c.timer = undefined;
    c.state = 'exited';
    c.exitCode = exitCode;
    c.reason = reason;
    c.finishedAt = this.clock.now();
    for (const f of c.followers ?? []) f.end();
    for (const resolve of c.exitWaiters ?? []) resolve();
    c.exitWaiters = undefined;
    if (wasRunning)
      this.machine.emit(c.node, { type: 'exited', containerId: c.id, podUid: c.podUid, exitCode, reason });
  }

  private printPreamble(c: HollowContainer): void {
    const argv = [...(c.config.command ?? []), ...(c.config.args ?? [])];
    this.print(c, `[hollow] ${c.config.name} attempt ${c.config.attempt} started: ${JSON.stringify(argv)}`);
    for (const e of c.config.env) this.print(c, `[hollow] env ${e.name}=${e.value}`);
  }

  private print(c: HollowContainer, line: string): void {
    for (const l of outputLines(`${line}\n`)) {
      c.logs.push({ at: this.clock.now(), line: l });
      for (const f of c.followers ?? []) f.push(l);
    }
  }

  private statusOf(c: HollowContainer): RuntimeContainerStatus {
    return {
      id: c.id,
      sandboxId: c.sandboxId,
      podUid: c.podUid,
      name: c.config.name,
      attempt: c.config.attempt,
      image: c.config.image,
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: c.reason,
      message: c.message,
    };
  }

  private containersOf(sandboxId: string): HollowContainer[] {
    return [...this.machine.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }

  private mySandbox(id: string): HollowSandbox | undefined {
    const s = this.machine.sandboxes.get(id);
    return s && s.config.node === this.node ? s : undefined;
  }

  private mustGet(containerId: string): HollowContainer {
    const c = this.machine.containers.get(containerId);
    if (!c || c.node !== this.node) throw new RuntimeObjectNotFoundError('container', containerId);
    return c;
  }

  private unsubscribe(handler: EventHandler): void {
    this.machine.listeners.get(this.node)?.delete(handler);
    this.handlers.delete(handler);
  }

  private assertOpen(): void {
    if (this.closed) throw new RuntimeError('the hollow runtime is closed');
  }
}

/** A container or sandbox id: 12 hex digits, as container engines shorten theirs. */
function newId(): string {
  return randomBytes(6).toString('hex');
}
