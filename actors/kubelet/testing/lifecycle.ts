/**
 * The kubelet's pod lifecycle, as one suite every runtime passes (hollow and process in the unit
 * project; Podman with real containers in integration): a real API server on the in-process bus,
 * a real kubelet on the runtime under test. Test support only.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../protocol/clock.js';
import type { Node } from '../../../protocol/resources/node.js';
import type { Pod } from '../../../protocol/resources/pod.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { silentLogger } from '../../kernel/log.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { Kubelet } from '../kubelet.js';
import type { RuntimeHarness } from '../runtimes/contract.js';
import type { ContainerRuntime } from '../runtimes/runtime.js';

export interface LifecycleOptions {
  /** How long a condition may take (real containers are slower). */
  readonly waitMs?: number;
  /** The runtime mounts volumes (the process runtime cannot: its processes see the host's files). */
  readonly mounts?: boolean;
}

/** Registers the lifecycle suite for one runtime. */
export function describeKubeletLifecycle(
  name: string,
  harnessFactory: () => Promise<RuntimeHarness>,
  options: LifecycleOptions = {},
): void {
  const timeoutMs = options.waitMs ?? 10_000;
  describe(`kubelet pod lifecycle: ${name} runtime`, () => {
    let cluster: InProcessCluster;
    let harness: RuntimeHarness;
    let node: string;
    const kubelets: Kubelet[] = [];
    const runtimes: ContainerRuntime[] = [];

    const startKubelet = async () => {
      const runtime = await harness.open(node);
      runtimes.push(runtime);
      const kubelet = new Kubelet({
        nodeName: node,
        client: cluster.client,
        bus: cluster.bus,
        subjects: cluster.subjects,
        runtime,
        clock: systemClock,
        log: silentLogger(),
        registry: new Registry(),
        facts: { hostIP: '127.0.0.1', cpuMillis: 2000, memoryBytes: 4 * 1024 ** 3 },
        heartbeatMs: 100,
        crashLoop: { baseMs: 100, maxMs: 400, resetAfterMs: 600_000 },
      });
      await kubelet.start();
      kubelets.push(kubelet);
      return kubelet;
    };

    const pod = (
      podName: string,
      command: string[],
      spec: Record<string, unknown> = {},
      image?: string,
    ): Pod =>
      ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName, namespace: 'default' },
        spec: {
          nodeName: node,
          containers: [{ name: 'main', image: image ?? harness.image, command }],
          ...spec,
        },
      }) as unknown as Pod;
    const get = (podName: string) => cluster.client.get<Pod>('pods', 'default', podName);
    const main = async (podName: string) => (await get(podName)).status?.containerStatuses?.[0];

    beforeEach(async () => {
      cluster = await startInProcessCluster({ http: true });
      harness = await harnessFactory();
      node = `node-${randomBytes(3).toString('hex')}`;
    });
    afterEach(async () => {
      for (const kubelet of kubelets.splice(0)) await kubelet.stop();
      // Remove what the tests left running, through a fresh runtime instance, then the runtimes.
      const sweeper = await harness.open(node);
      for (const sandbox of await sweeper.listPodSandboxes()) {
        await sweeper.stopPodSandbox(sandbox.id);
        await sweeper.removePodSandbox(sandbox.id);
      }
      for (const runtime of [...runtimes.splice(0), sweeper]) await runtime.close();
      await harness.cleanup();
      await cluster.stop();
    });

    it('introduces its node: capacity, labels, addresses, Ready', async () => {
      const heartbeats: string[] = [];
      cluster.bus.subscribe(cluster.subjects.nodeHeartbeat(node), (msg) => {
        heartbeats.push(msg.text());
      });
      await startKubelet();
      const registered = await cluster.client.get<Node>('nodes', '', node);
      expect(registered.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': node });
      expect(registered.status).toMatchObject({
        capacity: { cpu: '2000m', memory: '4194304Ki', pods: '110' },
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      });
      await waitFor(() => expect(heartbeats.length).toBeGreaterThanOrEqual(2), { timeoutMs });
      expect(JSON.parse(heartbeats[0] as string)).toMatchObject({ node });
    });

    it('runs a pod bound to it and reports it Running and Ready', async () => {
      await startKubelet();
      await cluster.client.create('pods', pod('web', harness.commands.sleepForever()));
      await waitFor(async () => expect((await get('web')).status?.phase).toBe('Running'), { timeoutMs });
      const status = (await get('web')).status;
      expect(status?.containerStatuses?.[0]).toMatchObject({
        name: 'main',
        ready: true,
        restartCount: 0,
        state: { running: {} },
        containerID: expect.stringMatching(new RegExp(`^${name}://`)),
      });
      expect(status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(status?.hostIP).toBe('127.0.0.1');
    });

    it('restarts a container that exits (restartPolicy Always), counting restarts and keeping the last state', async () => {
      await startKubelet();
      await cluster.client.create('pods', pod('crash', harness.commands.exit(3)));
      await waitFor(
        async () => {
          const c = await main('crash');
          expect(c?.restartCount).toBeGreaterThanOrEqual(1);
          expect(c?.lastState?.terminated?.exitCode).toBe(3);
        },
        { timeoutMs },
      );
    });

    it('restarts a container whose process is killed (restartCount 1), keeping the killed run as lastState', async () => {
      await startKubelet();
      await cluster.client.create('pods', pod('victim', harness.commands.sleepForever()));
      await waitFor(async () => expect((await main('victim'))?.state?.running).toBeDefined(), { timeoutMs });
      const id = ((await main('victim'))?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
      // SIGKILL, as `kill -9` of the process would, through the runtime (no grace period).
      await (runtimes[0] as ContainerRuntime).stopContainer(id, 0);
      await waitFor(
        async () => {
          const c = await main('victim');
          expect(c?.restartCount).toBe(1);
          expect(c?.state?.running).toBeDefined();
          expect(c?.lastState?.terminated?.exitCode).toBe(137);
        },
        { timeoutMs },
      );
    });

    it.each([
      [0, 'Succeeded'],
      [3, 'Failed'],
    ])('restartPolicy Never, exit %i: %s, and nothing restarts', async (code, phase) => {
      await startKubelet();
      await cluster.client.create(
        'pods',
        pod('once', harness.commands.exit(code), { restartPolicy: 'Never' }),
      );
      await waitFor(async () => expect((await get('once')).status?.phase).toBe(phase), { timeoutMs });
      expect(await main('once')).toMatchObject({
        restartCount: 0,
        state: { terminated: { exitCode: code } },
      });
    });

    it('deletes a pod whose process ignores SIGTERM only after its grace period, and leaves nothing behind', async () => {
      const kubelet = await startKubelet();
      void kubelet;
      await cluster.client.create(
        'pods',
        pod('stubborn', harness.commands.ignoreTermAndSleep(), { terminationGracePeriodSeconds: 1 }),
      );
      await waitFor(async () => expect((await get('stubborn')).status?.phase).toBe('Running'), { timeoutMs });
      // Running is not enough: the shell must have set its trap (it prints `ready` after), or the
      // SIGTERM could arrive first and end it at once.
      await waitFor(
        async () => expect(await cluster.client.logs('default', 'stubborn')).toMatch(/(^|\n)ready\n/),
        {
          timeoutMs,
        },
      );
      const uid = (await get('stubborn')).metadata.uid as string;
      const started = Date.now();
      await cluster.client.delete('pods', 'default', 'stubborn');
      await waitFor(
        async () =>
          expect(await get('stubborn').catch((err: { reason?: string }) => err.reason)).toBe('NotFound'),
        { timeoutMs },
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const runtime = runtimes[0] as ContainerRuntime;
      expect(await runtime.listContainers({ podUid: uid })).toEqual([]);
      expect((await runtime.listPodSandboxes()).filter((s) => s.podUid === uid)).toEqual([]);
    });

    it('a restarted kubelet adopts running containers without restarting them, and removes orphans', async () => {
      const first = await startKubelet();
      await cluster.client.create('pods', pod('kept', harness.commands.sleepForever()));
      await waitFor(async () => expect((await main('kept'))?.state?.running).toBeDefined(), { timeoutMs });
      const before = await main('kept');
      await first.stop();
      kubelets.splice(kubelets.indexOf(first), 1);

      // While no kubelet runs: a sandbox and container of a pod the API does not have.
      const stray = await harness.open(node);
      runtimes.push(stray);
      const sandbox = await stray.runPodSandbox({
        podUid: 'orphan-uid',
        namespace: 'default',
        name: 'orphan',
        node,
        hostname: 'orphan',
        portMappings: [],
      });
      const orphan = await stray.createContainer(sandbox, {
        name: 'main',
        image: harness.image,
        command: harness.commands.sleepForever(),
        env: [],
        mounts: [],
        attempt: 0,
      });
      await stray.startContainer(orphan);

      await startKubelet();
      // The new kubelet works (it runs a new pod), the orphan goes, the adopted container stays.
      await cluster.client.create('pods', pod('after', harness.commands.sleepForever()));
      await waitFor(async () => expect((await get('after')).status?.phase).toBe('Running'), { timeoutMs });
      // Asked of a fresh instance: an instance's view of another's work may be the one it opened with.
      await waitFor(
        async () => {
          const fresh = await harness.open(node);
          try {
            expect(await fresh.listContainers({ podUid: 'orphan-uid' })).toEqual([]);
          } finally {
            await fresh.close();
          }
        },
        { timeoutMs },
      );
      const after = await main('kept');
      expect(after?.containerID).toBe(before?.containerID);
      expect(after?.restartCount).toBe(0);
      expect(after?.state?.running).toBeDefined();
    });

    it('a pod reading ConfigMap and Secret keys and Service variables into its environment, and a ConfigMap as a volume, sees the values', async () => {
      await startKubelet();
      await cluster.client.create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app', namespace: 'default' },
        data: { greeting: 'hello', mode: 'fast' },
      });
      await cluster.client.create('secrets', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds', namespace: 'default' },
        stringData: { password: 's3cret' },
      });
      await cluster.client.create('services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web-api', namespace: 'default' },
        spec: { clusterIP: '127.77.0.9', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] },
      });
      const mounts = options.mounts ?? true;
      const container = {
        name: 'main',
        image: harness.image,
        command: harness.commands.sleepForever(),
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'app', key: 'greeting' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        ],
        envFrom: [{ configMapRef: { name: 'app' }, prefix: 'APP_' }],
        ...(mounts
          ? {
              volumeMounts: [
                { name: 'config', mountPath: '/etc/config' },
                { name: 'creds', mountPath: '/etc/creds' },
              ],
            }
          : {}),
      };
      await cluster.client.create('pods', {
        ...pod('configured', []),
        spec: {
          nodeName: node,
          containers: [container],
          ...(mounts
            ? {
                volumes: [
                  { name: 'config', configMap: { name: 'app' } },
                  { name: 'creds', secret: { secretName: 'creds' } },
                ],
              }
            : {}),
        },
      } as unknown as Pod);
      await waitFor(async () => expect((await get('configured')).status?.phase).toBe('Running'), {
        timeoutMs,
      });
      const id = ((await main('configured'))?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
      const runtime = runtimes[0] as ContainerRuntime;
      const env = (await runtime.exec(id, ['env'])).stdout.split('\n');
      expect(env).toEqual(
        expect.arrayContaining([
          'GREETING=hello',
          'POD_NAME=configured',
          'APP_mode=fast',
          'PASSWORD=s3cret',
          // Kubernetes' variables for the Services of the pod's namespace.
          'WEB_API_SERVICE_HOST=127.77.0.9',
          'WEB_API_SERVICE_PORT=80',
          'WEB_API_SERVICE_PORT_HTTP=80',
          'WEB_API_PORT=tcp://127.77.0.9:80',
        ]),
      );
      if (mounts) {
        expect((await runtime.exec(id, ['cat', '/etc/config/greeting'])).stdout).toBe('hello');
        expect((await runtime.exec(id, ['cat', '/etc/creds/password'])).stdout).toBe('s3cret');
      }
    });

    it('a missing ConfigMap: CreateContainerConfigError until it exists, then Running', async () => {
      await startKubelet();
      const container = {
        name: 'main',
        image: harness.image,
        command: harness.commands.sleepForever(),
        env: [{ name: 'LATE', valueFrom: { configMapKeyRef: { name: 'late', key: 'k' } } }],
      };
      await cluster.client.create('pods', {
        ...pod('waiting', []),
        spec: { nodeName: node, containers: [container] },
      } as unknown as Pod);
      await waitFor(
        async () =>
          expect((await main('waiting'))?.state?.waiting).toEqual({
            reason: 'CreateContainerConfigError',
            message: 'configmap "late" not found',
          }),
        { timeoutMs },
      );
      await cluster.client.create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'late', namespace: 'default' },
        data: { k: 'v' },
      });
      await waitFor(async () => expect((await get('waiting')).status?.phase).toBe('Running'), { timeoutMs });
    });

    it('serves logs through the API server: all, --tail, --previous, and over HTTP as kubectl reads them', async () => {
      await startKubelet();
      await cluster.client.create(
        'pods',
        pod('talker', harness.commands.printLines(['one', 'two', 'three']), { restartPolicy: 'Never' }),
      );
      await waitFor(async () => expect((await get('talker')).status?.phase).toBe('Succeeded'), { timeoutMs });
      // (a simulated runtime may print lines of its own first)
      expect(await cluster.client.logs('default', 'talker')).toMatch(/(^|\n)one\ntwo\nthree\n$/);
      expect(await cluster.client.logs('default', 'talker', { tailLines: 1 })).toBe('three\n');
      await expect(cluster.client.logs('default', 'talker', { previous: true })).rejects.toMatchObject({
        reason: 'BadRequest',
        message: 'previous terminated container "main" in pod "talker" not found',
      });
      await expect(cluster.client.logs('default', 'talker', { container: 'nope' })).rejects.toMatchObject({
        message: 'container nope is not valid for pod talker',
      });
      const http = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/talker/log?tailLines=2`);
      expect(http.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await http.text()).toBe('two\nthree\n');
    });

    it('follows a log (kubectl logs -f) over HTTP and over the bus: lines as written, the end when the container stops', async () => {
      await startKubelet();
      await cluster.client.create('pods', {
        ...pod('chatty', harness.commands.printOnTerm('bye')),
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: 5,
          containers: [{ name: 'main', image: harness.image, command: harness.commands.printOnTerm('bye') }],
        },
      } as unknown as Pod);
      await waitFor(async () => expect((await get('chatty')).status?.phase).toBe('Running'), { timeoutMs });

      const refused = await fetch(
        `${cluster.url}/api/v1/namespaces/default/pods/chatty/log?follow=true&container=nope`,
      );
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { message: string }).message).toBe(
        'container nope is not valid for pod chatty',
      );

      let overHttp = '';
      const http = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/chatty/log?follow=true`);
      expect(http.status).toBe(200);
      const httpDone = (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of http.body as unknown as AsyncIterable<Uint8Array>) {
          overHttp += decoder.decode(chunk, { stream: true });
        }
      })();
      let overBus = '';
      const busDone = cluster.client.followLogs('default', 'chatty', {}, (text) => {
        overBus += text;
      });
      await waitFor(() => overHttp.includes('ready\n') && overBus.includes('ready\n'), { timeoutMs });

      // The container prints on SIGTERM and exits: both followers see the line, then their end.
      await cluster.client.delete('pods', 'default', 'chatty');
      await Promise.all([httpDone, busDone]);
      expect(overHttp).toMatch(/ready\n(.*\n)*bye\n$/);
      expect(overBus).toMatch(/ready\n(.*\n)*bye\n$/);
    });

    it('a failing liveness probe restarts the container', async () => {
      await startKubelet();
      const probe = { exec: { command: harness.commands.exit(1) }, periodSeconds: 1, failureThreshold: 1 };
      await cluster.client.create('pods', {
        ...pod('unhealthy', []),
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: harness.image,
              command: harness.commands.sleepForever(),
              livenessProbe: probe,
            },
          ],
        },
      } as unknown as Pod);
      await waitFor(async () => expect((await main('unhealthy'))?.restartCount).toBeGreaterThanOrEqual(1), {
        timeoutMs,
      });
    });

    it('a failing readiness probe keeps the pod not Ready, without a restart; a passing one makes it Ready', async () => {
      await startKubelet();
      const withReadiness = (podName: string, code: number) =>
        ({
          ...pod(podName, []),
          spec: {
            nodeName: node,
            containers: [
              {
                name: 'main',
                image: harness.image,
                command: harness.commands.sleepForever(),
                readinessProbe: {
                  exec: { command: harness.commands.exit(code) },
                  periodSeconds: 1,
                  failureThreshold: 1,
                },
              },
            ],
          },
        }) as unknown as Pod;
      await cluster.client.create('pods', withReadiness('ready', 0));
      await cluster.client.create('pods', withReadiness('unready', 1));
      const readyOf = async (podName: string) =>
        (await get(podName)).status?.conditions?.find((c) => c.type === 'Ready')?.status;
      await waitFor(async () => expect(await readyOf('ready')).toBe('True'), { timeoutMs });
      await waitFor(async () => expect((await main('unready'))?.state?.running).toBeDefined(), { timeoutMs });
      expect(await readyOf('unready')).toBe('False');
      expect(await main('unready')).toMatchObject({ ready: false, restartCount: 0 });
    });

    it('an httpGet readiness probe follows its endpoint: Ready, not Ready on a 500 (no restart), Ready again; ports are published in the status', async () => {
      await startKubelet();
      // The endpoint is the test's own server (the probe names its host): the same on every runtime.
      let code = 200;
      const server = createServer((_req, res) => res.writeHead(code).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        const containerPort = 20_000 + Math.floor(Math.random() * 20_000);
        await cluster.client.create('pods', {
          ...pod('probed', []),
          spec: {
            nodeName: node,
            containers: [
              {
                name: 'main',
                image: harness.image,
                command: harness.commands.sleepForever(),
                ports: [{ name: 'http', containerPort }],
                readinessProbe: {
                  httpGet: { host: '127.0.0.1', port, path: '/healthz' },
                  periodSeconds: 1,
                  failureThreshold: 1,
                },
              },
            ],
          },
        } as unknown as Pod);
        const readyOf = async () =>
          (await get('probed')).status?.conditions?.find((c) => c.type === 'Ready')?.status;
        await waitFor(async () => expect(await readyOf()).toBe('True'), { timeoutMs });
        expect((await get('probed')).status?.publishedPorts).toEqual([
          expect.objectContaining({ containerName: 'main', name: 'http', containerPort, protocol: 'TCP' }),
        ]);
        code = 500;
        await waitFor(async () => expect(await readyOf()).toBe('False'), { timeoutMs });
        expect(await main('probed')).toMatchObject({ ready: false, restartCount: 0, state: { running: {} } });
        code = 204;
        await waitFor(async () => expect(await readyOf()).toBe('True'), { timeoutMs });
        expect((await main('probed'))?.restartCount).toBe(0);
      } finally {
        server.close();
      }
    });

    it('a tcpSocket liveness probe that stops connecting restarts the container', async () => {
      await startKubelet();
      const server = createNetServer((socket) => socket.end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      await cluster.client.create('pods', {
        ...pod('tcp-live', []),
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: harness.image,
              command: harness.commands.sleepForever(),
              livenessProbe: {
                tcpSocket: { host: '127.0.0.1', port },
                periodSeconds: 1,
                failureThreshold: 2,
              },
            },
          ],
        },
      } as unknown as Pod);
      await waitFor(async () => expect((await main('tcp-live'))?.state?.running).toBeDefined(), {
        timeoutMs,
      });
      expect((await main('tcp-live'))?.restartCount).toBe(0);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await waitFor(async () => expect((await main('tcp-live'))?.restartCount).toBeGreaterThanOrEqual(1), {
        timeoutMs,
      });
    });

    it('runs a command in a container through the API server (skiff exec): output and exit code', async () => {
      await startKubelet();
      await cluster.client.create('pods', pod('shell', harness.commands.sleepForever()));
      await waitFor(async () => expect((await get('shell')).status?.phase).toBe('Running'), { timeoutMs });
      expect(
        await cluster.client.exec('default', 'shell', { command: harness.commands.echo('hi') }),
      ).toMatchObject({
        exitCode: 0,
        stdout: 'hi\n',
      });
      expect(
        await cluster.client.exec('default', 'shell', { command: harness.commands.exit(3) }),
      ).toMatchObject({
        exitCode: 3,
      });
      await expect(
        cluster.client.exec('default', 'shell', { command: ['true'], container: 'nope' }),
      ).rejects.toMatchObject({ message: 'container nope is not valid for pod shell' });
    });

    it('a missing image: ErrImagePull, then ImagePullBackOff, never a crash', async () => {
      await startKubelet();
      // Every status the pod goes through, from its watch events (a poll could miss a short one).
      const reasons = new Set<string>();
      const watch = await cluster.client.watch(
        { resource: 'pods', namespace: 'default', fieldSelector: 'metadata.name=noimage' },
        (event) => {
          const reason = (event.object as Pod).status?.containerStatuses?.[0]?.state?.waiting?.reason;
          if (reason) reasons.add(reason);
        },
      );
      await cluster.client.create(
        'pods',
        pod('noimage', harness.commands.sleepForever(), {}, harness.missingImage),
      );
      await waitFor(
        () => expect([...reasons]).toEqual(expect.arrayContaining(['ErrImagePull', 'ImagePullBackOff'])),
        { timeoutMs },
      );
      await watch.close();
      expect((await get('noimage')).status?.phase).toBe('Pending');
    });
  });
}
