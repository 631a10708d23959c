/**
 * The proxy against an API server on the in-process bus, with real sockets on loopback: backends
 * are small TCP and UDP servers on 127.0.0.1, Services carry an explicit clusterIP in
 * 127.77.0.0/16, and Endpoints are written by the test (selector-less Services), as the endpoints
 * controller would write them. The in-pod path runs in a network namespace made by `unshare`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../protocol/clock.js';
import type { NodePodNetworks } from '../../protocol/pod-network.js';
import type { Endpoints } from '../../protocol/resources/endpoints.js';
import type { Service } from '../../protocol/resources/service.js';
import { type InProcessCluster, startInProcessCluster } from '../apiserver/testing/cluster.js';
import { silentLogger } from '../kernel/log.js';
import { waitFor } from '../kernel/testing/wait-for.js';
import { ServiceProxy } from './proxy.js';

const run = promisify(execFile);
const NODE = 'proxy-node';
// A /16 of loopback addresses per test process, so parallel runs never share an address.
const subnet = `127.77.${process.pid % 250}`;

interface Backend {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A TCP server that greets each connection with its name, then echoes what it receives. */
async function tcpBackend(name: string): Promise<Backend> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects, reads the greeting line, and keeps the socket open for more. */
async function connect(host: string, port: number): Promise<{ greeting: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let data = '';
    socket.once('error', reject);
    socket.on('data', function onData(chunk) {
      data += chunk.toString();
      if (!data.includes('\n')) return;
      socket.off('data', onData);
      resolve({ greeting: data.split('\n')[0] as string, socket });
    });
  });
}

/** Sends a line on an open connection and reads its echo. */
function echo(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('data', (chunk) => resolve(chunk.toString()));
    socket.write(text);
  });
}

function greeting(host: string, port: number): Promise<string> {
  return connect(host, port).then(({ greeting, socket }) => {
    socket.destroy();
    return greeting;
  });
}

function subsetsFor(backends: readonly Backend[], protocol: 'TCP' | 'UDP' = 'TCP'): Endpoints['subsets'] {
  return backends.map((b) => ({
    addresses: [{ ip: '127.0.0.1', targetRef: { kind: 'Pod', namespace: 'default', name: b.name } }],
    ports: [{ port: b.port, protocol }],
  }));
}

