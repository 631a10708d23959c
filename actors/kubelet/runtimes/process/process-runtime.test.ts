import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecTimeoutError, RuntimeError } from '../../../../protocol/errors.js';
import { noopLogger } from '../../../../protocol/logger.js';
import { waitFor } from '../../../kernel/testing/wait-for.js';
import { describeRuntimeContract } from '../contract.js';
import type { ContainerConfig, ContainerRuntime, RuntimeEvent, SandboxConfig } from '../runtime.js';
import { isSameLiveProcess, readProcStat, signalGroup } from './proc.js';
import { ProcessRuntime } from './process-runtime.js';
import { readRecords } from './state.js';
import { destroyStateDir, newStateDir, processHarness } from './testing.js';

describeRuntimeContract('process', processHarness);

describe('ProcessRuntime', () => {
  let stateDir: string;
  let opened: ContainerRuntime[];
  let events: RuntimeEvent[];

  const open = async (options: { adoptedPollMs?: number } = {}) => {
    const rt = await ProcessRuntime.open({ node: 'n1', stateDir, adoptedPollMs: 50, ...options });
    opened.push(rt);
    await rt.events((e) => events.push(e));
    return rt;
  };
  const sandbox = (overrides: Partial<SandboxConfig> = {}): SandboxConfig => ({
    podUid: 'uid-1',
    namespace: 'default',
    name: 'web',
    node: 'n1',
    hostname: 'web',
    portMappings: [],
    ...overrides,
  });
  const container = (command: string[], overrides: Partial<ContainerConfig> = {}): ContainerConfig => ({
    name: 'main',
    image: 'anything:at-all',
    command,
    env: [],
    mounts: [],
    attempt: 0,
    ...overrides,
  });
  const run = async (rt: ContainerRuntime, command: string[], overrides: Partial<ContainerConfig> = {}) => {
    const sandboxId = await rt.runPodSandbox(sandbox());
    const id = await rt.createContainer(sandboxId, container(command, overrides));
    await rt.startContainer(id);
    return id;
  };
  const exitedEvent = (id: string) =>
    waitFor(() => events.find((e) => e.type === 'exited' && e.containerId === id) ?? false, {
      timeoutMs: 10_000,
      description: `exited event of ${id}`,
    });
  const pidOf = (id: string) =>
    readRecords(stateDir, noopLogger).find((r) => r.id === id && r.kind === 'container');

  beforeEach(() => {
    stateDir = newStateDir();
    opened = [];
    events = [];
  });

  afterEach(async () => {
    for (const rt of opened) await rt.close();
    destroyStateDir(stateDir);
  });

  it('treats every image as present unless given a set', async () => {
    const rt = await open();
    expect(await rt.imageExists('whatever/you:like')).toBe(true);
  });

  it('refuses a sandbox whose host port differs from its container port', async () => {
    const rt = await open();
    const port = (hostPort: number) => ({
      containerPort: 8080,
      hostPort,
      hostIP: '0.0.0.0',
      protocol: 'TCP' as const,
    });
    await expect(rt.runPodSandbox(sandbox({ portMappings: [port(30080)] }))).rejects.toThrow(
      /hostPort must equal containerPort/,
    );
    await expect(rt.runPodSandbox(sandbox({ portMappings: [port(8080)] }))).resolves.toEqual(
      expect.any(String),
    );
  });

  it('gives the process exactly its env, plus the host PATH when it sets none', async () => {
    const rt = await open();
    const id = await run(rt, ['env'], { env: [{ name: 'ONLY', value: 'me' }] });
    await exitedEvent(id);
    const lines: string[] = [];
    await (await rt.logs(id, {}, (l) => lines.push(l))).done;
    expect(lines.map((l) => l.split('=')[0]).sort()).toEqual(['ONLY', 'PATH']);
    expect(lines).toContain(`PATH=${process.env.PATH}`);
  });

  it('writes each log line with an RFC 3339 timestamp under the state directory', async () => {
    const rt = await open();
    const id = await run(rt, ['echo', 'stamped']);
    await exitedEvent(id);
    const file = readFileSync(path.join(stateDir, 'uid-1', 'main-0.log'), 'utf8');
    expect(file).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z stamped\n$/);
  });

  it('a failed start is a RuntimeError and leaves the container exited with StartError', async () => {
    const rt = await open();
    const sandboxId = await rt.runPodSandbox(sandbox());
    const id = await rt.createContainer(sandboxId, container(['/no/such/command']));
    await expect(rt.startContainer(id)).rejects.toBeInstanceOf(RuntimeError);
    expect(await rt.containerStatus(id)).toEqual(
      expect.objectContaining({ state: 'exited', exitCode: 128, reason: 'StartError' }),
    );
  });

  it('ends the whole process group when the main process exits', async () => {
    const rt = await open();
    const id = await run(rt, ['sh', '-c', 'sleep 100000 & echo $!; exit 0']);
    await exitedEvent(id);
    const lines: string[] = [];
    await (await rt.logs(id, {}, (l) => lines.push(l))).done;
    const orphan = Number(lines[0]);
    expect(orphan).toBeGreaterThan(0);
    await waitFor(() => readProcStat(orphan) === undefined || readProcStat(orphan)?.state === 'Z', {
      description: 'the background sleep is gone',
    });
  });

  it('exec: a command not found is 127; one that outlasts its timeout is an ExecTimeoutError', async () => {
    const rt = await open();
    const id = await run(rt, ['sleep', '100000']);
    expect((await rt.exec(id, ['/no/such/command'])).exitCode).toBe(127);
    await expect(rt.exec(id, ['sleep', '100000'], { timeoutMs: 50 })).rejects.toBeInstanceOf(
      ExecTimeoutError,
    );
  });

  describe('across instances on one state directory', () => {
    it('adopts a running process and learns of its exit by watching /proc', async () => {
      const first = await open();
      const id = await run(first, ['sleep', '100000']);
      await first.close();

      const second = await open();
      expect((await second.containerStatus(id))?.state).toBe('running');
      const record = pidOf(id);
      expect(record?.kind === 'container' && record.pid).toBeGreaterThan(0);
      if (record?.kind === 'container' && record.pid) signalGroup(record.pid, 'SIGKILL');
      expect(await exitedEvent(id)).toEqual(
        expect.objectContaining({ exitCode: 137, reason: 'ContainerStatusUnknown' }),
      );
    });

    it('reports a process that exited while no instance watched', async () => {
      const first = await open();
      const id = await run(first, ['sleep', '100000']);
      await first.close();
      const record = pidOf(id);
      if (record?.kind === 'container' && record.pid) signalGroup(record.pid, 'SIGKILL');
      await waitFor(
        () => record?.kind === 'container' && !isSameLiveProcess(record.pid ?? 0, record.pidStartTicks ?? ''),
      );

      const second = await open();
      expect(await second.containerStatus(id)).toEqual(
        expect.objectContaining({ state: 'exited', exitCode: 137, reason: 'ContainerStatusUnknown' }),
      );
    });

    it('does not adopt a live pid whose start time differs (a reused pid)', async () => {
      const first = await open();
      const id = await run(first, ['sleep', '100000']);
      await first.close();
      const record = pidOf(id);
      if (record?.kind !== 'container') throw new Error('no record');
      const file = path.join(stateDir, 'uid-1', 'main-0.json');
      writeFileSync(file, JSON.stringify({ ...record, pidStartTicks: '1' }));

      const second = await open();
      expect((await second.containerStatus(id))?.reason).toBe('ContainerStatusUnknown');
      if (record.pid) signalGroup(record.pid, 'SIGKILL');
    });

    it('keeps the output an adopted process wrote while no instance read it', async () => {
      const first = await open();
      // The marker file says the line is written (into the FIFO, as nobody reads it then).
      const marker = path.join(stateDir, 'printed');
      const script =
        'trap \'echo late line; touch "$1"\' USR1; echo ready; while :; do sleep 100000 & wait; done';
      const id = await run(first, ['sh', '-c', script, 'sh', marker]);
      await waitFor(() => readFileSync(path.join(stateDir, 'uid-1', 'main-0.log'), 'utf8').includes('ready'));
      await first.close();
      const record = pidOf(id);
      if (record?.kind !== 'container' || !record.pid) throw new Error('no pid');
      // Printed while nobody reads: it waits in the FIFO, which the process holds open.
      signalGroup(record.pid, 'SIGUSR1');
      await waitFor(() => existsSync(marker), { description: 'the trap ran' });

      const second = await open();
      await second.stopContainer(id, 5000);
      const lines: string[] = [];
      await (await second.logs(id, {}, (l) => lines.push(l))).done;
      expect(lines).toEqual(['ready', 'late line']);
    });
  });
});
