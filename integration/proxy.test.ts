/**
 * The proxy with real Podman pods: a Deployment of three busybox httpd pods (the ReplicaSet and
 * Deployment controllers run them) behind a Service (explicit clusterIP
 * in 127.77.0.0/16, a NodePort), kept in its Endpoints by the endpoints controller, reached from
 * the host at clusterIP:port and at the NodePort, and from inside another Podman pod (busybox
 * wget) through the listener the proxy opened in that pod's network namespace. Scaling the Deployment
 * down and up under a stream of new connections fails none of them (a connection refused by a
 * pod that is going away is retried on another endpoint), and a pod whose readiness probe starts
 * failing stops getting new connections within a second.
 */
import http from 'node:http';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import { deploymentController } from '../actors/controllers/deployment/controller.js';
import { endpointsController } from '../actors/controllers/endpoints/controller.js';
import { replicaSetController } from '../actors/controllers/replicaset/controller.js';
import { type RunningControllers, startControllers } from '../actors/kernel/controllers.js';
import { createLogger, silentLogger } from '../actors/kernel/log.js';
import { SharedInformers } from '../actors/kernel/shared-informers.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { PodmanRuntime } from '../actors/kubelet/runtimes/podman/podman-runtime.js';
import { ServiceProxy } from '../actors/proxy/proxy.js';
import { EventRecorder } from '../protocol/client/recorder.js';
import { systemClock } from '../protocol/clock.js';
import type { Pod } from '../protocol/resources/pod.js';
import type { Service } from '../protocol/resources/service.js';
import { describeWithServices, PODMAN_SOCKET, podmanOrSkip } from './harness.js';

const skip = await podmanOrSkip();
const node = `proxy-${process.pid}`;
const app = `web-${process.pid}`;
const CLUSTER_IP = `127.77.${(process.pid % 200) + 1}.10`;
const NODE_PORT = 30000 + (process.pid % 2700);

/** One GET on a new connection (no keep-alive: each request is balanced anew); the body. */
function getOnce(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(body.trim()));
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
  });
}

