/**
 * The components as users run them: `skiff up` (one process, no infrastructure) and
 * `skiff run apiserver` / `skiff run scheduler` as separate processes on NATS and Redis. Pods get
 * scheduled end to end, SIGINT/SIGTERM stop cleanly (exit code 0), and a non-durable Redis is
 * refused when durability is required.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NatsBus } from '../actors/kernel/bus/nats.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { currentContext, mergeContext, readKubeconfig } from '../cli/config.js';
import { ApiClient } from '../protocol/client/api-client.js';
import { HttpTransport } from '../protocol/client/http.js';
import { NatsTransport } from '../protocol/client/nats.js';
import type { Pod } from '../protocol/resources/pod.js';
import type { Service } from '../protocol/resources/service.js';
import { Subjects } from '../protocol/subjects.js';
import { removeKeys, removeStreams, uniquePrefix } from './cluster.js';
import {
  describeWithServices,
  type SharedServices,
  servicesOrSkip,
  sharedServices,
  startRedis,
} from './harness.js';
import { BIN, cliBuilt, startSkiff } from './skiff-process.js';

const skip =
  (await servicesOrSkip({ nats: 'shared', redis: 'faults' })) ??
  (cliBuilt() ? undefined : 'the CLI is not built');

const node = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: {
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
  },
});
const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'main', image: 'localhost/x:1', resources: { requests: { cpu: '100m' } } }] },
});

describeWithServices('skiff processes', skip, () => {
  let services: SharedServices;
  const dirs: string[] = [];
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-proc-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(async () => {
    services = await sharedServices();
  });
  afterAll(async () => {
    await services.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('skiff up runs a cluster with no infrastructure, writes the context (kubectl works with no flags), refuses a second up on its data directory, and stops with skiff down', async () => {
    const dir = temp();
    const config = join(dir, 'config');
    // The user's kubeconfig already has a context of theirs: it must come back untouched.
    const kubeconfig = join(dir, 'kube', 'config');
    mergeContext({ name: 'prod', server: 'https://prod.example:6443' }, kubeconfig);
    const up = await startSkiff(
      ['up', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--nodes', '0'],
      {
        env: { SKIFF_CONFIG: config, KUBECONFIG: kubeconfig, NATS_URL: '', REDIS_URL: '' },
        ready: /^API server: http/,
      },
    );
    const server = /(http:\/\/127\.0\.0\.1:\d+)/.exec(up.ready)?.[1] ?? '';
    expect(currentContext(readKubeconfig(config))).toEqual({ name: 'skiff', server, namespace: 'default' });
    const { stdout } = await promisify(execFile)('kubectl', ['get', 'namespaces', '-o', 'name'], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    expect(stdout.split('\n')).toContain('namespace/kube-system');
    const client = new ApiClient(new HttpTransport({ url: server }));
    await client.create('nodes', node('n1'));
    await client.create('pods', pod('web'));
    await waitFor(async () =>
      expect((await client.get<Pod>('pods', 'default', 'web')).spec.nodeName).toBe('n1'),
    );
    // A second `skiff up` on the same data directory is refused; `skiff down` stops the first.
    const again = await promisify(execFile)(process.execPath, [BIN, 'up', '--data-dir', join(dir, 'data')], {
      env: { ...process.env, SKIFF_CONFIG: config, KUBECONFIG: kubeconfig },
    }).catch((err: { code: number; stderr: string }) => err);
    expect(again).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`skiff up is already running on ${join(dir, 'data')}`),
    });
    const down = await promisify(execFile)(process.execPath, [BIN, 'down', '--data-dir', join(dir, 'data')]);
    expect(down.stdout).toBe('stopped\n');
    expect(await up.exited).toEqual({ code: 0, signal: null });
    expect(up.output()).toContain('stopped');
    const after = readKubeconfig(kubeconfig);
    expect(after.contexts.map((c) => c.name)).toEqual(['prod']);
    expect(after['current-context']).toBe('prod');
  });

  it('skiff up --nodes 3 --runtime hollow shows each node Ready and is up within 5 s of starting', async () => {
    const dir = temp();
    const spawned = Date.now();
    const up = await startSkiff(
      [
        'up',
        '--listen',
        '127.0.0.1:0',
        '--data-dir',
        join(dir, 'data'),
        '--nodes',
        '3',
        '--runtime',
        'hollow',
      ],
      {
        env: {
          SKIFF_CONFIG: join(dir, 'config'),
          KUBECONFIG: join(dir, 'kubeconfig'),
          NATS_URL: '',
          REDIS_URL: '',
        },
        ready: /^API server: http/,
      },
    );
    const readyAfterMs = Date.now() - spawned;
    try {
      const output = up.output();
      for (const n of [1, 2, 3]) expect(output).toMatch(new RegExp(`node node-${n} Ready \\[\\d/3\\]`));
      const reported = Number(/Skiff is up in ([\d.]+) s/.exec(output)?.[1]);
      expect(reported).toBeLessThan(5);
      expect(readyAfterMs).toBeLessThan(5_000);
      const server = /(http:\/\/127\.0\.0\.1:\d+)/.exec(up.ready)?.[1] ?? '';
      const nodes = await new ApiClient(new HttpTransport({ url: server })).list<{
        status?: { conditions?: { type: string; status: string }[] };
      }>('nodes');
      expect(nodes.items.map((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status)).toEqual([
        'True',
        'True',
        'True',
      ]);
    } finally {
      process.kill(up.pid, 'SIGINT');
      expect(await up.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('skiff up --nodes 1 runs a pod to Running on its kubelet and deletes it; a Deployment behind a Service answers at its cluster IP and NodePort', async () => {
    const dir = temp();
    const up = await startSkiff(
      [
        'up',
        '--listen',
        '127.0.0.1:0',
        '--data-dir',
        join(dir, 'data'),
        '--nodes',
        '1',
        '--runtime',
        'process',
      ],
      {
        env: {
          SKIFF_CONFIG: join(dir, 'config'),
          KUBECONFIG: join(dir, 'kubeconfig'),
          NATS_URL: '',
          REDIS_URL: '',
        },
        ready: /^API server: http/,
      },
    );
    const server = /(http:\/\/127\.0\.0\.1:\d+)/.exec(up.ready)?.[1] ?? '';
    const client = new ApiClient(new HttpTransport({ url: server }));
    try {
      const sleeper = pod('sleeper');
      const container = sleeper.spec.containers[0] as unknown as Record<string, unknown>;
      await client.create('pods', {
        ...sleeper,
        spec: { ...sleeper.spec, containers: [{ ...container, command: ['sh', '-c', 'sleep 1000'] }] },
      });
      await waitFor(
        async () =>
          expect((await client.get<Pod>('pods', 'default', 'sleeper')).status?.phase).toBe('Running'),
        { timeoutMs: 15_000 },
      );
      expect((await client.get<Pod>('pods', 'default', 'sleeper')).spec.nodeName).toBe('node-1');
      await client.delete('pods', 'default', 'sleeper');
      await waitFor(
        async () =>
          expect(
            await client.get('pods', 'default', 'sleeper').catch((err: { reason?: string }) => err.reason),
          ).toBe('NotFound'),
        { timeoutMs: 15_000 },
      );

      // A Deployment behind a NodePort Service: the controllers, the endpoints and the node's proxy
      // make it answer at its cluster IP and at its NodePort on 127.0.0.1.
      const www = join(dir, 'www');
      mkdirSync(www);
      writeFileSync(join(www, 'index.html'), 'hello from skiff\n');
      const port = 20_000 + (process.pid % 20_000);
      await client.create('deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [
                {
                  name: 'httpd',
                  image: 'busybox',
                  command: ['busybox', 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', www],
                  ports: [{ name: 'http', containerPort: port }],
                },
              ],
            },
          },
        },
      });
      const { spec } = await client.create('services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
      } as unknown as Service);
      for (const url of [`http://${spec.clusterIP}:80/`, `http://127.0.0.1:${spec.ports?.[0]?.nodePort}/`]) {
        await waitFor(
          async () => {
            const res = await fetch(url);
            expect(await res.text()).toBe('hello from skiff\n');
          },
          { timeoutMs: 20_000, description: `${url} answers` },
        );
      }
      // Gone before the cluster stops: a stopped `skiff up` leaves containers running for the next
      // one to adopt, and this test must leave no process behind.
      await client.delete('deployments', 'default', 'web');
      await waitFor(
        async () =>
          (await client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).items
            .length === 0,
        { timeoutMs: 20_000, description: 'the web pods are gone' },
      );
    } finally {
      process.kill(up.pid, 'SIGINT');
      expect(await up.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('skiff up again on the same data directory finds its objects and adopts the running container', async () => {
    const dir = temp();
    const args = [
      'up',
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      join(dir, 'data'),
      '--nodes',
      '1',
      '--runtime',
      'process',
    ];
    const env = {
      SKIFF_CONFIG: join(dir, 'config'),
      KUBECONFIG: join(dir, 'kubeconfig'),
      NATS_URL: '',
      REDIS_URL: '',
    };
    const serverOf = (line: string) => /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? '';
    const first = await startSkiff(args, { env, ready: /^API server: http/ });
    let before: Pod;
    try {
      const client = new ApiClient(new HttpTransport({ url: serverOf(first.ready) }));
      const sleeper = pod('keeper');
      const container = sleeper.spec.containers[0] as unknown as Record<string, unknown>;
      await client.create('pods', {
        ...sleeper,
        spec: { ...sleeper.spec, containers: [{ ...container, command: ['sh', '-c', 'sleep 1000'] }] },
      });
      before = await waitFor(
        async () => {
          const p = await client.get<Pod>('pods', 'default', 'keeper');
          return p.status?.phase === 'Running' ? p : false;
        },
        { timeoutMs: 15_000 },
      );
    } finally {
      process.kill(first.pid, 'SIGINT');
      expect(await first.exited).toEqual({ code: 0, signal: null });
    }
    const second = await startSkiff(args, { env, ready: /^API server: http/ });
    try {
      const client = new ApiClient(new HttpTransport({ url: serverOf(second.ready) }));
      const after = await waitFor(
        async () => {
          const p = await client.get<Pod>('pods', 'default', 'keeper');
          return p.status?.containerStatuses?.[0]?.state?.running ? p : false;
        },
        { timeoutMs: 15_000 },
      );
      // The same container, still running: adopted, not restarted.
      expect(after.metadata.uid).toBe(before.metadata.uid);
      expect(after.status?.containerStatuses?.[0]?.containerID).toBe(
        before.status?.containerStatuses?.[0]?.containerID,
      );
      expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
      await client.delete('pods', 'default', 'keeper', { gracePeriodSeconds: 1 });
      await waitFor(
        async () =>
          (await client.get('pods', 'default', 'keeper').catch((err: { reason?: string }) => err.reason)) ===
          'NotFound',
        { timeoutMs: 15_000 },
      );
    } finally {
      process.kill(second.pid, 'SIGINT');
      expect(await second.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('API server and scheduler processes schedule pods over NATS and Redis, and stop on SIGTERM', async () => {
    const prefix = uniquePrefix('proc');
    const env = { NATS_URL: services.nats?.url ?? '', REDIS_URL: services.redis?.url ?? '' };
    const apiserver = await startSkiff(['run', 'apiserver', '--prefix', prefix, '--listen', '127.0.0.1:0'], {
      env,
      ready: /apiserver ready/,
    });
    const scheduler = await startSkiff(['run', 'scheduler', '--prefix', prefix], {
      env,
      ready: /scheduler ready/,
    });
    const bus = await NatsBus.connect({ servers: env.NATS_URL, name: 'test', log: silentLogger() });
    try {
      const client = new ApiClient(new NatsTransport({ bus, subjects: new Subjects(prefix) }));
      await client.create('nodes', node('n1'));
      await client.create('pods', pod('web'));
      await waitFor(async () =>
        expect((await client.get<Pod>('pods', 'default', 'web')).spec.nodeName).toBe('n1'),
      );
      await scheduler.stop();
      await apiserver.stop();
      expect(await scheduler.exited).toEqual({ code: 0, signal: null });
      expect(await apiserver.exited).toEqual({ code: 0, signal: null });
    } finally {
      await scheduler.kill();
      await apiserver.kill();
      await bus.close();
      await removeStreams(env.NATS_URL, new Subjects(prefix));
      await removeKeys(env.REDIS_URL, prefix);
    }
  });

  it('refuses to start on a non-durable Redis with --require-durable-store, and starts on a durable one', async () => {
    const volatile = await startRedis({ appendonly: false });
    const durable = await startRedis({ appendonly: true, appendfsync: 'always' });
    const prefix = uniquePrefix('durable');
    try {
      const args = [
        'run',
        'apiserver',
        '--prefix',
        prefix,
        '--listen',
        '127.0.0.1:0',
        '--require-durable-store',
      ];
      const refused = startSkiff(args, {
        env: { NATS_URL: services.nats?.url ?? '', REDIS_URL: volatile.url },
        ready: /apiserver ready/,
      });
      await expect(refused).rejects.toThrow(/exited \(2\)[\s\S]*not durable/);
      const accepted = await startSkiff(args, {
        env: { NATS_URL: services.nats?.url ?? '', REDIS_URL: durable.url },
        ready: /apiserver ready/,
      });
      await accepted.stop();
      expect(await accepted.exited).toEqual({ code: 0, signal: null });
    } finally {
      await volatile.dispose();
      await durable.dispose();
      await removeStreams(services.nats?.url ?? '', new Subjects(prefix));
    }
  });
});
