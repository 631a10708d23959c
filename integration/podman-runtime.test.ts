/**
 * The podman runtime against real Podman (set up by scripts/setup-podman.sh): pods with ports
 * published on 127.0.0.1, containers from the local busybox image, exit events, graceful stop,
 * logs, exec, lists by label, a missing image, sandbox removal. Every pod is labelled with this
 * run's own node name and removed in afterAll.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { LibpodClient } from '../actors/kubelet/runtimes/podman/libpod-client.js';
import { PodmanRuntime } from '../actors/kubelet/runtimes/podman/podman-runtime.js';
import type { ContainerConfig, RuntimeEvent, SandboxConfig } from '../actors/kubelet/runtimes/runtime.js';
import { SKIFF_LABELS } from '../actors/kubelet/runtimes/runtime.js';
import { ExecTimeoutError, ImagePullError } from '../protocol/errors.js';
import { describeWithServices, freePort, PODMAN_SOCKET, podmanOrSkip } from './harness.js';

const skipReason = await podmanOrSkip();
const NODE = `it-${randomUUID().slice(0, 8)}`;

function sandbox(name: string, portMappings: SandboxConfig['portMappings'] = []): SandboxConfig {
  return { podUid: randomUUID(), namespace: 'default', name, node: NODE, hostname: name, portMappings };
}

function container(name: string, overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  return { name, image: 'busybox', env: [], mounts: [], attempt: 0, ...overrides };
}

const SLEEP = { command: ['sleep'], args: ['1000'] };

describeWithServices('podman runtime (real Podman)', skipReason, () => {
  let runtime: PodmanRuntime;
  let client: LibpodClient;
  const events: RuntimeEvent[] = [];

  /** A running sandbox with one running container in it. */
  async function runOne(
    name: string,
    config: Partial<ContainerConfig>,
    ports: SandboxConfig['portMappings'] = [],
  ) {
    const sandboxId = await runtime.runPodSandbox(sandbox(name, ports));
    const containerId = await runtime.createContainer(sandboxId, container('main', config));
    await runtime.startContainer(containerId);
    return { sandboxId, containerId };
  }

  beforeAll(async () => {
    client = new LibpodClient({ socketPath: PODMAN_SOCKET });
    runtime = new PodmanRuntime({ node: NODE, socketPath: PODMAN_SOCKET });
    await runtime.events((e) => events.push(e));
  });

  afterAll(async () => {
    const pods = await client.listPods({ label: [`${SKIFF_LABELS.node}=${NODE}`] });
    await Promise.all(pods.map((p) => runtime.removePodSandbox(p.Id)));
    await runtime.close();
    await client.close();
  });

  it('reports its version', async () => {
    expect(await runtime.version()).toMatch(/^podman:\/\/4\./);
  });

  it('serves busybox httpd on a port published on 127.0.0.1', async () => {
    const hostPort = await freePort();
    const started = performance.now();
    const { containerId } = await runOne('web', { command: ['httpd', '-f', '-p', '80', '-h', '/var/www'] }, [
      { containerPort: 80, hostPort, hostIP: '127.0.0.1', protocol: 'TCP' },
    ]);
    const running = performance.now() - started;
    const page = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${hostPort}/`);
        return res.ok ? res.text() : false;
      },
      { timeoutMs: 10_000, description: 'httpd answers' },
    );
    process.stdout.write(
      `podman: pod create to container running ${running.toFixed(0)} ms, serving ${(performance.now() - started).toFixed(0)} ms\n`,
    );
    expect(page).toContain('busybox httpd');
    const status = await runtime.containerStatus(containerId);
    expect(status).toMatchObject({
      state: 'running',
      name: 'main',
      attempt: 0,
      image: expect.stringContaining('busybox'),
    });
  });

  it('gives the container its env, args and working dir', async () => {
    const { containerId } = await runOne('env', {
      ...SLEEP,
      env: [
        { name: 'GREETING', value: 'hello' },
        { name: 'TWICE', value: 'first' },
        { name: 'TWICE', value: 'second' },
      ],
      workingDir: '/var/www',
    });
    const env = await runtime.exec(containerId, ['env']);
    expect(env.stdout.split('\n')).toEqual(expect.arrayContaining(['GREETING=hello', 'TWICE=second']));
    expect((await runtime.exec(containerId, ['pwd'])).stdout).toBe('/var/www\n');
    const cmdline = await runtime.exec(containerId, ['cat', '/proc/1/cmdline']);
    expect(cmdline.stdout.split('\0').filter(Boolean)).toEqual(['sleep', '1000']);
  });

  it('reports starts, and exits with their exit code, whether the process exits or is killed', async () => {
    const exits = await runOne('exits', { command: ['sh', '-c', 'exit 3'] });
    const killed = await runOne('killed', SLEEP);
    const exitOf = (id: string) =>
      events.find(
        (e): e is Extract<RuntimeEvent, { type: 'exited' }> => e.type === 'exited' && e.containerId === id,
      );
    await waitFor(() => exitOf(exits.containerId) !== undefined, {
      timeoutMs: 10_000,
      description: 'exit event',
    });
    expect(exitOf(exits.containerId)?.exitCode).toBe(3);
    const startedAt = events.findIndex((e) => e.type === 'started' && e.containerId === exits.containerId);
    expect(startedAt).toBeGreaterThanOrEqual(0);
    expect(startedAt).toBeLessThan(events.indexOf(exitOf(exits.containerId)!));

    await waitFor(() => events.some((e) => e.type === 'started' && e.containerId === killed.containerId), {
      timeoutMs: 10_000,
    });
    await client.killContainer(killed.containerId, 'SIGKILL');
    await waitFor(() => exitOf(killed.containerId) !== undefined, {
      timeoutMs: 10_000,
      description: 'kill event',
    });
    expect(exitOf(killed.containerId)).toMatchObject({ exitCode: 137, podUid: expect.any(String) });
    expect(await runtime.containerStatus(exits.containerId)).toMatchObject({
      state: 'exited',
      exitCode: 3,
      reason: 'Error',
    });
  });

  it('stops a process that ignores SIGTERM after its grace period, and one that obeys at once', async () => {
    const stubborn = await runOne('stubborn', { command: ['sh', '-c', "trap '' TERM; sleep 1000"] });
    const polite = await runOne('polite', { command: ['sh', '-c', "trap 'exit 0' TERM; sleep 1000 & wait"] });
    const graceMs = 1_500;

    let started = performance.now();
    await runtime.stopContainer(stubborn.containerId, graceMs);
    const stubbornMs = performance.now() - started;
    expect(stubbornMs).toBeGreaterThanOrEqual(graceMs - 50);
    expect(stubbornMs).toBeLessThan(graceMs + 3_000);
    expect(await runtime.containerStatus(stubborn.containerId)).toMatchObject({
      state: 'exited',
      exitCode: 137,
    });

    started = performance.now();
    await runtime.stopContainer(polite.containerId, 10_000);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await runtime.containerStatus(polite.containerId)).toMatchObject({ state: 'exited', exitCode: 0 });
    // Stopping what has stopped is a no-op.
    await runtime.stopContainer(polite.containerId, 1_000);
    process.stdout.write(
      `podman: stop with ${graceMs} ms grace against ignored SIGTERM took ${stubbornMs.toFixed(0)} ms\n`,
    );
  });

  it('reads logs with a tail, and follows them', async () => {
    const fixed = await runOne('logs', {
      command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; sleep 1000'],
    });
    const all: string[] = [];
    await waitFor(
      async () => {
        all.length = 0;
        await (await runtime.logs(fixed.containerId, {}, (l) => all.push(l))).done;
        return all.length === 6;
      },
      { timeoutMs: 10_000, description: 'six log lines' },
    );
    expect(all).toEqual(['line1', 'line2', 'line3', 'line4', 'line5', 'oops']);
    const tail: string[] = [];
    await (await runtime.logs(fixed.containerId, { tailLines: 2 }, (l) => tail.push(l))).done;
    expect(tail).toEqual(['line5', 'oops']);

    const ticking = await runOne('ticks', {
      command: ['sh', '-c', 'i=0; while true; do echo tick$i; i=$((i+1)); sleep 0.1; done'],
    });
    const followed: string[] = [];
    const stream = await runtime.logs(ticking.containerId, { follow: true }, (l) => followed.push(l));
    await waitFor(() => followed.includes('tick5'), { timeoutMs: 10_000, description: 'followed lines' });
    await stream.close();
    await stream.done;
    expect(followed.slice(0, 6)).toEqual(['tick0', 'tick1', 'tick2', 'tick3', 'tick4', 'tick5']);

    // Following a container that exits ends when it does.
    const short = await runOne('short', { command: ['sh', '-c', 'echo bye; sleep 0.3'] });
    const lines: string[] = [];
    const ending = await runtime.logs(short.containerId, { follow: true }, (l) => lines.push(l));
    await ending.done;
    expect(lines).toEqual(['bye']);
  });

  it('runs exec commands with their output and exit code, and times them out', async () => {
    const { containerId } = await runOne('exec', SLEEP);
    const result = await runtime.exec(containerId, ['sh', '-c', 'echo out; echo err >&2; exit 4']);
    expect(result).toEqual({ exitCode: 4, stdout: 'out\n', stderr: 'err\n' });
    expect(await runtime.exec(containerId, ['true'])).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    await expect(runtime.exec(containerId, ['sleep', '5'], { timeoutMs: 300 })).rejects.toBeInstanceOf(
      ExecTimeoutError,
    );
  });

  it("lists this node's sandboxes and containers by label, and another node sees none", async () => {
    const hostPort = await freePort();
    const config = sandbox('listed', [
      { containerPort: 8080, hostPort, hostIP: '127.0.0.1', protocol: 'TCP' },
    ]);
    const sandboxId = await runtime.runPodSandbox(config);
    const first = await runtime.createContainer(sandboxId, container('app', SLEEP));
    const second = await runtime.createContainer(sandboxId, container('app', { ...SLEEP, attempt: 1 }));
    await runtime.startContainer(second);

    const sandboxes = await runtime.listPodSandboxes();
    expect(sandboxes.find((s) => s.id === sandboxId)).toMatchObject({
      podUid: config.podUid,
      namespace: 'default',
      name: 'listed',
      state: 'ready',
      portMappings: [{ containerPort: 8080, hostPort, hostIP: '127.0.0.1', protocol: 'TCP' }],
    });
    const containers = await runtime.listContainers({ podUid: config.podUid });
    expect(containers.map((c) => [c.id, c.name, c.attempt, c.state, c.sandboxId]).sort()).toEqual(
      [
        [first, 'app', 0, 'created', sandboxId],
        [second, 'app', 1, 'running', sandboxId],
      ].sort(),
    );
    expect((await runtime.listContainers()).length).toBeGreaterThanOrEqual(2);

    const elsewhere = new PodmanRuntime({ node: `${NODE}-other`, socketPath: PODMAN_SOCKET });
    try {
      expect(await elsewhere.listPodSandboxes()).toEqual([]);
      expect(await elsewhere.listContainers()).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('fails a missing image with ImagePullError and keeps working', async () => {
    const sandboxId = await runtime.runPodSandbox(sandbox('missing'));
    expect(await runtime.imageExists('skiff-test/no-such-image:1')).toBe(false);
    expect(await runtime.imageExists('busybox')).toBe(true);
    await expect(
      runtime.createContainer(sandboxId, container('app', { image: 'skiff-test/no-such-image:1' })),
    ).rejects.toBeInstanceOf(ImagePullError);
    await expect(runtime.pullImage('skiff-test/no-such-image:1')).rejects.toBeInstanceOf(ImagePullError);
    const id = await runtime.createContainer(sandboxId, container('app', SLEEP));
    expect((await runtime.containerStatus(id))?.state).toBe('created');
  });

  it('removes a sandbox with its containers, and removing it again is not an error', async () => {
    const config = sandbox('removed');
    const sandboxId = await runtime.runPodSandbox(config);
    const running = await runtime.createContainer(sandboxId, container('a', SLEEP));
    await runtime.startContainer(running);
    const created = await runtime.createContainer(sandboxId, container('b', SLEEP));

    await runtime.stopPodSandbox(sandboxId);
    expect((await runtime.containerStatus(running))?.state).toBe('exited');
    await runtime.removePodSandbox(sandboxId);
    expect(await runtime.containerStatus(running)).toBeUndefined();
    expect(await runtime.containerStatus(created)).toBeUndefined();
    expect(await runtime.listContainers({ podUid: config.podUid })).toEqual([]);
    expect((await runtime.listPodSandboxes()).some((s) => s.id === sandboxId)).toBe(false);
    await runtime.removePodSandbox(sandboxId);
    await runtime.stopPodSandbox(sandboxId);
    await runtime.removeContainer(running);
  });
});
