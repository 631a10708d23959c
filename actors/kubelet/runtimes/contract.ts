/**
 * Test support (imported only by `*.test.ts`): the one contract every `ContainerRuntime` passes.
 * `process/process-runtime.test.ts` runs it on host processes, `hollow/hollow-runtime.test.ts` on
 * simulated containers, and the Podman runtime on real containers with busybox commands.
 *
 * A runtime runs commands, and each runtime expresses them its own way (host `sh`, busybox in an
 * image, a simulated vocabulary), so the harness hands the suite a `RuntimeCommands` that turns
 * "print this", "ignore SIGTERM" and so on into argv arrays for its runtime.
 *
 * Every test uses fresh node names and pod uids; after each test the suite removes what it created
 * through the runtime itself (a fresh instance per node), then calls the harness's `cleanup`, which
 * kills any stray and deletes temporary state.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImagePullError, RuntimeObjectNotFoundError } from '../../../protocol/errors.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import type {
  ContainerConfig,
  ContainerRuntime,
  LogOptions,
  RuntimeContainerStatus,
  RuntimeEvent,
  SandboxConfig,
} from './runtime.js';

/** Commands for the suite, as argv arrays the runtime under test can run (as a container's `command`). */
export interface RuntimeCommands {
  /** Prints `text` on one line and exits 0. */
  echo(text: string): string[];
  /** Prints each of `lines`, in order, and exits 0. */
  printLines(lines: readonly string[]): string[];
  /** A command that prints its arguments (the container's `args`) space-separated on one line, exits 0. */
  echoArgs(): string[];
  /** Exits with `code` at once. */
  exit(code: number): string[];
  /** Runs until signalled; dies on SIGTERM. */
  sleepForever(): string[];
  /** Ignores SIGTERM, then prints `ready` and runs until SIGKILL. */
  ignoreTermAndSleep(): string[];
  /** Prints `ready` and runs; on SIGTERM prints `text` and exits 0. */
  printOnTerm(text: string): string[];
  /** Prints its environment, one `NAME=value` per line, and exits 0. */
  printEnv(): string[];
  /** Prints its working directory and exits 0. */
  printWorkingDir(): string[];
}

/** What one test gets from the runtime's test file. */
export interface RuntimeHarness {
  /**
   * A runtime for `node`. Every instance opened within one test shares one machine (state
   * directory, Podman service, simulated host), so a second instance on the same node adopts what
   * the first left running, and instances on different nodes must not see each other's objects.
   */
  open(node: string): Promise<ContainerRuntime>;
  readonly commands: RuntimeCommands;
  /** An image the runtime has. */
  readonly image: string;
  /** An image the runtime does not have and cannot pull. */
  readonly missingImage: string;
  /** A directory that exists in the container, for `workingDir`. */
  readonly workingDir: string;
  /** Runs after the suite removed what it created: kill strays, delete temporary directories. */
  cleanup(): Promise<void>;
}

/** Knobs for slower runtimes. */
export interface RuntimeContractOptions {
  /** How long a condition may take (default 10 s: real containers on slow CI machines). */
  readonly waitMs?: number;
}

/** Collects a runtime's events until the test ends. */
interface EventLog {
  readonly events: RuntimeEvent[];
  /** Waits for the `type` event of `containerId` and returns it. */
  next(type: RuntimeEvent['type'], containerId: string): Promise<RuntimeEvent>;
}

