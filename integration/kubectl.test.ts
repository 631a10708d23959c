/**
 * Real kubectl against the HTTP face: discovery, create/get/replace/watch/delete from manifest
 * files, and client-side apply (strategic merge PATCH with the last-applied annotation). Runs
 * wherever kubectl is on PATH; the cluster is in-process (MemoryBus + SQLite), as kubectl only
 * sees the HTTP face.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type HttpCluster, startHttpCluster } from '../actors/apiserver/http/testing.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { describeWithServices } from './harness.js';

const kubectlPath = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'kubectl'))
  .find((candidate) => existsSync(candidate));
const skipReason = kubectlPath ? undefined : 'kubectl is not installed (not on PATH)';

const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox
        command: ["httpd", "-f", "-p", "8080"]
        ports:
        - containerPort: 8080
`;

const configMap = (color: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  color: ${color}
`;

describeWithServices('kubectl against the HTTP face', skipReason, () => {
  let cluster: HttpCluster;
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    cluster = await startHttpCluster();
    dir = await mkdtemp(path.join(tmpdir(), 'skiff-kubectl-'));
    const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster: {server: "${cluster.url}"}
users:
- name: anonymous
  user: {}
contexts:
- name: skiff
  context: {cluster: skiff, user: anonymous}
current-context: skiff
`;
    await writeFile(path.join(dir, 'kubeconfig'), kubeconfig);
  });

  afterAll(async () => {
    for (const child of children)
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid);
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Where kubectl finds its config, and a cache of its own (discovery is cached per server). */
  const env = () => ({ ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), HOME: dir });

  /** Runs kubectl; resolves with its exit code and output (a non-zero exit is not an exception). */
  async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(kubectlPath ?? 'kubectl', args, { env: env() });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : 1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      };
    }
  }

  async function manifest(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('lists namespaces', async () => {
    const out = await kubectl('get', 'ns');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect(out.stdout).toMatch(/\ndefault\s+Active\s+\S+\n/);
    expect(out.stdout).toMatch(/\nkube-system\s+Active/);
  });

  it('creates, reads, replaces, watches and deletes from manifest files', async () => {
    const deployFile = await manifest('deploy.yaml', deployment(2));
    const cmFile = await manifest('cm.yaml', configMap('blue'));
    const created = await kubectl('create', '-f', deployFile, '-f', cmFile);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('deployment.apps/web created');
    expect(created.stdout).toContain('configmap/settings created');

    const got = await kubectl('get', 'deploy', 'web', '-o', 'json');
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ kind: 'Deployment', spec: { replicas: 2 } });

    const replaced = await kubectl('replace', '-f', await manifest('deploy.yaml', deployment(3)));
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain('deployment.apps/web replaced');
    const after = JSON.parse((await kubectl('get', 'deploy', 'web', '-o', 'json')).stdout);
    expect(after.spec.replicas).toBe(3);

    // Watch: the initial row, then the change made while it watches.
    const watcher = spawn(kubectlPath ?? 'kubectl', ['get', 'deploy', 'web', '-w'], { env: env() });
    children.push(watcher);
    let seen = '';
    watcher.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    await waitFor(() => expect(seen).toMatch(/web\s+0\/3/), { timeoutMs: 10_000 });
    const scaled = await kubectl('scale', 'deploy', 'web', '--replicas=5');
    expect(scaled.code, scaled.stderr).toBe(0);
    await waitFor(() => expect(seen).toMatch(/web\s+0\/5/), { timeoutMs: 10_000 });
    if (watcher.pid !== undefined) process.kill(watcher.pid);

    const deleted = await kubectl('delete', '-f', deployFile, '-f', cmFile);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('deployment.apps "web" deleted');
    const gone = await kubectl('get', 'deploy', 'web');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('(NotFound)');
  });

  it('applies a manifest: created, then unchanged, then configured', async () => {
    const file = await manifest('apply.yaml', `${deployment(1)}---\n${configMap('green')}`);
    const first = await kubectl('apply', '-f', file);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('deployment.apps/web created');
    const second = await kubectl('apply', '-f', file);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('deployment.apps/web unchanged');
    expect(second.stdout).toContain('configmap/settings unchanged');
    await manifest('apply.yaml', `${deployment(4)}---\n${configMap('red')}`);
    const third = await kubectl('apply', '-f', file);
    expect(third.stdout).toContain('deployment.apps/web configured');
    const cm = JSON.parse((await kubectl('get', 'cm', 'settings', '-o', 'json')).stdout);
    expect(cm.data).toEqual({ color: 'red' });
    expect(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('red');
  });

  it("kubectl's imperative commands (they post Kubernetes protobuf) create what they say", async () => {
    const run = async (...args: string[]) => {
      const out = await kubectl(...args);
      expect(out.code, `kubectl ${args.join(' ')}: ${out.stderr}`).toBe(0);
      expect(out.stderr).toBe('');
      return out.stdout.trim();
    };
    expect(await run('create', 'namespace', 'imperative')).toBe('namespace/imperative created');
    const n = ['-n', 'imperative'];
    expect(await run('create', 'configmap', 'cfg', '--from-literal=a=b', '--from-literal=empty=', ...n)).toBe(
      'configmap/cfg created',
    );
    expect(await run('create', 'secret', 'generic', 'pw', '--from-literal=p=q', ...n)).toBe(
      'secret/pw created',
    );
    expect(
      await run('create', 'deployment', 'web', '--image=busybox', '--replicas=2', '--port=8080', ...n),
    ).toBe('deployment.apps/web created');
    expect(await run('create', 'job', 'once', '--image=busybox', ...n, '--', 'echo', 'hi')).toBe(
      'job.batch/once created',
    );
    expect(await run('run', 'solo', '--image=busybox', '--labels=tier=db', ...n, '--', 'sleep', '100')).toBe(
      'pod/solo created',
    );
    expect(
      await run('expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--type=NodePort', ...n),
    ).toBe('service/web exposed');
    expect(await run('scale', 'deployment', 'web', '--replicas=3', ...n)).toBe('deployment.apps/web scaled');

    const get = async (what: string) => JSON.parse(await run('get', what, '-o', 'json', ...n));
    expect((await get('configmap/cfg')).data).toEqual({ a: 'b', empty: '' });
    expect((await get('secret/pw')).data).toEqual({ p: Buffer.from('q').toString('base64') });
    const deploy = await get('deployment/web');
    expect(deploy.spec).toMatchObject({
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'busybox', image: 'busybox' }] },
      },
    });
    expect(deploy.spec.template.spec.containers[0].ports[0]).toMatchObject({
      containerPort: 8080,
      protocol: 'TCP',
    });
    expect((await get('job/once')).spec.template.spec.containers[0].command).toEqual(['echo', 'hi']);
    const pod = await get('pod/solo');
    expect(pod.metadata.labels).toEqual({ tier: 'db' });
    expect(pod.spec.containers[0].args).toEqual(['sleep', '100']);
    const svc = await get('service/web');
    expect(svc.spec).toMatchObject({
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 8080 }],
    });
    expect(svc.spec.clusterIP).toMatch(/^127\.77\./);
    // kubectl's columns for Services, printed from the server's Table.
    const table = (await run('get', 'services', ...n)).split('\n');
    expect(table[0]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    expect(table[1]).toMatch(
      new RegExp(
        `^web\\s+NodePort\\s+${svc.spec.clusterIP}\\s+<none>\\s+80:${svc.spec.ports[0].nodePort}/TCP\\s+\\S+$`,
      ),
    );
  });

  it('creates secrets (generic, docker-registry, a stringData manifest) and lists them', async () => {
    // The generators run client side here, and their manifests are created from a file (the
    // imperative form, which posts protobuf, has its own test).
    const generated: string[] = [];
    for (const args of [
      ['generic', 'db', '--from-literal=password=s3cret'],
      [
        'docker-registry',
        'pull',
        '--docker-server=registry.example',
        '--docker-username=u',
        '--docker-password=p',
      ],
    ]) {
      const out = await kubectl('create', 'secret', ...args, '--dry-run=client', '-o', 'yaml');
      expect(out.code, out.stderr).toBe(0);
      generated.push(out.stdout);
    }
    const created = await kubectl('create', '-f', await manifest('generated.yaml', generated.join('---\n')));
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('secret/db created');
    expect(created.stdout).toContain('secret/pull created');
    const file = await manifest(
      'secret.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: app, namespace: default}\nstringData: {token: abc}\n',
    );
    const applied = await kubectl('apply', '-f', file);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('secret/app created');

    const listed = await kubectl('get', 'secrets');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\n/);
    expect(listed.stdout).toMatch(/\napp\s+Opaque\s+1\s+\S+\n/);
    expect(listed.stdout).toMatch(/\ndb\s+Opaque\s+1\s+/);
    expect(listed.stdout).toMatch(/\npull\s+kubernetes\.io\/dockerconfigjson\s+1\s+/);

    const app = JSON.parse((await kubectl('get', 'secret', 'app', '-o', 'json')).stdout);
    expect(app.data).toEqual({ token: Buffer.from('abc').toString('base64') });
    expect(app).not.toHaveProperty('stringData');
    // Re-applying sends stringData again (live never has it), as with Kubernetes; the merged data
    // is unchanged, so nothing is written.
    const again = await kubectl('apply', '-f', file);
    expect(again.code, again.stderr).toBe(0);
    const after = JSON.parse((await kubectl('get', 'secret', 'app', '-o', 'json')).stdout);
    expect(after.metadata.resourceVersion).toBe(app.metadata.resourceVersion);
    const db = JSON.parse((await kubectl('get', 'secret', 'db', '-o', 'json')).stdout);
    expect(Buffer.from(db.data.password, 'base64').toString()).toBe('s3cret');
  });
});
