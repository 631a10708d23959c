/**
 * `npm run bench -- proxy`: what the proxy costs a client, against the same load sent to the
 * backend directly, in the same run.
 *
 *   bench (this process): API server (HTTP face, in-process bus) + load generator (undici)
 *     ├── backend: node http server on 127.0.0.1 (child process)
 *     └── proxy:   `skiff run proxy --server URL` (child process: the real component, built CLI)
 *
 * The backend is reached directly at 127.0.0.1:port and through the proxy at clusterIP:port of a
 * Service whose Endpoints point at it. Each process has its own event loop, as in a deployment:
 * a proxy sharing the load generator's loop would measure the generator, not the proxy.
 *
 * - keep-alive: `--connections` (default 8) undici connections, one request in flight on each,
 *   for `--seconds` (default 4) per phase, direct and proxied alternately, twice each;
 * - churn: a new TCP connection per request (`Connection: close`), 4 in flight;
 * - bulk: 1 MiB responses over keep-alive connections: MB/s.
 * Targets (issue 11): under 1 ms added at p99, at least 70% of direct keep-alive throughput.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import { percentile, round } from './stats.js';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/cli/commands/run/proxy.js', import.meta.url));
const CLUSTER_IP = '127.77.250.1';
const SERVICE_PORT = 8080;
const BULK_BYTES = 1024 * 1024;
/** Keep-alive rounds per path, alternating direct and proxied. */
const ROUNDS = 3;

/** The backend: `/` answers a short body, `/big` 1 MiB. */
const BACKEND_SOURCE = `
const http = require('node:http');
const big = Buffer.alloc(${BULK_BYTES}, 120);
const server = http.createServer((req, res) => {
  if (req.url === '/big') { res.writeHead(200, { 'content-length': big.length }); res.end(big); return; }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 });
  res.end('ok\\n');
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export interface ProxyBenchOptions {
  readonly seconds: number;
  readonly connections: number;
}

interface Phase {
  readonly requests: number;
  /** CPU time per request, µs: the load generator (this process), the proxy, the backend. */
  readonly cpuUsPerRequest?: { readonly client: number; readonly proxy: number; readonly backend: number };
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly mbPerSecond?: number;
}

/** Runs the proxy benchmark; prints progress on stderr, a JSON line and a summary on stdout. */
export async function benchProxy(options: ProxyBenchOptions): Promise<void> {
  const progress = (msg: string) => process.stderr.write(`[proxy bench] ${msg}\n`);
  if (!existsSync(DIST)) throw new Error('the CLI is not built: run `npm run build` (npm run bench does)');
  const cluster = await startInProcessCluster({ http: true });
  const children: ChildProcess[] = [];
  try {
    const backend = spawn(process.execPath, ['-e', BACKEND_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(backend);
    const backendPort = Number(await firstLine(backend));
    await cluster.client.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'bench', namespace: 'default' },
      spec: { clusterIP: CLUSTER_IP, ports: [{ port: SERVICE_PORT, protocol: 'TCP' }] },
    });
    await cluster.client.create('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'bench', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: backendPort, protocol: 'TCP' }] }],
    });
    const proxy = spawn(
      process.execPath,
      [
        BIN,
        'run',
        'proxy',
        '--server',
        cluster.url,
        '--node-name',
        'bench',
        '--no-pod-listeners',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(proxy);
    await firstLine(proxy);
    const direct = `http://127.0.0.1:${backendPort}`;
    const proxied = `http://${CLUSTER_IP}:${SERVICE_PORT}`;
    await waitServing(proxied);

    const pids = { proxy: proxy.pid as number, backend: backend.pid as number };
    const rounds = { direct: [] as Phase[], proxied: [] as Phase[] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, origin] of [
        ['direct', direct],
        ['proxied', proxied],
      ] as const) {
        progress(
          `keep-alive ${name}, round ${i + 1}: ${options.connections} connections, ${options.seconds} s`,
        );
        rounds[name].push(
          await withCpu(pids, () => keepAlive(origin, '/', options.connections, options.seconds)),
        );
      }
    }
    const churn = { direct: {} as Phase, proxied: {} as Phase };
    const bulk = { direct: {} as Phase, proxied: {} as Phase };
    for (const [name, origin] of [
      ['direct', direct],
      ['proxied', proxied],
    ] as const) {
      progress(`new-connection churn ${name}: 4 in flight, ${options.seconds} s`);
      churn[name] = await withCpu(pids, () => newConnections(origin, 4, options.seconds));
      progress(`bulk ${name}: 1 MiB responses, 2 connections, ${options.seconds} s`);
      bulk[name] = await keepAlive(origin, '/big', 2, options.seconds, BULK_BYTES);
    }
    // The median round by throughput: this machine's other load moves single rounds a lot.
    const median = (phases: Phase[]) =>
      [...phases].sort((a, b) => a.rps - b.rps)[Math.floor(phases.length / 2)] as Phase;
    const d = median(rounds.direct);
    const p = median(rounds.proxied);
    const figures = {
      directRps: d.rps,
      proxiedRps: p.rps,
      ratio: round(p.rps / d.rps, 3),
      addedP50Ms: round(p.p50Ms - d.p50Ms, 3),
      addedP99Ms: round(p.p99Ms - d.p99Ms, 3),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    process.stdout.write(
      `${JSON.stringify({
        keepAlive: { connections: options.connections, direct: rounds.direct, proxied: rounds.proxied },
        churn: {
          ...churn,
          ratio: round(churn.proxied.rps / churn.direct.rps, 3),
          addedP50Ms: round(churn.proxied.p50Ms - churn.direct.p50Ms, 3),
          addedP99Ms: round(churn.proxied.p99Ms - churn.direct.p99Ms, 3),
        },
        bulk: {
          direct: bulk.direct.mbPerSecond,
          proxied: bulk.proxied.mbPerSecond,
          ratio: round((bulk.proxied.mbPerSecond ?? 0) / (bulk.direct.mbPerSecond ?? 1), 3),
        },
      })}\n`,
    );
    process.stdout.write(
      `keep-alive: direct ${d.rps} req/s (p50 ${d.p50Ms} ms, p99 ${d.p99Ms} ms), proxied ${p.rps} req/s (p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms): ${figures.ratio}× throughput, +${figures.addedP50Ms} ms p50, +${figures.addedP99Ms} ms p99\n` +
        `churn: direct ${churn.direct.rps} conn/s, proxied ${churn.proxied.rps} conn/s; bulk: direct ${bulk.direct.mbPerSecond} MB/s, proxied ${bulk.proxied.mbPerSecond} MB/s\n`,
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(undefined) : c.once('exit', resolve))),
      ),
    );
    await cluster.stop();
  }
}

