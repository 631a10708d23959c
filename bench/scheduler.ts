/**
 * `npm run bench -- scheduler --nodes 5000 --pods 10000`: scheduling throughput with nodes as API
 * objects only (as kube-scheduler's scheduler_perf SchedulingBasic does). An API server runs as
 * its own process (`skiff run apiserver`) on real NATS and Redis; the scheduler runs here with
 * leader election on, so every bind carries its fencing token. Pods are created first, then the
 * scheduler starts; the figure is pods bound per second from the moment its caches are synced.
 * The floors (raw NATS request/reply, raw Redis Lua write) are measured in the same run.
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { createLogger, silentLogger } from '../actors/kernel/log.js';
import { Scheduler } from '../actors/scheduler/scheduler.js';
import { removeKeys, removeStreams } from '../integration/cluster.js';
import { sharedServices } from '../integration/harness.js';
import { cliBuilt, startSkiff } from '../integration/skiff-process.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { NatsTransport } from '../protocol/client/nats.js';
import { systemClock } from '../protocol/clock.js';
import { Subjects } from '../protocol/subjects.js';
import { measureFloors } from './api.js';
import { measure, percentile, round } from './stats.js';

export interface SchedulerBenchOptions {
  readonly nodes: number;
  readonly pods: number;
}

/** Runs the scheduler benchmark; prints progress, a JSON line of figures with their floors, and a summary. */
export async function benchScheduler(options: SchedulerBenchOptions): Promise<void> {
  if (!cliBuilt()) throw new Error('the CLI is not built: run `npm run build` first');
  const services = await sharedServices();
  const natsUrl = services.nats?.url ?? '';
  const redisUrl = services.redis?.url ?? '';
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const subjects = new Subjects(prefix);
  const apiserver = await startSkiff(
    ['run', 'apiserver', '--prefix', prefix, '--listen', '127.0.0.1:0', '--log-level', 'warn'],
    {
      env: { NATS_URL: natsUrl, REDIS_URL: redisUrl },
      ready: /apiserver ready/,
    },
  );
  const bus = await NatsBus.connect({ servers: natsUrl, name: 'bench-scheduler', log: silentLogger() });
  const client = new ApiClient(new NatsTransport({ bus, subjects, timeoutMs: 30_000 }));
  const progress = (msg: string) => process.stderr.write(`[scheduler bench] ${msg}\n`);
  let scheduler: Scheduler | undefined;
  try {
    progress(`creating ${options.nodes} nodes`);
    await measure(options.nodes, 64, (i) => client.create('nodes', node(`node-${i}`)));
    progress(`creating ${options.pods} pods`);
    await measure(options.pods, 64, (i) => client.create('pods', pod(`pod-${i}`)));

    const bindMs: number[] = [];
    let lastBound = 0;
    const allBound = new Promise<void>((resolve) => {
      scheduler = new Scheduler({
        client,
        clock: systemClock,
        log: createLogger({ component: 'scheduler', level: 'warn' }),
        registry: new Registry(),
        identity: 'bench',
        onBound: (_key, ms) => {
          bindMs.push(ms);
          lastBound = performance.now();
          if (bindMs.length % 2000 === 0) progress(`${bindMs.length} bound`);
          if (bindMs.length === options.pods) resolve();
        },
      });
    });
    const started = performance.now();
    await scheduler?.start();
    const synced = performance.now();
    progress(`caches synced in ${round((synced - started) / 1000, 2)} s; scheduling`);
    await allBound;
    const seconds = (lastBound - synced) / 1000;
    bindMs.sort((a, b) => a - b);

    progress('measuring floors');
    const floors = await measureFloors(natsUrl, redisUrl, 5000, 64, 600, prefix);
    const figures = {
      bench: 'scheduler',
      nodes: options.nodes,
      pods: options.pods,
      seconds: round(seconds, 3),
      podsPerSecond: Math.round(options.pods / seconds),
      p50BindMs: round(percentile(bindMs, 0.5), 2),
      p99BindMs: round(percentile(bindMs, 0.99), 2),
      syncSeconds: round((synced - started) / 1000, 3),
      floorNatsRequestsPerSecond: floors.request.opsPerSecond,
      floorNatsP50Ms: floors.request.p50Ms,
      floorRedisLuaWritesPerSecond: floors.redisWrite.opsPerSecond,
      floorRedisP50Ms: floors.redisWrite.p50Ms,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    process.stdout.write(
      `${figures.podsPerSecond} pods/s (${options.pods} pods, ${options.nodes} nodes, ${figures.seconds} s), bind p50 ${figures.p50BindMs} ms p99 ${figures.p99BindMs} ms; floors: NATS request/reply ${figures.floorNatsRequestsPerSecond}/s, Redis Lua write ${figures.floorRedisLuaWritesPerSecond}/s\n`,
    );
  } finally {
    await scheduler?.stop();
    await apiserver.stop();
    await bus.close();
    await removeStreams(natsUrl, subjects);
    await removeKeys(redisUrl, prefix);
    await services.dispose();
  }
}

function node(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function pod(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'bench' } },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'localhost/pause:1',
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
    },
  };
}
