/** The controller manager on an in-process cluster: leader election, fenced writes, terms. */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../protocol/clock.js';
import { isReason } from '../../../protocol/errors.js';
import type { Lease } from '../../../protocol/resources/lease.js';
import type { Namespace } from '../../../protocol/resources/namespace.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { silentLogger } from '../../kernel/log.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { decodeHeartbeat } from './heartbeats.js';
import { CONTROLLER_MANAGER_LEASE, ControllerManager, type LeaseTiming } from './manager.js';
import { controllerRegistry } from './registry.js';

const FAST: LeaseTiming = { leaseDurationMs: 1_000, renewDeadlineMs: 800, retryPeriodMs: 100 };

describe('controller manager', () => {
  let cluster: InProcessCluster | undefined;
  const managers: ControllerManager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.stop();
    await cluster?.stop();
    cluster = undefined;
  });

  function manager(identity: string, timing: LeaseTiming, registry = new Registry()): ControllerManager {
    const c = cluster as InProcessCluster;
    const m = new ControllerManager({
      client: c.client,
      bus: c.bus,
      subjects: c.subjects,
      clock: systemClock,
      log: silentLogger(),
      registry,
      identity,
      leaderElection: timing,
      settings: { namespace: { recheckMs: 50 } },
    });
    managers.push(m);
    return m;
  }

  async function doomedNamespace(name: string): Promise<void> {
    const c = cluster as InProcessCluster;
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await c.client.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: name, name: 'c' },
    });
    await c.client.delete('namespaces', '', name);
  }

  const namespaceGone = (name: string) => () =>
    (cluster as InProcessCluster).client
      .get<Namespace>('namespaces', '', name)
      .then(() => false as const)
      .catch((err: unknown) => isReason(err, 'NotFound'));

  it('registers every controller, each once', () => {
    expect(controllerRegistry().map((d) => d.name)).toEqual([
      'nodelifecycle',
      'namespace',
      'endpoints',
      'garbagecollector',
      'job',
      'daemonset',
      'replicaset',
      'deployment',
    ]);
  });

  it('runs the controllers on the leader only, and on the other replica once the leader stops', async () => {
    cluster = await startInProcessCluster();
    const registryA = new Registry();
    const a = manager('a', FAST, registryA);
    await a.start();
    await waitFor(() => a.isLeader);
    const b = manager('b', FAST);
    await b.start();
    expect(await registryA.metrics()).toMatch(/skiff_controller_manager_leader 1/);

    await doomedNamespace('first');
    await waitFor(namespaceGone('first'));
    expect(b.isLeader).toBe(false);

    await a.stop(); // gives the lease up: b takes over without waiting for its expiry
    expect(await registryA.metrics()).toMatch(/skiff_controller_manager_leader 0/);
    await waitFor(() => b.isLeader, { timeoutMs: 5_000 });
    await doomedNamespace('second');
    await waitFor(namespaceGone('second'));
  });

  it('refuses every write of a replica whose lease was taken while it still believes it leads', async () => {
    cluster = await startInProcessCluster();
    const registry = new Registry();
    // It retries only once a minute: it will not notice the theft during the test, as a paused process.
    const a = manager(
      'a',
      { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 60_000 },
      registry,
    );
    await a.start();
    await waitFor(() => a.isLeader);
    const c = cluster;
    const lease = await c.client.get<Lease>(
      'leases',
      CONTROLLER_MANAGER_LEASE.namespace,
      CONTROLLER_MANAGER_LEASE.name,
    );
    await c.client.update('leases', {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: 'thief',
        leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
      },
    });

    await doomedNamespace('fenced');
    await waitFor(async () =>
      /skiff_controller_sync_errors_total\{controller="namespace"\} [1-9]/.test(await registry.metrics()),
    );
    expect(a.isLeader).toBe(true); // it still thinks so...
    // ...but nothing it tried landed.
    expect((await c.client.list('configmaps', { namespace: 'fenced' })).items).toHaveLength(1);
    const ns = await c.client.get<Namespace>('namespaces', '', 'fenced');
    expect(ns.status.conditions ?? []).toEqual([]);
  });

  it('decodes heartbeats and drops what is not one', () => {
    expect(decodeHeartbeat(JSON.stringify({ node: 'n1', time: '2026-01-01T00:00:00Z' }))).toBe('n1');
    expect(decodeHeartbeat('not json')).toBeUndefined();
    expect(decodeHeartbeat(JSON.stringify({ node: '' }))).toBeUndefined();
  });
});