/** `connections` keep-alive connections, each with one request in flight, for `seconds`. */
async function keepAlive(
  origin: string,
  path: string,
  connections: number,
  seconds: number,
  bytes = 0,
): Promise<Phase> {
  const agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  // Warm up: open every connection before the clock starts.
  await Promise.all(Array.from({ length: connections }, () => get(agent, origin, path)));
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await get(agent, origin, path);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await agent.close();
  return phase(latencies, elapsed, bytes);
}

async function get(agent: Agent, origin: string, path: string): Promise<void> {
  const res = await request(`${origin}${path}`, { dispatcher: agent });
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  await res.body.dump({ limit: Number.POSITIVE_INFINITY });
}

/** A new TCP connection per request (`Connection: close`), `inFlight` at a time. */
async function newConnections(origin: string, inFlight: number, seconds: number): Promise<Phase> {
  const url = new URL(origin);
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(
        { host: url.hostname, port: url.port, path: '/', agent: false, headers: { connection: 'close' } },
        (res) => {
          res.resume();
          res.once('end', () => resolve());
        },
      );
      req.once('error', reject);
    });
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await once();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return phase(latencies, (performance.now() - started) / 1000, 0);
}

function phase(latencies: number[], seconds: number, bytes: number): Phase {
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    ...(bytes > 0 ? { mbPerSecond: round((latencies.length * bytes) / seconds / 1e6, 1) } : {}),
  };
}

/** The first line a child prints on stdout (the backend's port, the proxy's ready line). */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end === -1) return;
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve(out.slice(0, end).trim());
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
  });
}

/** Resolves once the Service answers through the proxy. */
async function waitServing(origin: string): Promise<void> {
  const agent = new Agent({ connections: 1 });
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      try {
        await get(agent, origin, '/');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    await agent.close();
  }
}

/** Runs a phase and adds the CPU time each process spent per request during it. */
async function withCpu(pids: { proxy: number; backend: number }, run: () => Promise<Phase>): Promise<Phase> {
  const before = { self: process.cpuUsage(), proxy: cpuMs(pids.proxy), backend: cpuMs(pids.backend) };
  const result = await run();
  const self = process.cpuUsage(before.self);
  const perRequest = (ms: number) => round((ms * 1000) / result.requests, 1);
  return {
    ...result,
    cpuUsPerRequest: {
      client: perRequest((self.user + self.system) / 1000),
      proxy: perRequest(cpuMs(pids.proxy) - before.proxy),
      backend: perRequest(cpuMs(pids.backend) - before.backend),
    },
  };
}

/** CPU time (user + system) a process has used so far, ms, from /proc (0 where there is none). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0; // not Linux: the CPU columns read 0
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;
