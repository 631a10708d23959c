/**
 * Two controller-manager processes on real NATS and Redis (the API server runs in this process).
 * The leader is frozen with SIGSTOP past its lease: the other replica takes the Lease and finishes
 * the work that arrived meanwhile (a namespace deletion); the frozen one, resumed with a write due
 * at once (its `ticker` test controller, see controller-manager-child.ts), gets every write
 * refused: its ConfigMap keeps the value it had when the lease moved.
 *
 *   test ──▶ API server (this process) ◀──NATS──▶ replica A (leader, then SIGSTOP ... SIGCONT)
 *                     │ Redis                   ▶ replica B (takes over)
 *
 * The pause itself is the one deliberate wait; everything else awaits a condition with a bound.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../actors/kernel/testing/wait-for.js';
import type { ApiClient } from '../protocol/client/api-client.js';
import { isReason } from '../protocol/errors.js';
import type { ConfigMap } from '../protocol/resources/configmap.js';
import type { Lease } from '../protocol/resources/lease.js';
import { TestCluster } from './cluster.js';
import { describeWithServices, type SharedServices, servicesOrSkip, sharedServices } from './harness.js';
import { cliBuilt, type SkiffProcess, startSkiff } from './skiff-process.js';

const CHILD = fileURLToPath(new URL('./controller-manager-child.ts', import.meta.url));
const LEASE_MS = 1_500;
/** Well past the lease: it lapses, B notices (it retries every 200 ms) and takes over. */
const PAUSE_MS = 2 * LEASE_MS + 1_500;

const skip = await servicesOrSkip({ nats: 'shared', redis: 'shared' });

/** One replica as a child process: its output, pause and resume. */
interface ChildReplica {
  readonly identity: string;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

async function startReplica(identity: string, env: Record<string, string>): Promise<ChildReplica> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, ...env, CM_IDENTITY: identity, CM_LEASE_MS: String(LEASE_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const replica: ChildReplica = {
    identity,
    child,
    output: () => chunks.join(''),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
      await exited;
    },
  };
  await waitFor(
    () =>
      replica.output().includes(`controller-manager ready ${identity}`) ||
      (child.exitCode !== null
        ? (() => {
            throw new Error(`replica ${identity} exited: ${replica.output()}`);
          })()
        : false),
    { timeoutMs: 30_000, description: `replica ${identity} is ready` },
  );
  return replica;
}

