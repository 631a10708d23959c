/**
 * The CLI's writing verbs end to end: the built binary (`node bin/run.js`) against an in-process
 * API server's HTTP face, with the ReplicaSet, Deployment and garbage-collector controllers, the
 * scheduler and two hollow kubelets running in this process (as deployment-rollout.test.ts does).
 * Every verb's success line and every error path is checked on the real process: its stdout,
 * stderr and exit code.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessCluster, startInProcessCluster } from '../actors/apiserver/testing/cluster.js';
import { deploymentController } from '../actors/controllers/deployment/controller.js';
import { garbageCollectorController } from '../actors/controllers/garbagecollector/controller.js';
import { replicaSetController } from '../actors/controllers/replicaset/controller.js';
import { type RunningControllers, startControllers } from '../actors/kernel/controllers.js';
import { silentLogger } from '../actors/kernel/log.js';
import { SharedInformers } from '../actors/kernel/shared-informers.js';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import { Kubelet } from '../actors/kubelet/kubelet.js';
import { HollowMachine, HollowRuntime } from '../actors/kubelet/runtimes/hollow/hollow-runtime.js';
import { Scheduler } from '../actors/scheduler/scheduler.js';
import { EventRecorder } from '../protocol/client/recorder.js';
import { systemClock } from '../protocol/clock.js';
import { isReason } from '../protocol/errors.js';
import type { Deployment } from '../protocol/resources/deployment.js';
import type { Node } from '../protocol/resources/node.js';
import type { Pod } from '../protocol/resources/pod.js';
import type { ReplicaSet } from '../protocol/resources/replicaset.js';
import { cliBuilt } from './skiff-process.js';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const NODES = ['hollow-0', 'hollow-1'];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let cluster: InProcessCluster;
let dir: string;
const stops: (() => Promise<void>)[] = [];

/** Runs `skiff ARGS` against the cluster; the event loop stays free for the in-process servers. */
function skiff(args: readonly string[], options: { stdin?: string; server?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, SKIFF_SERVER: options.server ?? cluster.url, SKIFF_CONFIG: join(dir, 'config') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Writes a manifest into the test's directory; returns its name (relative, as a user types it). */
function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return name;
}

function deployment(name: string, image: string, replicas = 2): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: main
        image: ${image}
`;
}

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
`;

async function gone(resource: string, namespace: string, name: string): Promise<boolean> {
  try {
    await cluster.client.get(resource, namespace, name);
    return false;
  } catch (err) {
    if (isReason(err, 'NotFound')) return true;
    throw err;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-cli-write-'));
  cluster = await startInProcessCluster({ http: true });
  const { client, bus, subjects } = cluster;
  const log = silentLogger();
  const machine = new HollowMachine();
  for (const node of NODES) {
    const kubelet = new Kubelet({
      nodeName: node,
      client,
      bus,
      subjects,
      runtime: new HollowRuntime({ node, machine }),
      clock: systemClock,
      log,
      registry: new Registry(),
      facts: { hostIP: '127.0.0.1', cpuMillis: 16000, memoryBytes: 64 * 1024 ** 3 },
      heartbeatMs: 60_000,
    });
    await kubelet.start();
    stops.push(() => kubelet.stop());
  }
  const scheduler = new Scheduler({
    client,
    clock: systemClock,
    log,
    registry: new Registry(),
    identity: 'scheduler-0',
    leaderElection: false,
    scheduledEvents: false,
  });
  await scheduler.start();
  stops.unshift(() => scheduler.stop());
  const recorder = new EventRecorder({ client, clock: systemClock, log, component: 'controller-manager' });
  const informers = new SharedInformers({ client, clock: systemClock, log });
  const controllers: RunningControllers = startControllers(
    [replicaSetController(), deploymentController(), garbageCollectorController()],
    { client, informers, recorder, clock: systemClock, log, registry: new Registry() },
  );
  await controllers.synced;
  stops.unshift(async () => {
    await controllers.stop();
    await recorder.flush();
  });
}, 60_000);

afterAll(async () => {
  for (const stop of stops) await stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!cliBuilt())('skiff writing verbs (built binary, in-process cluster)', () => {
  it('apply: created, then unchanged, then configured for a changed manifest (multi-document file)', async () => {
    const path = file('web.yaml', `${deployment('web', 'busybox:1')}---\n${SERVICE}`);
    const first = await skiff(['apply', '-f', path]);
    expect(first).toEqual({
      code: 0,
      stdout: 'deployment.apps/web created\nservice/web created\n',
      stderr: '',
    });
    const again = await skiff(['apply', '-f', path]);
    expect(again).toEqual({
      code: 0,
      stdout: 'deployment.apps/web unchanged\nservice/web unchanged\n',
      stderr: '',
    });
    file('web.yaml', `${deployment('web', 'busybox:1', 3)}---\n${SERVICE}`);
    const changed = await skiff(['apply', '-f', path]);
    expect(changed).toEqual({
      code: 0,
      stdout: 'deployment.apps/web configured\nservice/web unchanged\n',
      stderr: '',
    });
    const d = await cluster.client.get<Deployment>('deployments', 'default', 'web');
    expect(d.spec.replicas).toBe(3);
  });

  it('apply: an invalid manifest lists every bad field with its path, exits 1, and the valid ones are applied', async () => {
    const bad = `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: -1
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers: [{name: c}]
`;
    const good = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\ndata: {a: b}\n';
    const run = await skiff(['apply', '-f', file('bad.yaml', `${bad}---\n${good}`)]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('configmap/good created\n');
    expect(run.stderr).toBe(
      'The Deployment "bad" is invalid:\n' +
        '* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n' +
        '* spec.template.spec.containers[0].image: Required value\n',
    );
    expect(await gone('deployments', 'default', 'bad')).toBe(true);
  });

  it('apply: stdin, a directory with -R, --dry-run=server and -o name', async () => {
    const cm = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}}\n`;
    expect(await skiff(['apply', '-f', '-'], { stdin: cm('from-stdin') })).toMatchObject({
      code: 0,
      stdout: 'configmap/from-stdin created\n',
    });
    file('tree/a.yaml', cm('tree-a'));
    file(
      'tree/sub/b.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tree-b' } }),
    );
    expect((await skiff(['apply', '-f', 'tree'])).stdout).toBe('configmap/tree-a created\n');
    expect((await skiff(['apply', '-f', 'tree', '-R'])).stdout).toBe(
      'configmap/tree-a unchanged\nconfigmap/tree-b created\n',
    );
    const dry = await skiff(['apply', '-f', '-', '--dry-run=server'], { stdin: cm('dry') });
    expect(dry.stdout).toBe('configmap/dry created (server dry run)\n');
    expect(await gone('configmaps', 'default', 'dry')).toBe(true);
    expect((await skiff(['apply', '-f', '-', '-o', 'name'], { stdin: cm('named') })).stdout).toBe(
      'configmap/named\n',
    );
  });

  it('apply: a missing path and an unknown kind are errors', async () => {
    expect(await skiff(['apply', '-f', 'nope.yaml'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: the path "nope.yaml" does not exist\n',
    });
    const run = await skiff(['apply', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: Gadget\nmetadata: {name: g}\n',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no matches for kind "Gadget" in version "v1"');
  });

  it('create: created, then AlreadyExists in kubectl words', async () => {
    const path = file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: made}\n');
    expect(await skiff(['create', '-f', path])).toEqual({
      code: 0,
      stdout: 'configmap/made created\n',
      stderr: '',
    });
    expect(await skiff(['create', '-f', path])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error from server (AlreadyExists): error when creating "cm.yaml": configmaps "made" already exists\n',
    });
  });

  it('scale, then rollout status follows the rollout until it completes', async () => {
    expect(await skiff(['scale', 'deployment/web', '--replicas=4'])).toEqual({
      code: 0,
      stdout: 'deployment.apps/web scaled\n',
      stderr: '',
    });
    const status = await skiff(['rollout', 'status', 'deploy/web', '--timeout=60s']);
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n').at(-1)).toBe('deployment "web" successfully rolled out');
    const d = await cluster.client.get<Deployment>('deployments', 'default', 'web');
    expect(d.status?.availableReplicas).toBe(4);
  });

  it('rollout history and undo: back to the old image', async () => {
    file('web2.yaml', `${deployment('web', 'busybox:2', 4)}---\n${SERVICE}`);
    expect((await skiff(['apply', '-f', 'web2.yaml'])).stdout).toBe(
      'deployment.apps/web configured\nservice/web unchanged\n',
    );
    expect((await skiff(['rollout', 'status', 'deploy/web', '--timeout=60s'])).code).toBe(0);
    expect(await skiff(['rollout', 'history', 'deploy/web'])).toEqual({
      code: 0,
      stdout: 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n',
      stderr: '',
    });
    expect(await skiff(['rollout', 'undo', 'deploy/web'])).toEqual({
      code: 0,
      stdout: 'deployment.apps/web rolled back\n',
      stderr: '',
    });
    const d = await cluster.client.get<Deployment>('deployments', 'default', 'web');
    expect(d.spec.template.spec.containers[0]?.image).toBe('busybox:1');
    expect((await skiff(['rollout', 'status', 'deploy/web', '--timeout=60s'])).code).toBe(0);
    const pods = await cluster.client.listAll<Pod>('pods', {
      namespace: 'default',
      labelSelector: 'app=web',
    });
    const running = pods.items.filter((p) => !p.metadata.deletionTimestamp);
    expect(running.map((p) => p.spec.containers[0]?.image)).toEqual(Array(4).fill('busybox:1'));
    expect((await skiff(['rollout', 'undo', 'deploy/web', '--to-revision=9'])).stderr).toBe(
      'error: unable to find specified revision 9 in history\n',
    );
  });

  it('rollout status exits 1 once the progress deadline passes', async () => {
    const stuck = deployment('stuck', 'busybox:1', 1)
      .replace('spec:\n  replicas', 'spec:\n  progressDeadlineSeconds: 2\n  replicas')
      .replace(
        '    spec:\n      containers',
        '    spec:\n      nodeSelector: {pool: none}\n      containers',
      );
    expect((await skiff(['apply', '-f', '-'], { stdin: stuck })).code).toBe(0);
    const status = await skiff(['rollout', 'status', 'deploy/stuck', '--timeout=60s']);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe('error: deployment "stuck" exceeded its progress deadline\n');
    expect(status.stdout).toContain(
      'Waiting for deployment "stuck" rollout to finish: 0 of 1 updated replicas are available...\n',
    );
    expect((await skiff(['delete', 'deploy/stuck'])).code).toBe(0);
  });

  it('rollout pause, resume and restart', async () => {
    expect((await skiff(['rollout', 'pause', 'deploy/web'])).stdout).toBe('deployment.apps/web paused\n');
    expect(await skiff(['rollout', 'pause', 'deploy/web'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: deployments.apps "web" is already paused\n',
    });
    expect((await skiff(['rollout', 'restart', 'deploy/web'])).stderr).toBe(
      `error: deployments.apps "web" can't restart paused deployment (run rollout resume first)\n`,
    );
    expect((await skiff(['rollout', 'resume', 'deploy/web'])).stdout).toBe('deployment.apps/web resumed\n');
    expect((await skiff(['rollout', 'resume', 'deploy/web'])).stderr).toBe(
      'error: deployments.apps "web" is not paused\n',
    );
    expect((await skiff(['rollout', 'restart', 'deploy/web'])).stdout).toBe(
      'deployment.apps/web restarted\n',
    );
    const d = await cluster.client.get<Deployment>('deployments', 'default', 'web');
    expect(d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toMatch(/Z$/);
    expect((await skiff(['rollout', 'status', 'deploy/web', '--timeout=60s'])).code).toBe(0);
    expect((await skiff(['rollout', 'status', 'pod/x'])).stderr).toBe(
      'error: no status viewer has been implemented for Pod\n',
    );
  });

  it('label and annotate, with the --overwrite refusal', async () => {
    expect((await skiff(['label', 'deploy', 'web', 'team=a'])).stdout).toBe('deployment.apps/web labeled\n');
    expect(await skiff(['label', 'deploy/web', 'team=b'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: 'team' already has a value (a), and --overwrite is false\n",
    });
    expect((await skiff(['label', 'deploy/web', 'team=b', '--overwrite'])).stdout).toBe(
      'deployment.apps/web labeled\n',
    );
    expect((await skiff(['label', 'deploy/web', 'team-'])).stdout).toBe('deployment.apps/web unlabeled\n');
    expect((await skiff(['annotate', 'svc', 'web', 'note=hi'])).stdout).toBe('service/web annotated\n');
    expect((await skiff(['annotate', 'svc', 'web', 'note=ho'])).stderr).toBe(
      "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hi)\n",
    );
    const d = await cluster.client.get<Deployment>('deployments', 'default', 'web');
    expect(d.metadata.labels?.team).toBeUndefined();
    expect(await skiff(['label', 'pod', 'nope', 'a=b'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): pods "nope" not found\n',
    });
  });

  it('scale of a type without replicas, and of a missing object', async () => {
    expect((await skiff(['scale', 'pod/x', '--replicas=2'])).stderr).toBe(
      'Error from server (NotFound): the server could not find the requested resource\n',
    );
    expect(await skiff(['scale', 'deploy/nope', '--replicas=2'])).toMatchObject({ code: 1 });
  });

  it('delete --cascade=orphan leaves the pods; delete by name waits until gone', async () => {
    file('orphans.yaml', deployment('orph', 'busybox:1', 2));
    expect((await skiff(['apply', '-f', 'orphans.yaml'])).code).toBe(0);
    expect((await skiff(['rollout', 'status', 'deploy/orph', '--timeout=60s'])).code).toBe(0);
    expect(await skiff(['delete', 'deploy', 'orph', '--cascade=orphan'])).toEqual({
      code: 0,
      stdout: 'deployment.apps "orph" deleted\n',
      stderr: '',
    });
    expect(await gone('deployments', 'default', 'orph')).toBe(true);
    const rs = await cluster.client.listAll<ReplicaSet>('replicasets', {
      namespace: 'default',
      labelSelector: 'app=orph',
    });
    expect(rs.items).toHaveLength(1);
    const pods = await cluster.client.listAll<Pod>('pods', {
      namespace: 'default',
      labelSelector: 'app=orph',
    });
    expect(pods.items.filter((p) => !p.metadata.deletionTimestamp)).toHaveLength(2);
    // The ReplicaSet, deleted in the background: its pods go too, and --wait returns once it is gone.
    const rsName = rs.items[0]?.metadata.name as string;
    expect((await skiff(['delete', `rs/${rsName}`])).stdout).toBe(`replicaset.apps "${rsName}" deleted\n`);
    expect(await gone('replicasets', 'default', rsName)).toBe(true);
    await waitFor(
      async () => {
        const left = await cluster.client.listAll<Pod>('pods', {
          namespace: 'default',
          labelSelector: 'app=orph',
        });
        return left.items.length === 0;
      },
      { timeoutMs: 30_000 },
    );
  });

  it('delete: -f, -l, --all, NotFound, --ignore-not-found, bad --cascade, no arguments', async () => {
    expect((await skiff(['delete', '-f', 'cm.yaml'])).stdout).toBe('configmap "made" deleted\n');
    expect(await skiff(['delete', '-f', 'cm.yaml'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): configmaps "made" not found\n',
    });
    expect((await skiff(['delete', 'cm', 'made', '--ignore-not-found'])).code).toBe(0);
    expect((await skiff(['delete', 'configmaps', '-l', 'app=none'])).stdout).toBe('No resources found\n');
    expect((await skiff(['delete', 'configmap', '-l', 'nothing', '--wait=false'])).code).toBe(0);
    const all = await skiff(['delete', 'cm', '--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('configmap "tree-a" deleted\n');
    expect(await skiff(['delete', 'pod', 'a', '--cascade=bogus'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: invalid cascade value (bogus). Must be "background", "foreground", or "orphan"\n',
    });
    expect((await skiff(['delete', 'pods'])).stderr).toBe(
      'error: resource(s) were provided, but no name was specified\n',
    );
    expect((await skiff(['delete'])).stderr).toMatch(/^error: You must provide one or more resources/);
  });

  it("cordon, uncordon, and drain with kubectl's refusals, then --force", async () => {
    const node = NODES[0] as string;
    expect(await skiff(['cordon', node])).toEqual({ code: 0, stdout: `node/${node} cordoned\n`, stderr: '' });
    expect((await skiff(['cordon', node])).stdout).toBe(`node/${node} already cordoned\n`);
    expect((await cluster.client.get<Node>('nodes', '', node)).spec?.unschedulable).toBe(true);
    expect((await skiff(['uncordon', node])).stdout).toBe(`node/${node} uncordoned\n`);
    expect((await skiff(['uncordon', node])).stdout).toBe(`node/${node} already uncordoned\n`);

    const bare = `apiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec:\n  nodeName: ${node}\n  containers: [{name: c, image: busybox}]\n`;
    expect((await skiff(['apply', '-f', '-'], { stdin: bare })).code).toBe(0);
    const refused = await skiff(['drain', node]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe(`node/${node} cordoned\n`);
    expect(refused.stderr).toBe(
      `error: unable to drain node "${node}" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare, continuing command...\n` +
        `There are pending nodes to be drained:\n ${node}\n` +
        'cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare\n',
    );
    const onNode = await cluster.client.listAll<Pod>('pods', { fieldSelector: `spec.nodeName=${node}` });
    const drained = await skiff(['drain', node, '--force', '--grace-period=0', '--timeout=60s']);
    expect(drained.code).toBe(0);
    expect(drained.stderr).toContain('Warning: deleting Pods that declare no controller: default/bare\n');
    const lines = drained.stdout.trim().split('\n');
    expect(lines[0]).toBe(`node/${node} already cordoned`);
    expect(lines.at(-1)).toBe(`node/${node} drained`);
    expect(lines.slice(1, -1).sort()).toEqual(
      onNode.items.map((p) => `pod/${p.metadata.name} deleted`).sort(),
    );
    expect(await gone('pods', 'default', 'bare')).toBe(true);
    expect((await skiff(['uncordon', node])).code).toBe(0);
  });

  it('logs: one pod, and every pod a selector picks with --prefix', async () => {
    for (const name of ['talk-a', 'talk-b']) {
      await cluster.client.create('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', labels: { app: 'talk' } },
        spec: {
          nodeName: NODES[0],
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox', command: ['echo', `hello from ${name}`] }],
        },
      } as unknown as Pod);
    }
    await waitFor(async () =>
      (
        await cluster.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=talk' })
      ).items.every((p) => p.status?.phase === 'Succeeded'),
    );
    const one = await skiff(['logs', 'talk-a']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('hello from talk-a\n');
    const all = await skiff(['logs', '-l', 'app=talk', '--prefix']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('[pod/talk-a/main] hello from talk-a\n');
    expect(all.stdout).toContain('[pod/talk-b/main] hello from talk-b\n');
    expect(await skiff(['logs', 'nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): pods "nope" not found\n',
    });
  });

  it('an unreachable server is one line naming the address', async () => {
    const run = await skiff(['apply', '-f', 'cm.yaml'], { server: 'http://127.0.0.1:1' });
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n',
    });
  });

  it('every verb has --help with examples', async () => {
    const verbs = [
      ['apply'],
      ['create'],
      ['delete'],
      ['scale'],
      ['label'],
      ['annotate'],
      ['cordon'],
      ['uncordon'],
      ['drain'],
      ['rollout', 'status'],
      ['rollout', 'history'],
      ['rollout', 'undo'],
      ['rollout', 'restart'],
      ['rollout', 'pause'],
      ['rollout', 'resume'],
    ];
    const runs = await Promise.all(verbs.map((verb) => skiff([...verb, '--help'])));
    runs.forEach((run, i) => {
      const verb = (verbs[i] as string[]).join(' ');
      expect(run.code, verb).toBe(0);
      expect(run.stdout, verb).toContain('EXAMPLES');
    });
  });
});