describe('proxy', () => {
  let cluster: InProcessCluster;
  let proxy: ServiceProxy;
  let registry: Registry;
  const backends: Backend[] = [];
  const cleanups: (() => void)[] = [];

  const createService = async (
    name: string,
    spec: Record<string, unknown>,
    subsets: Endpoints['subsets'],
  ) => {
    await cluster.client.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec,
    } as unknown as Service);
    await cluster.client.create('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: 'default' },
      ...(subsets ? { subsets } : {}),
    } as unknown as Endpoints);
  };
  const setSubsets = async (name: string, subsets: Endpoints['subsets']) => {
    const current = await cluster.client.get<Endpoints>('endpoints', 'default', name);
    const { subsets: _old, ...rest } = current;
    await cluster.client.update('endpoints', {
      ...rest,
      ...(subsets && subsets.length > 0 ? { subsets } : {}),
    });
  };

  beforeAll(async () => {
    cluster = await startInProcessCluster();
    for (const name of ['a', 'b', 'c']) backends.push(await tcpBackend(name));
    registry = new Registry();
    proxy = new ServiceProxy({
      nodeName: NODE,
      client: cluster.client,
      bus: cluster.bus,
      subjects: cluster.subjects,
      clock: systemClock,
      log: silentLogger(),
      registry,
      nodePortAddress: '127.0.0.1',
      resyncMs: 500,
      udpIdleMs: 1_000,
    });
    await proxy.start();
  });

  afterAll(async () => {
    for (const cleanup of cleanups) cleanup();
    await proxy.stop();
    await Promise.all(backends.map((b) => b.close()));
    await cluster.stop();
  });

  it('balances new TCP connections round robin across three endpoints', async () => {
    const ip = `${subnet}.1`;
    await createService(
      'web',
      { clusterIP: ip, ports: [{ port: 8080, protocol: 'TCP' }] },
      subsetsFor(backends),
    );
    await waitFor(() => greeting(ip, 8080).catch(() => false));
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await greeting(ip, 8080));
    expect(seen.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(seen.slice(3)).toEqual(seen.slice(0, 3));
    const metrics = await registry.getSingleMetricAsString('skiff_proxy_connections_total');
    expect(metrics).toMatch(/service="default\/web:8080".* (\d+)/);
  });

  it('with sessionAffinity ClientIP, every connection of a client goes to one endpoint', async () => {
    const ip = `${subnet}.2`;
    await createService(
      'sticky',
      { clusterIP: ip, sessionAffinity: 'ClientIP', ports: [{ port: 8080, protocol: 'TCP' }] },
      subsetsFor(backends),
    );
    await waitFor(() => greeting(ip, 8080).catch(() => false));
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await greeting(ip, 8080));
    expect(seen.size).toBe(1);
  });

  it('serves a NodePort on the node address', async () => {
    await createService(
      'nodeport',
      {
        type: 'NodePort',
        clusterIP: `${subnet}.3`,
        ports: [{ port: 8080, protocol: 'TCP', nodePort: 30000 + (process.pid % 2700) }],
      },
      subsetsFor(backends.slice(0, 1)),
    );
    expect(await waitFor(() => greeting('127.0.0.1', 30000 + (process.pid % 2700)).catch(() => false))).toBe(
      'a',
    );
  });

  it('refuses at once (reset) when no endpoint is ready, and serves again when one is', async () => {
    const ip = `${subnet}.4`;
    await createService(
      'empty',
      { clusterIP: ip, ports: [{ port: 8080, protocol: 'TCP' }] },
      subsetsFor(backends.slice(0, 1)),
    );
    await waitFor(() => greeting(ip, 8080).catch(() => false));
    await setSubsets('empty', []);
    const refused = await waitFor(async () => {
      const started = performance.now();
      try {
        await greeting(ip, 8080);
        return false;
      } catch (err) {
        return { code: (err as NodeJS.ErrnoException).code, ms: performance.now() - started };
      }
    });
    expect(refused.code).toBe('ECONNRESET');
    expect(refused.ms).toBeLessThan(500);
    const errors = await registry.getSingleMetricAsString('skiff_proxy_errors_total');
    expect(errors).toContain('reason="no_endpoints"');
    await setSubsets('empty', subsetsFor(backends.slice(1, 2)));
    expect(await waitFor(() => greeting(ip, 8080).catch(() => false))).toBe('b');
  });

  it('lets an established connection to a removed endpoint finish (drain) while new ones go elsewhere', async () => {
    const ip = `${subnet}.5`;
    await createService(
      'drain',
      { clusterIP: ip, ports: [{ port: 8080, protocol: 'TCP' }] },
      subsetsFor(backends.slice(0, 1)),
    );
    const held = await waitFor(() => connect(ip, 8080).catch(() => false as const));
    expect(held.greeting).toBe('a');
    await setSubsets('drain', subsetsFor(backends.slice(1, 2)));
    await waitFor(async () => (await greeting(ip, 8080)) === 'b');
    expect(await echo(held.socket, 'still here')).toBe('still here');
    held.socket.destroy();
    const latency = await registry.getSingleMetricAsString('skiff_proxy_endpoints_apply_seconds');
    expect(latency).toMatch(/skiff_proxy_endpoints_apply_seconds_count \d+/);
  });

  it('tries the next endpoint when one refuses the connection (a pod going away)', async () => {
    const gone = await tcpBackend('gone');
    await gone.close(); // its port now refuses
    const ip = `${subnet}.7`;
    await createService(
      'refusing',
      { clusterIP: ip, ports: [{ port: 8080, protocol: 'TCP' }] },
      subsetsFor([gone, backends[0] as Backend]),
    );
    await waitFor(() => greeting(ip, 8080).catch(() => false));
    for (let i = 0; i < 4; i++) expect(await greeting(ip, 8080)).toBe('a');
  });

  it('relays UDP datagrams to an endpoint and its replies back', async () => {
    const server = dgram.createSocket('udp4');
    server.on('message', (msg, rinfo) => server.send(Buffer.from(`echo:${msg}`), rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const port = server.address().port;
    const ip = `${subnet}.6`;
    await createService('udp', { clusterIP: ip, ports: [{ port: 5353, protocol: 'UDP' }] }, [
      { addresses: [{ ip: '127.0.0.1' }], ports: [{ port, protocol: 'UDP' }] },
    ]);
    const client = dgram.createSocket('udp4');
    const replies: string[] = [];
    client.on('message', (msg) => replies.push(msg.toString()));
    try {
      await waitFor(
        () => {
          client.send('ping', 5353, ip);
          return replies.length > 0;
        },
        { intervalMs: 50 },
      );
      expect(replies[0]).toBe('echo:ping');
    } finally {
      client.close();
      cleanups.push(() => server.close()); // the in-namespace test below uses it too
    }
  });

  describe('inside a pod network namespace', () => {
    let holder: ChildProcess;
    beforeAll(async () => {
      // A namespace of its own with loopback up, as a Podman pod's infra container holds one.
      holder = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && echo up && exec sleep 600'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
    });
    afterAll(() => {
      holder.kill('SIGKILL');
    });

    it('opens every clusterIP listener in the pod through the helper, reachable from inside', async () => {
      const set: NodePodNetworks = {
        node: NODE,
        instance: 'test',
        seq: 1,
        time: new Date().toISOString(),
        pods: [
          { namespace: 'default', name: 'in-ns', uid: 'uid-in-ns', netnsPid: holder.pid as number },
          { namespace: 'default', name: 'process', uid: 'uid-process' },
        ],
      };
      cluster.bus.publish(cluster.subjects.nodePods(NODE), JSON.stringify(set));
      await waitFor(() => (proxy.openListeners().pods['uid-in-ns']?.length ?? 0) >= 2, { timeoutMs: 10_000 });
      expect(proxy.openListeners().pods['uid-process']).toBeUndefined();
      // A client in the namespace: it has no route to anything but its own loopback.
      const client = `require('node:net').connect(8080, '${subnet}.1').on('data', (d) => { process.stdout.write(d); process.exit(0); })`;
      const { stdout } = await run('nsenter', [
        `--net=/proc/${holder.pid}/ns/net`,
        process.execPath,
        '-e',
        client,
      ]);
      expect(['a', 'b', 'c']).toContain(stdout.trim());
      // UDP too: the helper hands a bound dgram socket over the same way.
      expect(proxy.openListeners().pods['uid-in-ns']).toContain(`${subnet}.6:5353/UDP`);
      const udpClient = `const s = require('node:dgram').createSocket('udp4'); s.on('message', (m) => { process.stdout.write(m); process.exit(0); }); setInterval(() => s.send('ping', 5353, '${subnet}.6'), 50);`;
      const udp = await run(
        'nsenter',
        [`--net=/proc/${holder.pid}/ns/net`, process.execPath, '-e', udpClient],
        {
          timeout: 5_000,
        },
      );
      expect(udp.stdout).toBe('echo:ping');
      // The pod goes: its listeners close.
      cluster.bus.publish(cluster.subjects.nodePods(NODE), JSON.stringify({ ...set, seq: 2, pods: [] }));
      await waitFor(() => proxy.openListeners().pods['uid-in-ns'] === undefined);
    });
  });
});
