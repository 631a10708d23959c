/**
 * The reading verbs end to end: the built binary (`node bin/run.js`) against an in-process API
 * server's HTTP face, for every verb and error path; tables are compared with kubectl's own
 * output against the same server where kubectl is installed.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type InProcessCluster, startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import type { ObjectLike } from '../protocol/client/api-client.js';
import { cliBuilt } from './skiff-process.js';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
/** kubectl's HumanDuration tokens (`5s`, `3m20s`, `2h`), alone or `(x3 over 2m)`. */
const AGE = /\b\d+[smhdy](\d+[smhdy])?\b/g;
const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let cluster: InProcessCluster;
let dir: string;
let env: Record<string, string>;

/** Runs `skiff ARGS` to completion. */
function skiff(args: readonly string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env, ...extra } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/** Runs `kubectl --server URL ARGS` with no kubeconfig of its own. */
function kubectl(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--server', cluster.url, ...args],
      { env: { ...process.env, KUBECONFIG: join(dir, 'kubectl-none') } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/** skiff and kubectl print the same (ages may tick between the two runs: a few tries). */
async function expectSameAsKubectl(args: readonly string[]): Promise<Run> {
  let mine = await skiff(args);
  if (!HAVE_KUBECTL) return mine;
  let theirs = await kubectl(args);
  for (let i = 0; i < 3 && (mine.stdout !== theirs.stdout || mine.stderr !== theirs.stderr); i++) {
    [mine, theirs] = await Promise.all([skiff(args), kubectl(args)]);
  }
  // On a loaded machine an AGE may still tick between the two: then compare with ages blanked and
  // runs of spaces collapsed (columns stay in order; their widths were checked by the tries above
  // whenever the ages agreed).
  const same = mine.stdout === theirs.stdout && mine.stderr === theirs.stderr;
  const norm = (text: string) => (same ? text : text.replace(AGE, 'AGE').replace(/ {2,}/g, '  '));
  expect({ stdout: norm(mine.stdout), stderr: norm(mine.stderr), code: mine.code }).toEqual({
    stdout: norm(theirs.stdout),
    stderr: norm(theirs.stderr),
    code: theirs.code,
  });
  return mine;
}

async function create<T extends ObjectLike>(
  resource: string,
  object: T,
): Promise<T & { metadata: { uid: string } }> {
  return (await cluster.client.create(resource, object)) as T & { metadata: { uid: string } };
}

async function setStatus(resource: string, namespace: string, name: string, status: unknown): Promise<void> {
  const current = await cluster.client.get<ObjectLike>(resource, namespace, name);
  await cluster.client.updateStatus(resource, { ...current, status } as ObjectLike);
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const container = (name: string) => ({ name, image: 'busybox' });

describe.skipIf(!cliBuilt())('skiff reading verbs against a live API server', () => {
  beforeAll(async () => {
    cluster = await startInProcessCluster({ http: true });
    dir = mkdtempSync(join(tmpdir(), 'skiff-cli-read-'));
    env = { SKIFF_SERVER: cluster.url, SKIFF_CONFIG: join(dir, 'config') };
    await create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await setStatus('nodes', '', 'n1', {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    });
    await create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } });
    const web1 = await create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web', tier: 'front' } },
      spec: { nodeName: 'n1', containers: [container('main'), container('side')] },
    });
    await setStatus('pods', 'default', 'web-1', {
      phase: 'Running',
      podIP: '127.0.0.1',
      hostIP: '127.0.0.1',
      startTime: now(),
      qosClass: 'BestEffort',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      containerStatuses: [
        {
          name: 'main',
          ready: true,
          restartCount: 2,
          image: 'busybox',
          state: { running: { startedAt: now() } },
        },
        {
          name: 'side',
          ready: false,
          restartCount: 0,
          image: 'busybox',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        },
      ],
    });
    await create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-2', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [container('main')] },
    });
    await create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db-0', namespace: 'prod', labels: { app: 'db' } },
      spec: { containers: [container('db')] },
    });
    await create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    const deploy = await create('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container('main')] } },
      },
    });
    await create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-5d9c8',
        namespace: 'default',
        labels: { app: 'web', 'pod-template-hash': '5d9c8' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: deploy.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9c8' } },
        template: {
          metadata: { labels: { app: 'web', 'pod-template-hash': '5d9c8' } },
          spec: { containers: [container('main')] },
        },
      },
    });
    await setStatus('deployments', 'default', 'web', {
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 1,
      availableReplicas: 1,
      unavailableReplicas: 1,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
    });
    await create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { a: '1' },
    });
    await create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-1.1', namespace: 'default' },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: 'default',
        name: 'web-1',
        uid: web1.metadata.uid,
      },
      reason: 'Scheduled',
      message: 'Successfully assigned default/web-1 to n1',
      type: 'Normal',
      source: { component: 'default-scheduler' },
      firstTimestamp: now(),
      lastTimestamp: now(),
      count: 1,
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('get', () => {
    it('prints the pods table as kubectl does', async () => {
      const run = await expectSameAsKubectl(['get', 'pods']);
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      expect(lines[1]).toMatch(/^web-1\s+1\/2\s+CrashLoopBackOff\s+2\s+\S+$/);
    });

    it.each([
      [['get', 'pods', '-o', 'wide']],
      [['get', 'pods', '-A']],
      [['get', 'pods,svc']],
      [['get', 'all']],
      [['get', 'all', '-A']],
      [['get', 'pods', '--show-labels']],
      [['get', 'pods', '-l', 'tier=front']],
      [['get', 'pods', '--field-selector', 'status.phase=Running']],
      [['get', 'po/web-1', 'svc/web']],
      [['get', 'deploy']],
      [['get', 'deployment.apps', 'web']],
      [['get', 'rs']],
      [['get', 'ns']],
      [['get', 'no']],
      [['get', 'cm']],
      [['get', 'pods', '-o', 'name']],
      [['get', 'deploy', 'web', '-o', 'name']],
      [['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}']],
      [['get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,NODE:.spec.nodeName']],
      [['get', 'pods', '--no-headers']],
    ])('%j matches kubectl', async (args) => {
      const run = await expectSameAsKubectl(args);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toBe('');
    });

    it('prints a single object as YAML or JSON, and several as a List', async () => {
      const one = await skiff(['get', 'pod', 'web-1', '-o', 'yaml']);
      expect(parse(one.stdout)).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1' } });
      const many = await skiff(['get', 'pods', '-o', 'json']);
      const list = JSON.parse(many.stdout) as { kind: string; items: { kind: string }[] };
      expect(list.kind).toBe('List');
      expect(list.items.map((i) => i.kind)).toEqual(['Pod', 'Pod']);
      if (HAVE_KUBECTL) {
        const theirs = await kubectl(['get', 'pods', '-o', 'json']);
        expect(JSON.parse(many.stdout)).toEqual(JSON.parse(theirs.stdout));
        expect(parse(one.stdout)).toEqual(
          parse((await kubectl(['get', 'pod', 'web-1', '-o', 'yaml'])).stdout),
        );
      }
    });

    it.each([
      [['get', 'pods', '-n', 'empty'], 0, 'No resources found in empty namespace.\n'],
      [['get', 'pod', 'nope'], 1, 'Error from server (NotFound): pods "nope" not found\n'],
      [['get', 'foo'], 1, 'error: the server doesn\'t have a resource type "foo"\n'],
      [['get', 'pods', '-l', 'app=none'], 0, 'No resources found in default namespace.\n'],
    ])("%j exits %i with kubectl's line", async (args, code, stderr) => {
      const run = await expectSameAsKubectl(args);
      expect(run).toMatchObject({ code, stderr });
    });

    it('prints what it found, then the NotFound line, and exits 1', async () => {
      const run = await expectSameAsKubectl(['get', 'pods', 'web-1', 'nope']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^NAME/);
      expect(run.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    });

    it('refuses an unknown output format', async () => {
      const run = await skiff(['get', 'pods', '-o', 'bad']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'error: unable to match a printer suitable for the output format "bad", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml\n',
      );
    });

    it('names the address of an unreachable server in one line', async () => {
      const run = await skiff(['get', 'pods', '--server', 'http://127.0.0.1:1']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
      );
    });

    it('-w prints the table, then a row per change, and ends on Ctrl-C', async () => {
      const child = spawn(process.execPath, [BIN, 'get', 'pods', '-n', 'prod', '-w'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await waitFor(() => out.includes('db-0'));
      await create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'db-1', namespace: 'prod' },
        spec: { containers: [container('db')] },
      });
      await waitFor(() => out.includes('db-1'));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const lines = out.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      expect(lines[1]).toMatch(/^db-0\s+0\/1\s+Pending/);
      expect(lines[2]).toMatch(/^db-1\s+0\/1\s+Pending/);
    });
  });

  describe('describe', () => {
    it.each([
      [['describe', 'pod', 'web-1']],
      [['describe', 'deploy', 'web']],
      [['describe', 'svc', 'web']],
      [['describe', 'ns', 'prod']],
    ])('%j matches kubectl', async (args) => {
      const run = await expectSameAsKubectl(args);
      expect(run.code).toBe(0);
    });

    it('describes a pod with its containers, conditions and events', async () => {
      const run = await skiff(['describe', 'pod/web-1']);
      expect(run.code).toBe(0);
      for (const line of [
        /^Name:\s+web-1$/m,
        /^Namespace:\s+default$/m,
        /^Node:\s+n1\/127\.0\.0\.1$/m,
        /^Labels:\s+app=web$/m,
        /^\s+tier=front$/m,
        /^Status:\s+Running$/m,
        /^IP:\s+127\.0\.0\.1$/m,
        /^ {4}State:\s+Running$/m,
        /^ {4}State:\s+Waiting$/m,
        /^ {6}Reason:\s+CrashLoopBackOff$/m,
        /^ {4}Ready:\s+True$/m,
        /^ {4}Restart Count:\s+2$/m,
        /^Conditions:$/m,
        /^ {2}Ready\s+True $/m,
        /^ {2}Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web-1 to n1$/m,
      ]) {
        expect(run.stdout).toMatch(line);
      }
    });

    it('describes a deployment, a node, and the rest generically', async () => {
      const deploy = await skiff(['describe', 'deployment', 'web']);
      expect(deploy.stdout).toMatch(
        /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 1 available \| 1 unavailable$/m,
      );
      expect(deploy.stdout).toMatch(/^StrategyType:\s+RollingUpdate$/m);
      expect(deploy.stdout).toMatch(/^ {2}Available\s+True\s+MinimumReplicasAvailable$/m);
      const node = await skiff(['describe', 'no', 'n1']);
      expect(node.stdout).toMatch(/^Name:\s+n1$/m);
      expect(node.stdout).toMatch(/^ {2}Ready\s+True\s+/m);
      expect(node.stdout).toMatch(/^Non-terminated Pods:\s+\(1 in total\)$/m);
      const cm = await skiff(['describe', 'cm', 'settings']);
      expect(cm.stdout).toMatch(/^Name:\s+settings$/m);
      expect(cm.stdout).toMatch(/^Events:\s+<none>$/m);
    });

    it('describes every object of a type, and fails for a missing one', async () => {
      const all = await skiff(['describe', 'pods']);
      expect(all.stdout.match(/^Name:/gm)).toHaveLength(2);
      const missing = await expectSameAsKubectl(['describe', 'pod', 'nope']);
      expect(missing).toMatchObject({
        code: 1,
        stderr: 'Error from server (NotFound): pods "nope" not found\n',
      });
    });
  });

  describe('events, api-resources', () => {
    it.each([
      [['events']],
      [['events', '-A']],
      [['events', '--for', 'pod/web-1']],
      [['events', '-n', 'prod']],
      [['api-resources']],
      [['api-resources', '--namespaced=false']],
      [['api-resources', '-o', 'name']],
    ])('%j matches kubectl', async (args) => {
      const run = await expectSameAsKubectl(args);
      expect(run.code).toBe(0);
    });

    it('prints kubectl events columns', async () => {
      const run = await skiff(['events']);
      expect(run.stdout).toMatch(
        /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\S+\s+Normal\s+Scheduled\s+Pod\/web-1\s+/,
      );
      expect((await skiff(['events', '-n', 'prod'])).stderr).toBe('No events found in prod namespace.\n');
    });

    it('events -w prints new events as they come, and ends on Ctrl-C', async () => {
      const child = spawn(process.execPath, [BIN, 'events', '-n', 'prod', '-w'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // Events keep coming: create one per half second until the watcher prints one.
      for (let i = 0; !out.includes('BackOff') && i < 40; i++) {
        await create('events', {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `db-0.${i}`, namespace: 'prod' },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'prod', name: 'db-0' },
          reason: 'BackOff',
          message: 'Back-off restarting failed container',
          type: 'Warning',
          firstTimestamp: now(),
          lastTimestamp: now(),
          count: 1,
        });
        await new Promise((r) => setTimeout(r, 500));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toMatch(
        /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\S+\s+Warning\s+BackOff\s+Pod\/db-0\s+Back-off/,
      );
    });

    it('lists the API resources with short names', async () => {
      const run = await skiff(['api-resources']);
      expect(run.stdout).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
      expect(run.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    });
  });

  describe('wait', () => {
    it('reports a condition met', async () => {
      const run = await expectSameAsKubectl(['wait', '--for=condition=Ready', 'pod/web-1', '--timeout=2s']);
      expect(run).toMatchObject({ code: 0, stdout: 'pod/web-1 condition met\n' });
      const deploy = await skiff(['wait', '--for=condition=Available', 'deploy/web']);
      expect(deploy.stdout).toBe('deployment.apps/web condition met\n');
    });

    it('times out in kubectl words', async () => {
      const run = await expectSameAsKubectl(['wait', '--for=condition=Ready', 'pod/web-2', '--timeout=1s']);
      expect(run).toMatchObject({
        code: 1,
        stderr: 'error: timed out waiting for the condition on pods/web-2\n',
      });
    });

    it('waits for a deletion, and for a condition that becomes true', async () => {
      await create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'doomed', namespace: 'default' },
        spec: { containers: [container('main')] },
      });
      const waiting = skiff(['wait', '--for=delete', 'pod/doomed', '--timeout=20s']);
      const becoming = skiff([
        'wait',
        '--for=jsonpath={.status.phase}=Succeeded',
        'pod/web-2',
        '--timeout=20s',
      ]);
      // Both must be watching before the changes (a CLI start takes a second or two on a loaded machine).
      await new Promise((r) => setTimeout(r, 5000));
      await cluster.client.delete('pods', 'default', 'doomed', { gracePeriodSeconds: 0 });
      await setStatus('pods', 'default', 'web-2', { phase: 'Succeeded' });
      expect(await waiting).toMatchObject({ code: 0, stdout: 'pod/doomed condition met\n' });
      expect(await becoming).toMatchObject({ code: 0, stdout: 'pod/web-2 condition met\n' });
    });

    it('refuses an unknown condition and a missing object', async () => {
      expect(await skiff(['wait', '--for=foo', 'pod/web-1'])).toMatchObject({
        code: 1,
        stderr: 'error: unrecognized condition: "foo"\n',
      });
      expect(await skiff(['wait', '--for=condition=Ready', 'pod/nope', '--timeout=1s'])).toMatchObject({
        code: 1,
        stderr: 'Error from server (NotFound): pods "nope" not found\n',
      });
    });
  });

  describe('config', () => {
    it('lists, switches and edits contexts; get uses the context namespace', async () => {
      const config = join(dir, 'kubeconfig');
      writeFileSync(
        config,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: skiff\n  cluster:\n    server: ${cluster.url}`,
          '- name: other\n  cluster:\n    server: http://127.0.0.1:1',
          'users:',
          '- name: skiff\n  user: {}',
          'contexts:',
          '- name: skiff\n  context:\n    cluster: skiff\n    user: skiff',
          '- name: other\n  context:\n    cluster: other\n    user: skiff',
          'current-context: other',
          '',
        ].join('\n'),
      );
      const cfg = { SKIFF_CONFIG: config, SKIFF_SERVER: '' };
      const contexts = await skiff(['config', 'get-contexts'], cfg);
      expect(contexts.stdout).toBe(
        [
          'CURRENT   NAME    CLUSTER   AUTHINFO   NAMESPACE',
          '*         other   other     skiff      ',
          '          skiff   skiff     skiff      ',
          '',
        ].join('\n'),
      );
      if (HAVE_KUBECTL) {
        const theirs = spawnSync('kubectl', ['config', 'get-contexts'], {
          env: { ...process.env, KUBECONFIG: config },
        });
        expect(contexts.stdout).toBe(theirs.stdout.toString());
      }
      expect(await skiff(['config', 'use-context', 'skiff'], cfg)).toMatchObject({
        code: 0,
        stdout: 'Switched to context "skiff".\n',
      });
      expect(await skiff(['config', 'use-context', 'nope'], cfg)).toMatchObject({
        code: 1,
        stderr: 'error: no context exists with the name: "nope"\n',
      });
      expect((await skiff(['config', 'current-context'], cfg)).stdout).toBe('skiff\n');
      expect(await skiff(['config', 'set-context', '--current', '--namespace=prod'], cfg)).toMatchObject({
        code: 0,
        stdout: 'Context "skiff" modified.\n',
      });
      const pods = await skiff(['get', 'pods'], cfg);
      expect(pods.stdout).toMatch(/^db-0\s/m);
      const view = parse((await skiff(['config', 'view', '--minify'], cfg)).stdout) as {
        contexts: { name: string; context: { namespace?: string } }[];
      };
      expect(view.contexts).toEqual([
        { name: 'skiff', context: { cluster: 'skiff', user: 'skiff', namespace: 'prod' } },
      ]);
    });
  });

  it.each([
    [['get', 'pods']],
    [['describe', 'pod', 'web-1']],
    [['events']],
    [['api-resources']],
    [['wait', '--for=condition=Ready', 'pod/web-1']],
  ])('%j names an unreachable server in one line', async (args) => {
    const run = await skiff([...args, '--server', 'http://127.0.0.1:1']);
    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
    });
  });

  it.each(['get', 'describe', 'events', 'api-resources', 'wait', 'config get-contexts'])(
    '%s --help shows examples',
    async (verb) => {
      const run = await skiff([...verb.split(' '), '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/EXAMPLES/);
    },
  );
});

async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
