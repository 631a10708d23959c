/**
 * The process runtime: each container's command runs as a host process, for machines with no
 * container engine. There is no isolation: the process sees the host's filesystem and network.
 *
 *   runPodSandbox    a directory `<stateDir>/<podUid>/` and a record (no namespaces, no infra process)
 *   createContainer  a record; `image` is only checked against `images` (see the options)
 *   startContainer   spawn(command + args), in its own process group (detached), cwd = workingDir,
 *                    stdout+stderr → FIFO → `<name>-<attempt>.log` with timestamps (log-file.ts)
 *   stopContainer    SIGTERM to the group, SIGKILL to the group after the grace period
 *   exit             the child's exit event: the group gets SIGKILL (a container ends with its main
 *                    process), the log is drained, the record written, `exited` emitted
 *
 * What a container gets, decided here:
 * - **env**: exactly the container's env, plus the host's `PATH` when the env has none (as an
 *   image's config supplies a PATH); nothing else leaks from the kubelet's environment.
 * - **images**: by default every image counts as present (the command runs on the host whatever the
 *   image); give `images` to accept only those, so ImagePullError paths can be exercised.
 * - **ports**: the process binds what it binds; nothing is published, so a sandbox whose mappings
 *   have `hostPort` ≠ `containerPort` is refused with a RuntimeError.
 * - **mounts** and **limits** are not applied (a warning is logged for mounts): no mount namespace,
 *   no cgroups.
 * - **working dir**: the container's, else the pod's directory.
 *
 * State is persisted per object (state.ts), so `ProcessRuntime.open` on the same state directory
 * adopts processes still running (same pid *and* same start time in /proc) and reports the ones
 * that exited meanwhile with code 137, reason `ContainerStatusUnknown`, as the kubelet does for a
 * container it lost track of: only a process's parent can learn its exit code.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdirSync, openSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { type Clock, systemClock, type Timer } from '../../../../protocol/clock.js';
import { ImagePullError, RuntimeError, RuntimeObjectNotFoundError } from '../../../../protocol/errors.js';
import { type Logger, noopLogger } from '../../../../protocol/logger.js';
import { finishedLogStream, LogFollower, selectLogLines } from '../log-lines.js';
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
import { runOnHost, spawned } from './host-exec.js';
import { LogPipe, readLogFile } from './log-file.js';
import { exitCodeOf, isSameLiveProcess, readProcStat, signalGroup } from './proc.js';
import {
  type ContainerRecord,
  containerBasePath,
  podDirectory,
  readRecords,
  type SandboxRecord,
  sandboxRecordPath,
  writeRecord,
} from './state.js';

export const PROCESS_RUNTIME_VERSION = 'process 0.1.0';

/** A container whose process could not be started (the CRI's StartError code). */
const EXIT_START_ERROR = 128;
/** Kubernetes' code and reason for a container whose exit nobody saw. */
const EXIT_UNKNOWN = 137;
const REASON_UNKNOWN = 'ContainerStatusUnknown';
/** How long an exit waits for the rest of the log before recording the exit anyway. */
const LOG_DRAIN_MS = 2000;

export interface ProcessRuntimeOptions {
  readonly node: string;
  /** Where sandboxes, containers and logs are kept; reuse it to adopt processes after a restart. */
  readonly stateDir: string;
  /** Default: the system clock. */
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Images that count as present; undefined: every image (the default, see the file header). */
  readonly images?: Iterable<string>;
  /** How often an adopted process is checked for exit (default 1000 ms); see `adopt`. */
  readonly adoptedPollMs?: number;
  /** The PATH a container gets when its env sets none (default: this process's PATH). */
  readonly defaultPath?: string;
}

/** What this instance holds for a container it started or adopted, while the process runs. */
interface Live {
  /** Our child (started by this instance); undefined for an adopted process. */
  child?: ChildProcess;
  pipe?: LogPipe;
  readonly followers: Set<LogFollower>;
  readonly exited: Promise<void>;
  resolveExited(): void;
  killTimer?: Timer;
  pollTimer?: Timer;
}