describeWithServices('proxy with Podman pods', skip, () => {
  let cluster: InProcessCluster;
  let runtime: PodmanRuntime;
  let kubelet: Kubelet;
  let controllers: RunningControllers;
  let proxy: ServiceProxy;

  /** A Deployment of busybox httpd pods, each serving its own name (its hostname). */
  const deployment = (replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'httpd',
              image: 'busybox',
              command: [
                'sh',
                '-c',
                'mkdir -p /www && hostname > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www',
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              // Ready while /tmp/ready exists: the test removes it to turn a pod unready.
              readinessProbe: {
                exec: { command: ['test', '-f', '/tmp/ready'] },
                periodSeconds: 1,
                failureThreshold: 1,
              },
            },
          ],
        },
      },
    },
  });
  /** The names of the Deployment's pods that are not being deleted. */
  const webPods = async () =>
    (await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: `app=${app}` })).items
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => p.metadata.name as string)
      .sort();

  beforeAll(async () => {
    cluster = await startInProcessCluster();
    const log = silentLogger();
    const { client } = cluster;
    runtime = new PodmanRuntime({ node, socketPath: PODMAN_SOCKET });
    kubelet = new Kubelet({
      nodeName: node,
      client,
      bus: cluster.bus,
      subjects: cluster.subjects,
      runtime,
      clock: systemClock,
      log: process.env.PROXY_DEBUG ? createLogger({ component: 'kubelet', level: 'debug' }) : log,
      registry: new Registry(),
      facts: { hostIP: '127.0.0.1' },
    });
    await kubelet.start();
    controllers = startControllers([endpointsController(), replicaSetController(), deploymentController()], {
      client,
      informers: new SharedInformers({ client, clock: systemClock, log }),
      recorder: new EventRecorder({ client, clock: systemClock, log, component: 'test' }),
      clock: systemClock,
      log,
      registry: new Registry(),
    });
    await controllers.synced;
    proxy = new ServiceProxy({
      nodeName: node,
      client,
      bus: cluster.bus,
      subjects: cluster.subjects,
      clock: systemClock,
      log: process.env.PROXY_DEBUG ? createLogger({ component: 'proxy', level: 'debug' }) : log,
      registry: new Registry(),
      nodePortAddress: '127.0.0.1',
      resyncMs: 2_000,
    });
    await proxy.start();
    await client.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        type: 'NodePort',
        clusterIP: CLUSTER_IP,
        selector: { app },
        ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: NODE_PORT, protocol: 'TCP' }],
      },
    } as unknown as Service);
    await client.create('deployments', deployment(3));
    await client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client', namespace: 'default' },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', "trap 'exit 0' TERM; sleep 100000 & wait"],
          },
        ],
      },
    } as unknown as Pod);
    // All three serve through the proxy before the tests start.
    await waitFor(
      async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 6; i++) seen.add(await getOnce(CLUSTER_IP, 80).catch(() => ''));
        return seen.size === 3 && !seen.has('');
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    await cluster.client.scale('deployments', 'default', 'web', 0).catch(() => undefined);
    await waitFor(async () => (await webPods()).length === 0, { timeoutMs: 60_000 });
    await cluster.client
      .delete('pods', 'default', 'client', { gracePeriodSeconds: 1 })
      .catch(() => undefined);
    await waitFor(async () => (await runtime.listPodSandboxes()).length === 0, { timeoutMs: 60_000 });
    await proxy.stop();
    await controllers.stop();
    await kubelet.stop();
    await runtime.close();
    await cluster.stop();
  });

  it('reaches all three pods at clusterIP:port and at the NodePort from the host', async () => {
    const fromClusterIP = new Set<string>();
    const fromNodePort = new Set<string>();
    for (let i = 0; i < 9; i++) {
      fromClusterIP.add(await getOnce(CLUSTER_IP, 80));
      fromNodePort.add(await getOnce('127.0.0.1', NODE_PORT));
    }
    const pods = await webPods();
    expect([...fromClusterIP].sort()).toEqual(pods);
    expect([...fromNodePort].sort()).toEqual(pods);
  });

  it('reaches all three pods at clusterIP:port from inside another Podman pod (busybox wget)', async () => {
    const wget = () =>
      cluster.client.exec('default', 'client', {
        command: ['wget', '-qO-', `http://${CLUSTER_IP}:80/`],
        timeoutSeconds: 5,
      });
    // The client pod's listener opens once the kubelet published it and the helper ran.
    await waitFor(async () => (await wget()).exitCode === 0, { timeoutMs: 30_000, intervalMs: 200 });
    const seen = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const result = await wget();
      expect(result.exitCode).toBe(0);
      seen.add(result.stdout.trim());
    }
    expect([...seen].sort()).toEqual(await webPods());
    // Every pod with its own network namespace got the Service's listener.
    expect(
      Object.values(proxy.openListeners().pods).filter((l) => l.includes(`${CLUSTER_IP}:80/TCP`)).length,
    ).toBe(4);
  });

  it('scaling down to one pod and back up keeps every request successful', async () => {
    let failures = 0;
    let requests = 0;
    const seen = new Set<string>();
    let running = true;
    // New connections back to back while pods come and go: each one is balanced anew.
    const load = (async () => {
      while (running) {
        requests++;
        try {
          seen.add(await getOnce(CLUSTER_IP, 80));
        } catch {
          failures++;
        }
      }
    })();
    try {
      // Through the scale subresource, as `kubectl scale` does: the Deployment's ReplicaSet
      // deletes two pods, then creates two new ones.
      await cluster.client.scale('deployments', 'default', 'web', 1);
      await waitFor(async () => (await webPods()).length === 1, { timeoutMs: 30_000, intervalMs: 100 });
      seen.clear();
      await cluster.client.scale('deployments', 'default', 'web', 3);
      await waitFor(async () => seen.size === 3 && (await webPods()).length === 3, {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
    } finally {
      running = false;
      await load;
    }
    expect(requests).toBeGreaterThan(100);
    expect(failures).toBe(0);
  });

  it('stops sending new connections to a pod within a second of it turning unready', async () => {
    const [victim, ...others] = await webPods();
    await cluster.client.exec('default', victim as string, { command: ['rm', '/tmp/ready'] });
    const unreadyAt = await waitFor(
      async () => {
        const pod = await cluster.client.get<Pod>('pods', 'default', victim as string);
        const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.status === 'False' ? performance.now() : false;
      },
      { timeoutMs: 15_000, intervalMs: 10 },
    );
    // Six new connections in a row that all avoid it: round robin over the two left.
    const settledAt = await waitFor(
      async () => {
        for (let i = 0; i < 6; i++) if ((await getOnce(CLUSTER_IP, 80)) === victim) return false;
        return performance.now();
      },
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    expect(settledAt - unreadyAt).toBeLessThan(1_000);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await getOnce(CLUSTER_IP, 80));
    expect([...seen].sort()).toEqual(others);
  });
});
