/**
 * `npm run bench -- pods`: how long a pod takes from create to Running.
 *
 * - **Podman:** pods created one after the other on a kubelet with the Podman runtime (an API
 *   server on the in-process bus in this process), each timed from the create call to the watch
 *   event that shows it Running; beside it, the floor: `podman run -d` of the same image and
 *   command, timed to its return (the container is running then), in the same run.
 * - **Hollow:** pods created at a steady 20/s on a hollow kubelet, create to Running.
 * Targets (issue 9): Podman ≤ 1.3× bare `podman run`; hollow p99 ≤ 100 ms.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { type InProcessCluster, startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import { silentLogger } from '../actors/kernel/log.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { PodmanRuntime } from '../actors/kubelet/runtimes/podman/podman-runtime.js';
import type { ContainerRuntime } from '../actors/kubelet/runtimes/runtime.js';
import { systemClock } from '../protocol/clock.js';
import type { Pod } from '../protocol/resources/pod.js';
import { percentile, round } from './stats.js';

const run = promisify(execFile);
const IMAGE = 'docker.io/library/busybox:latest';
const COMMAND = ['sh', '-c', "trap 'exit 0' TERM; sleep 100000 & wait"];

export interface PodsBenchOptions {
  readonly podman: number;
  readonly hollow: number;
  readonly hollowRate: number;
}

/** Runs the pod benchmarks; prints progress, a JSON line of figures with their floor, and a summary. */
export async function benchPods(options: PodsBenchOptions): Promise<void> {
  const progress = (msg: string) => process.stderr.write(`[pods bench] ${msg}\n`);
  progress(`bare podman run × ${options.podman} (the floor)`);
  const floor = await podmanRunFloor(options.podman);
  progress(`${options.podman} pods on a Podman kubelet, one after the other`);
  const podman = await onKubelet(
    new PodmanRuntime({ node: 'bench-podman' }),
    'bench-podman',
    options.podman,
    0,
  );
  progress(`${options.hollow} pods on a hollow kubelet at ${options.hollowRate}/s`);
  const hollow = await onKubelet(
    new HollowRuntime({ node: 'bench-hollow' }),
    'bench-hollow',
    options.hollow,
    1000 / options.hollowRate,
  );
  const figures = {
    podman: { pods: options.podman, ...summary(podman) },
    floor: { runs: options.podman, ...summary(floor) },
    ratioP50: round(percentile(podman, 0.5) / percentile(floor, 0.5), 2),
    hollow: { pods: options.hollow, ratePerSecond: options.hollowRate, ...summary(hollow) },
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.stdout.write(
    `podman pods: p50 ${figures.podman.p50Ms} ms, p99 ${figures.podman.p99Ms} ms (bare podman run: p50 ${figures.floor.p50Ms} ms, p99 ${figures.floor.p99Ms} ms; ${figures.ratioP50}× at p50)\n` +
      `hollow pods at ${options.hollowRate}/s: p50 ${figures.hollow.p50Ms} ms, p99 ${figures.hollow.p99Ms} ms\n`,
  );
}

function summary(latencies: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = Float64Array.from(latencies).sort();
  return { p50Ms: round(percentile(sorted, 0.5), 1), p99Ms: round(percentile(sorted, 0.99), 1) };
}

/** `podman run -d` of the same image and command: create and start in one call. */
async function podmanRunFloor(count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `skiff-bench-floor-${process.pid}-${i}`;
    const started = performance.now();
    await run('podman', ['run', '-d', '--rm', '--name', name, IMAGE, ...COMMAND]);
    latencies.push(performance.now() - started);
    await run('podman', ['rm', '-f', '-t', '0', name]);
  }
  return latencies;
}

/** Creates `count` pods bound to a kubelet on `runtime`, `gapMs` apart (0: each after the last ran). */
async function onKubelet(
  runtime: ContainerRuntime,
  node: string,
  count: number,
  gapMs: number,
): Promise<number[]> {
  const cluster = await startInProcessCluster();
  const kubelet = new Kubelet({
    nodeName: node,
    client: cluster.client,
    bus: cluster.bus,
    subjects: cluster.subjects,
    runtime,
    clock: systemClock,
    log: silentLogger(),
    registry: new Registry(),
    facts: { hostIP: '127.0.0.1' },
  });
  try {
    await kubelet.start();
    return await timePods(cluster, node, count, gapMs);
  } finally {
    for (const pod of (await cluster.client.list<Pod>('pods', { namespace: 'default' })).items) {
      await cluster.client.delete('pods', 'default', pod.metadata.name ?? '', { gracePeriodSeconds: 1 });
    }
    await waitUntil(
      async () => (await cluster.client.list('pods', { namespace: 'default' })).items.length === 0,
    );
    await kubelet.stop();
    await runtime.close();
    await cluster.stop();
  }
}

async function timePods(
  cluster: InProcessCluster,
  node: string,
  count: number,
  gapMs: number,
): Promise<number[]> {
  const createdAt = new Map<string, number>();
  const latencies: number[] = [];
  let settle: (() => void) | undefined;
  const all = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const running = new Map<string, () => void>();
  const watch = await cluster.client.watch({ resource: 'pods', namespace: 'default' }, (event) => {
    const pod = event.object as Pod;
    const name = pod.metadata.name ?? '';
    const at = createdAt.get(name);
    if (pod.status?.phase !== 'Running' || at === undefined || running.has(name)) return;
    latencies.push(performance.now() - at);
    running.set(name, () => undefined);
    if (latencies.length === count) settle?.();
  });
  for (let i = 0; i < count; i++) {
    const name = `bench-${i}`;
    const started = performance.now();
    createdAt.set(name, started);
    await cluster.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: IMAGE, command: COMMAND }],
      },
    } as unknown as Pod);
    if (gapMs === 0) await waitUntil(() => running.has(name));
    else await sleepUntil(started + gapMs);
  }
  await all;
  await watch.close();
  return latencies;
}

async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 2));
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}