/** Containers as host processes; see the file header. */
export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process' as const;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly live = new Map<string, Live>();
  private readonly handlers = new Set<(event: RuntimeEvent) => void>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly images: ReadonlySet<string> | undefined;
  private closed = false;

  private constructor(private readonly options: ProcessRuntimeOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? noopLogger;
    this.images = options.images === undefined ? undefined : new Set(options.images);
  }

  /** Opens the runtime on its state directory, adopting this node's running processes. */
  static async open(options: ProcessRuntimeOptions): Promise<ProcessRuntime> {
    const runtime = new ProcessRuntime(options);
    mkdirSync(options.stateDir, { recursive: true });
    runtime.load();
    return runtime;
  }

  async version(): Promise<string> {
    return PROCESS_RUNTIME_VERSION;
  }

  async runPodSandbox(config: SandboxConfig): Promise<string> {
    this.assertOpen();
    const unpublishable = config.portMappings.filter((p) => p.hostPort !== p.containerPort);
    if (unpublishable.length > 0) {
      const which = unpublishable.map((p) => `${p.hostPort}→${p.containerPort}`).join(', ');
      throw new RuntimeError(
        `the process runtime cannot publish ports: hostPort must equal containerPort (got ${which})`,
      );
    }
    const record: SandboxRecord = {
      kind: 'sandbox',
      id: newId(),
      node: this.options.node,
      podUid: config.podUid,
      namespace: config.namespace,
      name: config.name,
      hostname: config.hostname,
      portMappings: [...config.portMappings],
      labels: config.labels ? { ...config.labels } : undefined,
      createdAt: this.clock.now(),
      state: 'ready',
    };
    mkdirSync(podDirectory(this.options.stateDir, config.podUid), { recursive: true });
    writeRecord(sandboxRecordPath(this.options.stateDir, record), record);
    this.sandboxes.set(record.id, record);
    return record.id;
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) return;
    await Promise.all(this.containersOf(sandboxId).map((c) => this.stopContainer(c.id, 0)));
    this.saveSandbox({ ...sandbox, state: 'notready' });
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) return;
    for (const c of this.containersOf(sandboxId)) await this.removeContainer(c.id);
    rmSync(sandboxRecordPath(this.options.stateDir, sandbox), { force: true });
    this.sandboxes.delete(sandboxId);
    removeIfEmpty(podDirectory(this.options.stateDir, sandbox.podUid));
  }

  async listPodSandboxes(filter: { readonly podUid?: string } = {}): Promise<RuntimeSandboxStatus[]> {
    const wanted = [...this.sandboxes.values()].filter(
      (s) => filter.podUid === undefined || s.podUid === filter.podUid,
    );
    return wanted.map((s) => ({
      id: s.id,
      podUid: s.podUid,
      namespace: s.namespace,
      name: s.name,
      state: s.state,
      createdAt: s.createdAt,
      portMappings: s.portMappings,
    }));
  }

  async imageExists(image: string): Promise<boolean> {
    return this.images === undefined || this.images.has(image);
  }

  async pullImage(image: string): Promise<void> {
    if (!(await this.imageExists(image))) {
      throw new ImagePullError(
        image,
        'the process runtime has no image store and accepts only its configured images',
      );
    }
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.assertOpen();
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new RuntimeObjectNotFoundError('sandbox', sandboxId);
    if (sandbox.state !== 'ready') throw new RuntimeError(`sandbox ${sandboxId} is not ready`);
    await this.pullImage(config.image);
    const argv = [...(config.command ?? []), ...(config.args ?? [])];
    if (argv.length === 0)
      throw new RuntimeError(`container ${config.name}: the process runtime needs a command`);
    const clash = [...this.containers.values()].find(
      (c) => c.podUid === sandbox.podUid && c.name === config.name && c.attempt === config.attempt,
    );
    if (clash)
      throw new RuntimeError(
        `container ${config.name} attempt ${config.attempt} already exists (${clash.id})`,
      );
    if (config.mounts.length > 0) {
      this.log.warn(
        { pod: `${sandbox.namespace}/${sandbox.name}`, container: config.name, mounts: config.mounts },
        'the process runtime does not apply mounts: the process sees the host filesystem',
      );
    }
    const record: ContainerRecord = {
      kind: 'container',
      id: newId(),
      sandboxId,
      podUid: sandbox.podUid,
      node: this.options.node,
      name: config.name,
      attempt: config.attempt,
      image: config.image,
      argv,
      env: this.environment(config.env),
      workingDir: config.workingDir ?? podDirectory(this.options.stateDir, sandbox.podUid),
      createdAt: this.clock.now(),
      state: 'created',
    };
    this.save(record);
    return record.id;
  }

  async startContainer(containerId: string): Promise<void> {
    this.assertOpen();
    const record = this.mustGet(containerId);
    if (record.state !== 'created')
      throw new RuntimeError(`container ${containerId} is ${record.state}, not created`);
    const base = containerBasePath(this.options.stateDir, record);
    const fifo = `${base}.fifo`;
    rmSync(fifo, { force: true });
    await execFileAsync('mkfifo', ['-m', '600', fifo]);

    // The child's end of the FIFO, read-write: see log-file.ts for why.
    const childFd = openSync(fifo, constants.O_RDWR);
    const live = this.track(containerId);
    live.pipe = new LogPipe(fifo, `${base}.log`, this.clock, (line) => this.deliver(live, line));
    let child: ChildProcess;
    try {
      child = spawn(record.argv[0] ?? '', record.argv.slice(1), {
        cwd: record.workingDir,
        env: Object.fromEntries(record.env.map((e) => [e.name, e.value])),
        // Its own process group (and session): a stop signals the whole group, and the process
        // does not die with the kubelet.
        detached: true,
        stdio: ['ignore', childFd, childFd],
      });
      await spawned(child);
    } catch (error) {
      closeSync(childFd);
      this.forget(containerId);
      this.save({
        ...record,
        state: 'exited',
        exitCode: EXIT_START_ERROR,
        reason: 'StartError',
        message: error instanceof Error ? error.message : String(error),
        finishedAt: this.clock.now(),
      });
      rmSync(fifo, { force: true });
      throw new RuntimeError(`container ${containerId} failed to start: ${String(error)}`, { cause: error });
    }
    closeSync(childFd);
    live.child = child;
    const pid = child.pid ?? 0;
    this.save({
      ...record,
      state: 'running',
      startedAt: this.clock.now(),
      pid,
      // Read before the exit can be reaped: until the loop handles SIGCHLD the pid stays ours.
      pidStartTicks: readProcStat(pid)?.startTicks,
    });
    child.once('exit', (code, signal) => this.finishLogged(containerId, exitCodeOf(code, signal)));
    this.emit({ type: 'started', containerId, podUid: record.podUid });
  }

  async stopContainer(containerId: string, gracePeriodMs: number): Promise<void> {
    const record = this.mustGet(containerId);
    const live = this.live.get(containerId);
    if (record.state !== 'running' || !live || record.pid === undefined) return;
    const pid = record.pid;
    if (gracePeriodMs <= 0) {
      signalGroup(pid, 'SIGKILL');
    } else {
      signalGroup(pid, 'SIGTERM');
      live.killTimer ??= this.clock.setTimeout(() => signalGroup(pid, 'SIGKILL'), gracePeriodMs);
    }
    await live.exited;
  }

  async removeContainer(containerId: string): Promise<void> {
    const record = this.containers.get(containerId);
    if (!record) return;
    if (record.state === 'running') await this.stopContainer(containerId, 0);
    const base = containerBasePath(this.options.stateDir, record);
    for (const ext of ['.json', '.log', '.fifo']) rmSync(`${base}${ext}`, { force: true });
    this.containers.delete(containerId);
  }

  async listContainers(filter: { readonly podUid?: string } = {}): Promise<RuntimeContainerStatus[]> {
    const mine = [...this.containers.values()].filter(
      (c) => filter.podUid === undefined || c.podUid === filter.podUid,
    );
    return mine.map(statusOf);
  }

  async containerStatus(containerId: string): Promise<RuntimeContainerStatus | undefined> {
    const record = this.containers.get(containerId);
    return record && statusOf(record);
  }

  async logs(containerId: string, options: LogOptions, onLine: (line: string) => void): Promise<LogStream> {
    const record = this.mustGet(containerId);
    const logPath = `${containerBasePath(this.options.stateDir, record)}.log`;
    const live = this.live.get(containerId);
    // Synchronously: the file's size now, and a follower for every line after it (LogPipe writes
    // synchronously, so no line falls between or lands in both).
    const size = fileSize(logPath);
    const buffered: string[] = [];
    let replaying = true;
    const follower =
      options.follow && live
        ? new LogFollower(
            (line) => (replaying ? buffered.push(line) : onLine(line)),
            (f) => live.followers.delete(f),
          )
        : undefined;
    if (follower && live) live.followers.add(follower);

    for (const entry of selectLogLines(await readLogFile(logPath, size), options)) onLine(entry.line);
    replaying = false;
    // Straight to the reader: these arrived before any end, even if the exit came meanwhile.
    for (const line of buffered) onLine(line);
    return follower ?? finishedLogStream();
  }

  async exec(
    containerId: string,
    command: readonly string[],
    options: { readonly timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    const record = this.mustGet(containerId);
    if (record.state !== 'running')
      throw new RuntimeError(`container ${containerId} is ${record.state}, not running`);
    return runOnHost(command, {
      cwd: record.workingDir,
      env: Object.fromEntries(record.env.map((e) => [e.name, e.value])),
      timeoutMs: options.timeoutMs,
      clock: this.clock,
    });
  }

  async events(handler: (event: RuntimeEvent) => void): Promise<EventSubscription> {
    this.assertOpen();
    this.handlers.add(handler);
    return {
      close: async () => {
        this.handlers.delete(handler);
      },
    };
  }

  /** Lets go of pipes, timers and child handles; the processes keep running for the next instance. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    for (const [id, live] of this.live) {
      live.child?.removeAllListeners('exit');
      live.child?.unref();
      this.forget(id);
    }
  }

  /** Reads the state directory: this node's records; running processes adopted or reported exited. */
  private load(): void {
    for (const record of readRecords(this.options.stateDir, this.log)) {
      if (record.node !== this.options.node) continue;
      if (record.kind === 'sandbox') this.sandboxes.set(record.id, record);
      else this.containers.set(record.id, record);
    }
    for (const record of this.containers.values()) {
      if (record.state !== 'running') continue;
      if (
        record.pid !== undefined &&
        record.pidStartTicks &&
        isSameLiveProcess(record.pid, record.pidStartTicks)
      ) {
        this.adopt(record);
      } else {
        this.save(
          this.exitedRecord(record, EXIT_UNKNOWN, REASON_UNKNOWN, 'exited while no kubelet was watching'),
        );
      }
    }
  }

  /**
   * Takes over a running process another instance started: reads its FIFO again, and watches for
   * its exit. A process that is not our child gives no exit event, so this is the one place that
   * polls /proc (at `adoptedPollMs`), and checks at once when the FIFO reaches end of file, which
   * is what an exit usually looks like first.
   */
  private adopt(record: ContainerRecord): void {
    const live = this.track(record.id);
    const base = containerBasePath(this.options.stateDir, record);
    const check = () => {
      live.pollTimer?.cancel();
      live.pollTimer = undefined;
      if (this.live.get(record.id) !== live) return;
      if (record.pid !== undefined && isSameLiveProcess(record.pid, record.pidStartTicks ?? '')) {
        live.pollTimer = this.clock.setTimeout(check, this.options.adoptedPollMs ?? 1000);
      } else {
        this.finishLogged(record.id, EXIT_UNKNOWN, REASON_UNKNOWN);
      }
    };
    try {
      live.pipe = new LogPipe(`${base}.fifo`, `${base}.log`, this.clock, (line) => this.deliver(live, line));
      void live.pipe.ended.then(check);
    } catch (error) {
      this.log.warn({ container: record.id, err: error }, 'adopted a process whose output pipe is gone');
    }
    check();
  }

  /** `finish` from an event handler, where nobody awaits it: a failure (a record not written) is logged. */
  private finishLogged(containerId: string, exitCode: number, reason?: string): void {
    this.finish(containerId, exitCode, reason).catch((error: unknown) =>
      this.log.error({ container: containerId, err: error }, 'recording a container exit failed'),
    );
  }

  /** A process exited: end its group, drain its log, record the exit, tell listeners. */
  private async finish(containerId: string, exitCode: number, reason?: string): Promise<void> {
    const live = this.live.get(containerId);
    const record = this.containers.get(containerId);
    if (!live || !record || record.state !== 'running') return;
    // A container ends with its main process: whatever it left in its group goes too.
    if (record.pid !== undefined) signalGroup(record.pid, 'SIGKILL');
    if (live.pipe) {
      const drained = live.pipe.ended;
      let timer: Timer | undefined;
      await Promise.race([
        drained,
        new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, LOG_DRAIN_MS))),
      ]);
      timer?.cancel();
    }
    if (this.closed || this.live.get(containerId) !== live) return;
    this.forget(containerId);
    rmSync(`${containerBasePath(this.options.stateDir, record)}.fifo`, { force: true });
    const exited = this.exitedRecord(record, exitCode, reason);
    this.save(exited);
    this.emit({ type: 'exited', containerId, podUid: record.podUid, exitCode, reason: exited.reason });
  }

  private exitedRecord(
    record: ContainerRecord,
    exitCode: number,
    reason?: string,
    message?: string,
  ): ContainerRecord {
    return {
      ...record,
      state: 'exited',
      exitCode,
      reason: reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      message,
      finishedAt: this.clock.now(),
    };
  }

  private track(containerId: string): Live {
    let resolveExited!: () => void;
    const exited = new Promise<void>((resolve) => {
      resolveExited = resolve;
    });
    const live: Live = { followers: new Set(), exited, resolveExited };
    this.live.set(containerId, live);
    return live;
  }

  /** Releases what this instance holds for a container: its pipe, timers, followers and stoppers. */
  private forget(containerId: string): void {
    const live = this.live.get(containerId);
    if (!live) return;
    this.live.delete(containerId);
    live.killTimer?.cancel();
    live.pollTimer?.cancel();
    live.pipe?.close();
    for (const f of live.followers) f.end();
    live.resolveExited();
  }

  private deliver(live: Live, line: string): void {
    for (const f of live.followers) f.push(line);
  }

  private emit(event: RuntimeEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.log.error({ err: error, event }, 'a runtime event handler threw');
      }
    }
  }

  private environment(env: ContainerConfig['env']): ContainerRecord['env'] {
    if (env.some((e) => e.name === 'PATH')) return env.map((e) => ({ ...e }));
    const hostPath = this.options.defaultPath ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
    return [{ name: 'PATH', value: hostPath }, ...env.map((e) => ({ ...e }))];
  }

  private save(record: ContainerRecord): void {
    writeRecord(`${containerBasePath(this.options.stateDir, record)}.json`, record);
    this.containers.set(record.id, record);
  }

  private saveSandbox(record: SandboxRecord): void {
    writeRecord(sandboxRecordPath(this.options.stateDir, record), record);
    this.sandboxes.set(record.id, record);
  }

  private containersOf(sandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.sandboxId === sandboxId);
  }

  private mustGet(containerId: string): ContainerRecord {
    const record = this.containers.get(containerId);
    if (!record) throw new RuntimeObjectNotFoundError('container', containerId);
    return record;
  }

  private assertOpen(): void {
    if (this.closed) throw new RuntimeError('the process runtime is closed');
  }
}

const execFileAsync = promisify(execFile);

function statusOf(c: ContainerRecord): RuntimeContainerStatus {
  return {
    id: c.id,
    sandboxId: c.sandboxId,
    podUid: c.podUid,
    name: c.name,
    attempt: c.attempt,
    image: c.image,
    state: c.state,
    createdAt: c.createdAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    exitCode: c.exitCode,
    reason: c.reason,
    message: c.message,
  };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'ENOENT' && code !== 'EEXIST') throw error;
  }
}

/** A sandbox or container id: 12 hex digits. */
function newId(): string {
  return randomBytes(6).toString('hex');
}