describeWithServices('controller manager: a paused leader is fenced (processes, NATS + Redis)', skip, () => {
  let services: SharedServices;
  let cluster: TestCluster;
  let client: ApiClient;
  const replicas: ChildReplica[] = [];

  beforeAll(async () => {
    services = await sharedServices();
    cluster = await TestCluster.start('cm', {
      natsUrl: services.nats?.url ?? '',
      redisUrl: services.redis?.url ?? '',
    });
    client = (await cluster.client()).client;
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await cluster?.dispose();
    await services?.dispose();
  });

  const cliReplicas: SkiffProcess[] = [];
  afterAll(async () => {
    await Promise.all(cliReplicas.map((p) => p.stop()));
  });

  /** Deletes a namespace with content: only a leading replica can finish it. */
  async function deleteNamespaceWithContent(name: string): Promise<void> {
    await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    for (const cm of ['one', 'two']) {
      await client.create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: name, name: cm },
      });
    }
    await client.delete('namespaces', '', name);
  }

  const namespaceGone = (name: string) => () =>
    client
      .get('namespaces', '', name)
      .then(() => false as const)
      .catch((err: unknown) => isReason(err, 'NotFound'));

  const holder = async () =>
    (await client.get<Lease>('leases', 'kube-system', 'skiff-controller-manager').catch(() => undefined))
      ?.spec?.holderIdentity;
  const tickerValue = async (identity: string) =>
    Number((await client.get<ConfigMap>('configmaps', 'kube-system', `ticker-${identity}`)).data?.n);

  it('refuses every write of the resumed ex-leader while the new leader converges', async () => {
    const env = { NATS_URL: services.nats?.url ?? '', SKIFF_PREFIX: cluster.prefix };
    const a = await startReplica('replica-a', env);
    replicas.push(a);
    await waitFor(async () => (await holder()) === 'replica-a', {
      timeoutMs: 10_000,
      description: 'A leads',
    });
    const b = await startReplica('replica-b', env);
    replicas.push(b);
    await waitFor(async () => (await tickerValue('replica-a').catch(() => 0)) > 0, { timeoutMs: 10_000 });

    // Freeze A; meanwhile a namespace is deleted, which only a leader can finish.
    const pausedAt = Date.now();
    a.child.kill('SIGSTOP');
    await deleteNamespaceWithContent('doomed');

    await waitFor(async () => (await holder()) === 'replica-b', {
      timeoutMs: 15_000,
      description: 'B takes the lease',
    });
    // A's writes sent before the freeze may land until the Lease moved; none may land after this read.
    const aValueAtTakeover = await tickerValue('replica-a');
    await waitFor(namespaceGone('doomed'), {
      timeoutMs: 15_000,
      description: 'B finishes the namespace deletion',
    });
    await waitFor(async () => (await tickerValue('replica-b').catch(() => 0)) > 0, { timeoutMs: 10_000 });

    // The one deliberate wait: A stays frozen for the whole pause.
    const left = PAUSE_MS - (Date.now() - pausedAt);
    if (left > 0) await sleep(left);
    const resumedAt = a.output().length;
    a.child.kill('SIGCONT');

    // A finds out: its elector loses the lease and the controllers stop; its due write was refused.
    const after = await waitFor(
      () => {
        const text = a.output().slice(resumedAt);
        return text.includes('lost the lease: controllers stopped') ? text : false;
      },
      { timeoutMs: 15_000, description: 'A steps down after it resumes' },
    );
    // Refused by the API server (the Lease names B now) or, once A's elector knows, before sending.
    const refused = after.match(/ticker refused \d+: .*(no longer holds|does not hold) the lease/g) ?? [];
    const landed = (after.match(/ticker ok (\d+)/g) ?? []).map((l) => Number(l.split(' ')[2]));
    expect(refused.length).toBeGreaterThan(0);
    // An "ok" printed after the resume can only be a write that landed before the Lease moved.
    for (const n of landed) expect(n).toBeLessThanOrEqual(aValueAtTakeover);
    expect(await tickerValue('replica-a')).toBe(aValueAtTakeover);
    expect(await holder()).toBe('replica-b');
    // B goes on writing.
    const bValue = await tickerValue('replica-b');
    await waitFor(async () => (await tickerValue('replica-b')) > bValue, { timeoutMs: 5_000 });
    // B gives the lease up as it stops, so the next test starts from a free lease.
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
  });

  it.skipIf(!cliBuilt())(
    'skiff run controller-manager: the paused leader steps down, the other finishes the work',
    async () => {
      const replica = () =>
        startSkiff(
          [
            'run',
            'controller-manager',
            '--prefix',
            cluster.prefix,
            '--log-level',
            'info',
            '--leader-elect-lease-duration',
            `${LEASE_MS}ms`,
            '--leader-elect-renew-deadline',
            '1000ms',
            '--leader-elect-retry-period',
            '200ms',
            '--namespace-recheck-period',
            '200ms',
          ],
          { env: { NATS_URL: services.nats?.url ?? '' }, ready: /controller-manager ready/ },
        );
      const identityOf = (p: SkiffProcess) => /identity: ([^,]+),/.exec(p.ready)?.[1] ?? '';
      const a = await replica();
      cliReplicas.push(a);
      await waitFor(async () => (await holder()) === identityOf(a), {
        timeoutMs: 10_000,
        description: 'A leads',
      });
      const b = await replica();
      cliReplicas.push(b);

      const pausedAt = Date.now();
      a.pause();
      await deleteNamespaceWithContent('doomed-cli');
      await waitFor(async () => (await holder()) === identityOf(b), {
        timeoutMs: 15_000,
        description: 'B takes the lease',
      });
      await waitFor(namespaceGone('doomed-cli'), {
        timeoutMs: 15_000,
        description: 'B finishes the namespace deletion',
      });
      const left = PAUSE_MS - (Date.now() - pausedAt);
      if (left > 0) await sleep(left);
      const resumedAt = a.output().length;
      a.resume();
      await waitFor(() => a.output().slice(resumedAt).includes('lost the lease: controllers stopped'), {
        timeoutMs: 15_000,
        description: 'A steps down after it resumes',
      });
      expect(await holder()).toBe(identityOf(b));
      await a.stop();
      expect((await a.exited).code).toBe(0);
    },
  );
});
