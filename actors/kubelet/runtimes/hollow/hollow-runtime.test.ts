import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../protocol/clock.js';
import { ExecTimeoutError, RuntimeError } from '../../../../protocol/errors.js';
import { describeRuntimeContract } from '../contract.js';
import type { ContainerConfig, RuntimeEvent, SandboxConfig } from '../runtime.js';
import { HollowRuntime } from './hollow-runtime.js';
import type { HollowBehaviour } from './simulated-commands.js';
import { hollowHarness } from './testing.js';

describeRuntimeContract('hollow', hollowHarness);

const sandboxConfig = (podUid: string, node = 'n1'): SandboxConfig => ({
  podUid,
  namespace: 'default',
  name: podUid,
  node,
  hostname: podUid,
  portMappings: [],
});

const containerConfig = (overrides: Partial<ContainerConfig> = {}): ContainerConfig => ({
  name: 'main',
  image: 'busybox',
  command: ['sleep', 'infinity'],
  env: [],
  mounts: [],
  attempt: 0,
  ...overrides,
});

describe('HollowRuntime on a simulated clock', () => {
  let clock: SimulatedClock;
  let events: RuntimeEvent[];

  const runtimeWith = async (behaviour: HollowBehaviour, startDelayMs = 0) => {
    const rt = new HollowRuntime({ node: 'n1', clock, startDelayMs, behaviour: () => behaviour });
    await rt.events((e) => events.push(e));
    const sandboxId = await rt.runPodSandbox(sandboxConfig('uid-1'));
    const id = await rt.createContainer(sandboxId, containerConfig());
    return { rt, id };
  };

  beforeEach(() => {
    clock = new SimulatedClock();
    events = [];
  });

  it('exits with its code after the behaviour says', async () => {
    const { rt, id } = await runtimeWith({ type: 'exit', code: 2, afterMs: 5000 });
    await rt.startContainer(id);
    await clock.advance(4999);
    expect((await rt.containerStatus(id))?.state).toBe('running');
    await clock.advance(1);
    expect(await rt.containerStatus(id)).toEqual(
      expect.objectContaining({ state: 'exited', exitCode: 2, reason: 'Error', finishedAt: clock.now() }),
    );
    expect(events.map((e) => e.type)).toEqual(['started', 'exited']);
  });

  it('starts after the start delay', async () => {
    const { rt, id } = await runtimeWith({ type: 'runForever' }, 300);
    const started = rt.startContainer(id);
    await clock.advance(299);
    expect(events).toEqual([]);
    await clock.advance(1);
    await started;
    expect(events).toEqual([{ type: 'started', containerId: id, podUid: 'uid-1' }]);
    expect((await rt.containerStatus(id))?.startedAt).toBe(clock.now());
  });

  it('fails to start when told: a RuntimeError, the container exited 128, no events', async () => {
    const { rt, id } = await runtimeWith({ type: 'failToStart', message: 'exec format error' });
    await expect(rt.startContainer(id)).rejects.toBeInstanceOf(RuntimeError);
    expect(await rt.containerStatus(id)).toEqual(
      expect.objectContaining({
        state: 'exited',
        exitCode: 128,
        reason: 'StartError',
        message: 'exec format error',
      }),
    );
    expect(events).toEqual([]);
  });

  it('kills a container that ignores SIGTERM when the grace period ends', async () => {
    const { rt, id } = await runtimeWith({ type: 'runForever', onTerm: { type: 'ignore' } });
    await rt.startContainer(id);
    let stopped = false;
    const stop = rt.stopContainer(id, 30_000).then(() => {
      stopped = true;
    });
    await clock.advance(29_999);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stop;
    expect((await rt.containerStatus(id))?.exitCode).toBe(137);
  });

  it('prints its argv and env at start', async () => {
    const rt = new HollowRuntime({ node: 'n1', clock });
    const sandboxId = await rt.runPodSandbox(sandboxConfig('uid-1'));
    const id = await rt.createContainer(
      sandboxId,
      containerConfig({ command: ['httpd'], args: ['-f'], env: [{ name: 'A', value: '1' }] }),
    );
    await rt.startContainer(id);
    const lines: string[] = [];
    await rt.logs(id, {}, (l) => lines.push(l));
    expect(lines).toEqual(['[hollow] main attempt 0 started: ["httpd","-f"]', '[hollow] env A=1']);
  });

  describe('exec', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'skiff-hollow-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('answers from its table: cat of a mounted file, printenv, unknown commands', async () => {
      writeFileSync(path.join(dir, 'key'), 'value');
      const rt = new HollowRuntime({ node: 'n1', clock });
      const sandboxId = await rt.runPodSandbox(sandboxConfig('uid-1'));
      const mounts = [{ hostPath: dir, containerPath: '/etc/config', readOnly: true }];
      const id = await rt.createContainer(
        sandboxId,
        containerConfig({ mounts, env: [{ name: 'X', value: 'y' }] }),
      );
      await rt.startContainer(id);
      expect(await rt.exec(id, ['cat', '/etc/config/key'])).toEqual({
        exitCode: 0,
        stdout: 'value',
        stderr: '',
      });
      expect((await rt.exec(id, ['cat', '/etc/config/nope'])).exitCode).toBe(1);
      expect((await rt.exec(id, ['cat', '/etc/passwd'])).exitCode).toBe(1);
      expect(await rt.exec(id, ['printenv', 'X'])).toEqual({ exitCode: 0, stdout: 'y\n', stderr: '' });
      expect((await rt.exec(id, ['printenv', 'Z'])).exitCode).toBe(1);
      expect((await rt.exec(id, ['wget', 'x'])).exitCode).toBe(127);
    });

    it('times out on simulated time', async () => {
      const rt = new HollowRuntime({ node: 'n1', clock });
      const sandboxId = await rt.runPodSandbox(sandboxConfig('uid-1'));
      const id = await rt.createContainer(sandboxId, containerConfig());
      await rt.startContainer(id);
      const exec = rt.exec(id, ['sleep', '10'], { timeoutMs: 1000 });
      const outcome = expect(exec).rejects.toBeInstanceOf(ExecTimeoutError);
      await clock.advance(1000);
      await outcome;
    });
  });
});

describe('HollowRuntime at scale', () => {
  it('1,000 runtimes with 3 running pods each fit in a small heap', async () => {
    const env = ['HOME', 'PATH', 'SERVICE_HOST', 'SERVICE_PORT', 'POD_NAME'].map((name) => ({
      name,
      value: 'x',
    }));
    const before = process.memoryUsage().heapUsed;
    const runtimes: HollowRuntime[] = [];
    for (let n = 0; n < 1000; n++) {
      const rt = new HollowRuntime({ node: `node-${n}` });
      await rt.events(() => undefined);
      for (let p = 0; p < 3; p++) {
        const sandboxId = await rt.runPodSandbox(sandboxConfig(`uid-${n}-${p}`, `node-${n}`));
        const id = await rt.createContainer(sandboxId, containerConfig({ env }));
        await rt.startContainer(id);
      }
      runtimes.push(rt);
    }
    const grownMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    expect((await runtimes[999]?.listContainers())?.map((c) => c.state)).toEqual([
      'running',
      'running',
      'running',
    ]);
    // About 2 KiB per pod measured after a GC (6 MiB in all); the bound leaves room for GC timing.
    expect(grownMiB).toBeLessThan(100);
    await Promise.all(runtimes.map((rt) => rt.close()));
  });
});
