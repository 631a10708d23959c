/**
 * The runtime contract and the kubelet's pod lifecycle on real Podman containers (the same suites
 * the hollow and process runtimes pass in the unit project), and a web server in a pod.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import { silentLogger } from '../actors/kernel/log.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { describeRuntimeContract } from '../actors/kubelet/runtimes/contract.js';
import { PodmanRuntime } from '../actors/kubelet/runtimes/podman/podman-runtime.js';
import { podmanHarness } from '../actors/kubelet/runtimes/podman/testing.js';
import { describeKubeletLifecycle } from '../actors/kubelet/testing/lifecycle.js';
import { systemClock } from '../protocol/clock.js';
import type { Pod } from '../protocol/resources/pod.js';
import { describeWithServices, PODMAN_SOCKET, podmanOrSkip } from './harness.js';

const skip = await podmanOrSkip();

describeWithServices('kubelet on Podman', skip, () => {
  describeRuntimeContract('podman', () => podmanHarness(PODMAN_SOCKET), { waitMs: 30_000 });
  describeKubeletLifecycle('podman', () => podmanHarness(PODMAN_SOCKET), { waitMs: 30_000 });

  describeWithServices('a web server in a pod', skip, () => {
    let cluster: InProcessCluster;
    let runtime: PodmanRuntime;
    let kubelet: Kubelet;
    const node = `web-${process.pid}`;
    beforeAll(async () => {
      cluster = await startInProcessCluster({ http: true });
      runtime = new PodmanRuntime({ node, socketPath: PODMAN_SOCKET });
      kubelet = new Kubelet({
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
      await kubelet.start();
    });
    afterAll(async () => {
      await cluster.client.delete('pods', 'default', 'web', { gracePeriodSeconds: 1 }).catch(() => undefined);
      await cluster.client
        .delete('pods', 'default', 'limited', { gracePeriodSeconds: 1 })
        .catch(() => undefined);
      await waitFor(async () => expect(await runtime.listPodSandboxes()).toEqual([]), { timeoutMs: 30_000 });
      await kubelet.stop();
      await runtime.close();
      await cluster.stop();
    });

    it('serves busybox httpd on the host port the kubelet published, and its log reaches kubectl logs', async () => {
      await cluster.client.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          nodeName: node,
          containers: [
            {
              name: 'httpd',
              image: 'busybox',
              command: ['sh', '-c', 'echo serving /var/www; exec httpd -f -v -p 8080 -h /var/www'],
              ports: [{ name: 'http', containerPort: 8080 }],
              // No host: the kubelet probes the port it published for the container.
              readinessProbe: { httpGet: { port: 'http', path: '/' }, periodSeconds: 1 },
            },
          ],
        },
      } as unknown as Pod);
      await waitFor(
        async () =>
          expect(
            (await cluster.client.get<Pod>('pods', 'default', 'web')).status?.conditions?.find(
              (c) => c.type === 'Ready',
            )?.status,
          ).toBe('True'),
        { timeoutMs: 30_000 },
      );
      // Where to connect is in the pod's status, as the Endpoints controller reads it.
      const running = await cluster.client.get<Pod>('pods', 'default', 'web');
      const published = running.status?.publishedPorts?.find((p) => p.containerPort === 8080);
      expect(published).toMatchObject({ containerName: 'httpd', hostIP: '127.0.0.1', protocol: 'TCP' });
      const [sandbox] = await runtime.listPodSandboxes({ podUid: running.metadata.uid as string });
      expect(sandbox?.portMappings).toContainEqual(
        expect.objectContaining({ containerPort: 8080, hostPort: published?.hostPort }),
      );
      let page = '';
      await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${published?.hostPort}/`);
          page = await res.text();
          expect(res.status).toBe(200);
        },
        { timeoutMs: 10_000 },
      );
      expect(page.length).toBeGreaterThan(0);
      const logs = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/web/log`);
      expect(await logs.text()).toContain('serving /var/www');
    });
    it('applies resource limits as cgroup limits: memory in bytes, cpu as a CFS quota', async () => {
      await cluster.client.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'limited', namespace: 'default' },
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sleep', '3600'],
              resources: { limits: { memory: '64Mi', cpu: '500m' } },
            },
          ],
        },
      } as unknown as Pod);
      await waitFor(
        async () =>
          expect((await cluster.client.get<Pod>('pods', 'default', 'limited')).status?.phase).toBe('Running'),
        { timeoutMs: 30_000 },
      );
      // What the container itself sees, on cgroup v2 or v1 (this machine kind has v1).
      const read = (v2: string, v1: string) =>
        cluster.client.exec('default', 'limited', {
          command: ['sh', '-c', `cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1}`],
        });
      expect((await read('memory.max', 'memory/memory.limit_in_bytes')).stdout.trim()).toBe(
        String(64 * 1024 ** 2),
      );
      const quota = (await read('cpu.max', 'cpu/cpu.cfs_quota_us')).stdout.trim();
      const period = (await read('cpu.max', 'cpu/cpu.cfs_period_us')).stdout.trim();
      // v2: "50000 100000"; v1: quota 50000 over period 100000. Half a CPU either way.
      const [q, p] = quota.includes(' ') ? quota.split(' ').map(Number) : [Number(quota), Number(period)];
      expect((q as number) / (p as number)).toBe(0.5);
    });
  });
});