/** Runs the ContainerRuntime contract against the runtimes `makeHarness` opens (a harness per test). */
export function describeRuntimeContract(
  name: string,
  makeHarness: () => Promise<RuntimeHarness>,
  opts: RuntimeContractOptions = {},
): void {
  const waitMs = opts.waitMs ?? 10_000;

  describe(`ContainerRuntime contract: ${name}`, () => {
    let harness: RuntimeHarness;
    let opened: ContainerRuntime[];
    let nodes: Set<string>;
    let nodeName: string;
    let rt: ContainerRuntime;
    let events: EventLog;
    let cmd: RuntimeCommands;

    const open = async (node: string): Promise<ContainerRuntime> => {
      nodes.add(node);
      const runtime = await harness.open(node);
      opened.push(runtime);
      return runtime;
    };

    const recordEvents = async (runtime: ContainerRuntime): Promise<EventLog> => {
      const list: RuntimeEvent[] = [];
      await runtime.events((event) => list.push(event));
      return {
        events: list,
        next: (type, containerId) =>
          waitFor(() => list.find((e) => e.type === type && e.containerId === containerId) ?? false, {
            timeoutMs: waitMs,
            description: `${type} event of ${containerId}`,
          }),
      };
    };

    const sandbox = (overrides: Partial<SandboxConfig> = {}): SandboxConfig => {
      const podUid = overrides.podUid ?? `uid-${randomBytes(4).toString('hex')}`;
      return {
        podUid,
        namespace: 'default',
        name: `pod-${podUid}`,
        node: nodeName,
        hostname: `pod-${podUid}`,
        portMappings: [],
        ...overrides,
      };
    };

    const container = (command: string[], overrides: Partial<ContainerConfig> = {}): ContainerConfig => ({
      name: 'main',
      image: harness.image,
      command,
      env: [],
      mounts: [],
      attempt: 0,
      ...overrides,
    });

    /** Creates a sandbox and a container in it, starts it, and returns both ids. */
    const run = async (command: string[], overrides: Partial<ContainerConfig> = {}, runtime = rt) => {
      const sandboxId = await runtime.runPodSandbox(sandbox());
      const containerId = await runtime.createContainer(sandboxId, container(command, overrides));
      await runtime.startContainer(containerId);
      return { sandboxId, containerId };
    };

    /** Reads a container's log to its end (not following). */
    const readLogs = async (id: string, options: LogOptions = {}, runtime = rt): Promise<string[]> => {
      const lines: string[] = [];
      const stream = await runtime.logs(id, { ...options, follow: false }, (line) => lines.push(line));
      await stream.done;
      return lines;
    };

    const waitForLine = (id: string, line: string) =>
      waitFor(async () => (await readLogs(id)).includes(line), {
        timeoutMs: waitMs,
        description: `log line ${JSON.stringify(line)} of ${id}`,
      });

    const exitedStatus = async (id: string, runtime = rt): Promise<RuntimeContainerStatus> =>
      waitFor(
        async () => {
          const status = await runtime.containerStatus(id);
          return status?.state === 'exited' ? status : false;
        },
        { timeoutMs: waitMs, description: `${id} exited` },
      );

    beforeEach(async () => {
      harness = await makeHarness();
      cmd = harness.commands;
      opened = [];
      nodes = new Set();
      nodeName = `node-${randomBytes(4).toString('hex')}`;
      rt = await open(nodeName);
      events = await recordEvents(rt);
    });

    afterEach(async () => {
      // Close the test's instances, remove everything through a fresh instance per node (as a
      // restarted kubelet would, which also checks that one can), then let the harness kill
      // strays and delete its state.
      try {
        for (const runtime of opened) await runtime.close();
        for (const node of nodes) {
          const runtime = await harness.open(node);
          for (const c of await runtime.listContainers()) {
            if (c.state === 'running') await runtime.stopContainer(c.id, 0);
            await runtime.removeContainer(c.id);
          }
          for (const s of await runtime.listPodSandboxes()) {
            await runtime.stopPodSandbox(s.id);
            await runtime.removePodSandbox(s.id);
          }
          await runtime.close();
        }
      } finally {
        await harness.cleanup();
      }
    });

    it('reports its name and version', async () => {
      expect(await rt.version()).toMatch(new RegExp(rt.name));
    });

    describe('sandboxes', () => {
      it('are created ready, listed, stopped and removed', async () => {
        const config = sandbox({ labels: { team: 'a' } });
        const id = await rt.runPodSandbox(config);
        expect(await rt.listPodSandboxes()).toEqual([
          expect.objectContaining({
            id,
            podUid: config.podUid,
            namespace: 'default',
            name: config.name,
            state: 'ready',
            portMappings: [],
          }),
        ]);
        await rt.stopPodSandbox(id);
        expect((await rt.listPodSandboxes()).map((s) => [s.id, s.state])).toEqual([[id, 'notready']]);
        await rt.removePodSandbox(id);
        expect(await rt.listPodSandboxes()).toEqual([]);
      });

      it('removing one that is gone is not an error', async () => {
        const id = await rt.runPodSandbox(sandbox());
        await rt.stopPodSandbox(id);
        await rt.removePodSandbox(id);
        await rt.removePodSandbox(id);
        await rt.removePodSandbox('no-such-sandbox');
      });

      it('stopping one stops its running containers', async () => {
        const { sandboxId, containerId } = await run(cmd.sleepForever());
        await events.next('started', containerId);
        await rt.stopPodSandbox(sandboxId);
        await events.next('exited', containerId);
        expect((await rt.containerStatus(containerId))?.state).toBe('exited');
      });

      it('removing one removes its containers', async () => {
        const { sandboxId, containerId } = await run(cmd.echo('bye'));
        await events.next('exited', containerId);
        await rt.stopPodSandbox(sandboxId);
        await rt.removePodSandbox(sandboxId);
        expect(await rt.containerStatus(containerId)).toBeUndefined();
        expect(await rt.listContainers()).toEqual([]);
      });
    });

    describe('containers', () => {
      it('are created, started (started event) and exit (exited event with the code)', async () => {
        const sandboxId = await rt.runPodSandbox(sandbox());
        const id = await rt.createContainer(sandboxId, container(cmd.exit(3)));
        const created = await rt.containerStatus(id);
        expect(created).toEqual(
          expect.objectContaining({ id, sandboxId, name: 'main', attempt: 0, state: 'created' }),
        );
        expect((await rt.listContainers()).map((c) => c.id)).toEqual([id]);

        await rt.startContainer(id);
        const started = await events.next('started', id);
        const exited = await events.next('exited', id);
        expect(events.events.indexOf(started)).toBeLessThan(events.events.indexOf(exited));
        expect(exited).toEqual(expect.objectContaining({ exitCode: 3, podUid: created?.podUid }));

        const status = await exitedStatus(id);
        expect(status.exitCode).toBe(3);
        expect(status.startedAt).toBeDefined();
        expect(status.finishedAt).toBeGreaterThanOrEqual(status.startedAt ?? 0);
      });

      it('a clean exit reports code 0', async () => {
        const { containerId } = await run(cmd.echo('done'));
        expect(await events.next('exited', containerId)).toEqual(expect.objectContaining({ exitCode: 0 }));
      });

      it('stop sends SIGTERM, which a process that honours it obeys at once', async () => {
        const { containerId } = await run(cmd.sleepForever());
        await events.next('started', containerId);
        expect((await rt.containerStatus(containerId))?.state).toBe('running');
        const begin = Date.now();
        await rt.stopContainer(containerId, 30_000);
        expect(Date.now() - begin).toBeLessThan(10_000);
        const exited = await events.next('exited', containerId);
        expect(exited.type === 'exited' && exited.exitCode).not.toBe(0);
        expect((await rt.containerStatus(containerId))?.state).toBe('exited');
      });

      it('stop kills a process that ignores SIGTERM once the grace period is over', async () => {
        const { containerId } = await run(cmd.ignoreTermAndSleep());
        await waitForLine(containerId, 'ready');
        const graceMs = 400;
        const begin = Date.now();
        await rt.stopContainer(containerId, graceMs);
        // A little slack below: timers may fire a few ms early against Date.now's rounding.
        expect(Date.now() - begin).toBeGreaterThanOrEqual(graceMs - 20);
        expect(await events.next('exited', containerId)).toEqual(expect.objectContaining({ exitCode: 137 }));
      });

      it('stopping one that has exited is not an error', async () => {
        const { containerId } = await run(cmd.echo('x'));
        await events.next('exited', containerId);
        await rt.stopContainer(containerId, 1000);
      });

      it('env reaches the container', async () => {
        const env = [
          { name: 'GREETING', value: 'hello' },
          { name: 'WITH_SPACES', value: 'a b  c' },
          { name: 'EMPTY', value: '' },
        ];
        const { containerId } = await run(cmd.printEnv(), { env });
        await events.next('exited', containerId);
        const lines = await readLogs(containerId);
        expect(lines).toEqual(expect.arrayContaining(['GREETING=hello', 'WITH_SPACES=a b  c', 'EMPTY=']));
      });

      it('command and args reach the container', async () => {
        const { containerId } = await run(cmd.echoArgs(), { args: ['hello', 'skiff world'] });
        await events.next('exited', containerId);
        expect(await readLogs(containerId)).toContain('hello skiff world');
      });

      it('the working dir reaches the container', async () => {
        const { containerId } = await run(cmd.printWorkingDir(), { workingDir: harness.workingDir });
        await events.next('exited', containerId);
        expect(await readLogs(containerId)).toContain(harness.workingDir);
      });

      it('a restart is a new container; the old one keeps its status and logs until removed', async () => {
        const sandboxId = await rt.runPodSandbox(sandbox());
        const first = await rt.createContainer(sandboxId, container(cmd.echo('first'), { attempt: 0 }));
        await rt.startContainer(first);
        await events.next('exited', first);
        const second = await rt.createContainer(sandboxId, container(cmd.echo('second'), { attempt: 1 }));
        expect(second).not.toBe(first);
        await rt.startContainer(second);
        await events.next('exited', second);

        const listed = await rt.listContainers();
        expect(listed.map((c) => [c.id, c.name, c.attempt]).sort()).toEqual(
          [
            [first, 'main', 0],
            [second, 'main', 1],
          ].sort(),
        );
        expect(await readLogs(first)).toContain('first');
        expect(await readLogs(first)).not.toContain('second');
        expect((await rt.containerStatus(first))?.exitCode).toBe(0);

        await rt.removeContainer(first);
        expect(await rt.containerStatus(first)).toBeUndefined();
        expect((await rt.listContainers()).map((c) => c.id)).toEqual([second]);
        expect(await readLogs(second)).toContain('second');
      });

      it('removing what is gone is not an error; what never was has no status', async () => {
        const { containerId } = await run(cmd.echo('x'));
        await events.next('exited', containerId);
        await rt.removeContainer(containerId);
        await rt.removeContainer(containerId);
        await rt.removeContainer('no-such-container');
        expect(await rt.containerStatus('no-such-container')).toBeUndefined();
      });

      it('a container in a sandbox that does not exist is refused', async () => {
        await expect(rt.createContainer('no-such-sandbox', container(cmd.echo('x')))).rejects.toBeInstanceOf(
          RuntimeObjectNotFoundError,
        );
      });
    });

    describe('images', () => {
      it('a missing image is an ImagePullError', async () => {
        expect(await rt.imageExists(harness.image)).toBe(true);
        expect(await rt.imageExists(harness.missingImage)).toBe(false);
        await expect(rt.pullImage(harness.missingImage)).rejects.toBeInstanceOf(ImagePullError);
        const sandboxId = await rt.runPodSandbox(sandbox());
        await expect(
          rt.createContainer(sandboxId, container(cmd.echo('x'), { image: harness.missingImage })),
        ).rejects.toBeInstanceOf(ImagePullError);
      });
    });

    describe('logs', () => {
      const lines = ['one', 'two', 'three', 'four'];

      it('tailLines gives the last lines', async () => {
        const { containerId } = await run(cmd.printLines(lines));
        await events.next('exited', containerId);
        const all = await readLogs(containerId);
        expect(all.filter((l) => lines.includes(l))).toEqual(lines);
        expect(await readLogs(containerId, { tailLines: 2 })).toEqual(['three', 'four']);
        expect(await readLogs(containerId, { tailLines: 0 })).toEqual([]);
      });

      it('sinceMs drops earlier lines', async () => {
        const { containerId } = await run(cmd.printLines(lines));
        await events.next('exited', containerId);
        expect(await readLogs(containerId, { sinceMs: 0 })).toEqual(expect.arrayContaining(lines));
        expect(await readLogs(containerId, { sinceMs: Date.now() + 3_600_000 })).toEqual([]);
      });

      it('follow streams new lines and ends when the container exits', async () => {
        const { containerId } = await run(cmd.printOnTerm('goodbye'));
        const followed: string[] = [];
        const stream = await rt.logs(containerId, { follow: true }, (line) => followed.push(line));
        await waitFor(() => followed.includes('ready'), { timeoutMs: waitMs, description: 'ready followed' });
        await rt.stopContainer(containerId, 10_000);
        await stream.done;
        expect(followed.indexOf('goodbye')).toBeGreaterThan(followed.indexOf('ready'));
        expect(await events.next('exited', containerId)).toEqual(expect.objectContaining({ exitCode: 0 }));
      });

      it('follow can be closed before the container exits', async () => {
        const { containerId } = await run(cmd.printOnTerm('goodbye'));
        const followed: string[] = [];
        const stream = await rt.logs(containerId, { follow: true, tailLines: 1 }, (l) => followed.push(l));
        await waitFor(() => followed.includes('ready'), { timeoutMs: waitMs, description: 'ready followed' });
        await stream.close();
        await stream.done;
        const seen = followed.length;
        await rt.stopContainer(containerId, 10_000);
        await events.next('exited', containerId);
        expect(followed).toHaveLength(seen);
      });

      it('of a container that is gone are a RuntimeObjectNotFoundError', async () => {
        await expect(rt.logs('no-such-container', {}, () => undefined)).rejects.toBeInstanceOf(
          RuntimeObjectNotFoundError,
        );
      });
    });

    describe('exec', () => {
      it('returns output and exit code, in the container env and working dir', async () => {
        const env = [{ name: 'GREETING', value: 'hello' }];
        const { containerId } = await run(cmd.sleepForever(), { env, workingDir: harness.workingDir });
        await events.next('started', containerId);
        expect(await rt.exec(containerId, cmd.echo('hi'))).toEqual({
          exitCode: 0,
          stdout: 'hi\n',
          stderr: '',
        });
        expect((await rt.exec(containerId, cmd.exit(4))).exitCode).toBe(4);
        expect((await rt.exec(containerId, cmd.printEnv())).stdout.split('\n')).toContain('GREETING=hello');
        expect((await rt.exec(containerId, cmd.printWorkingDir())).stdout).toBe(`${harness.workingDir}\n`);
      });

      it('in a container that is gone is a RuntimeObjectNotFoundError', async () => {
        await expect(rt.exec('no-such-container', cmd.echo('x'))).rejects.toBeInstanceOf(
          RuntimeObjectNotFoundError,
        );
      });
    });

    describe('listing', () => {
      it('filters containers by pod uid', async () => {
        const a = await run(cmd.sleepForever());
        const b = await run(cmd.sleepForever());
        const podA = (await rt.containerStatus(a.containerId))?.podUid;
        const listed = await rt.listContainers({ podUid: podA ?? 'missing' });
        expect(listed.map((c) => c.id)).toEqual([a.containerId]);
        expect((await rt.listContainers()).map((c) => c.id).sort()).toEqual(
          [a.containerId, b.containerId].sort(),
        );
      });

      it("shows only this node's objects", async () => {
        const other = await open(`${nodeName}-other`);
        const mine = await run(cmd.sleepForever());
        const theirs = await run(cmd.sleepForever(), {}, other);
        expect((await rt.listContainers()).map((c) => c.id)).toEqual([mine.containerId]);
        expect((await other.listContainers()).map((c) => c.id)).toEqual([theirs.containerId]);
        expect((await rt.listPodSandboxes()).map((s) => s.id)).toEqual([mine.sandboxId]);
        expect((await other.listPodSandboxes()).map((s) => s.id)).toEqual([theirs.sandboxId]);
      });
    });

    describe('close', () => {
      it('leaves containers running; a new instance on the node adopts them', async () => {
        const { sandboxId, containerId } = await run(cmd.printOnTerm('adopted'));
        await waitForLine(containerId, 'ready');
        await rt.close();

        const next = await open(nodeName);
        const nextEvents = await recordEvents(next);
        expect((await next.listPodSandboxes()).map((s) => [s.id, s.state])).toEqual([[sandboxId, 'ready']]);
        const adopted = await next.listContainers();
        expect(adopted.map((c) => [c.id, c.state])).toEqual([[containerId, 'running']]);
        expect(await next.exec(containerId, cmd.echo('still here'))).toEqual(
          expect.objectContaining({ exitCode: 0, stdout: 'still here\n' }),
        );

        await next.stopContainer(containerId, 10_000);
        await nextEvents.next('exited', containerId);
        expect((await next.containerStatus(containerId))?.state).toBe('exited');
        expect(await readLogs(containerId, {}, next)).toContain('ready');
      });
    });
  });
}
