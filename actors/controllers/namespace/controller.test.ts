/** The namespace controller against an in-process API server: the finalizer flow end to end. */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiRequest, ApiResponse } from '../../../protocol/api.js';
import { ApiClient } from '../../../protocol/client/api-client.js';
import { EventRecorder } from '../../../protocol/client/recorder.js';
import type { Transport } from '../../../protocol/client/transport.js';
import { systemClock } from '../../../protocol/clock.js';
import { isReason } from '../../../protocol/errors.js';
import type { FollowLogHandlers } from '../../../protocol/log-follow.js';
import type { Namespace } from '../../../protocol/resources/namespace.js';
import type { WatchHandler, WatchOptions } from '../../../protocol/watch/watch.js';
import { type InProcessCluster, startInProcessCluster } from '../../apiserver/testing/cluster.js';
import { type RunningControllers, startControllers } from '../../kernel/controllers.js';
import { silentLogger } from '../../kernel/log.js';
import { SharedInformers } from '../../kernel/shared-informers.js';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { CONTENT_FAILURE, CONTENT_REMAINING, namespaceController } from './controller.js';

/** Refuses deletes of `resource` with a 500 while `failing`; everything else passes through. */
class FailingDeletes implements Transport {
  failing = true;
  constructor(
    private readonly inner: Transport,
    private readonly resource: string,
  ) {}
  async request(request: ApiRequest, options?: { timeoutMs?: number }): Promise<ApiResponse> {
    if (this.failing && request.verb === 'delete' && request.resource === this.resource) {
      return {
        ok: false,
        status: {
          apiVersion: 'v1',
          kind: 'Status',
          status: 'Failure',
          code: 500,
          reason: 'InternalError',
          message: 'the disk is on fire',
          metadata: {},
        },
      } as ApiResponse;
    }
    return this.inner.request(request, options);
  }
  watch(options: WatchOptions, handler: WatchHandler) {
    return this.inner.watch(options, handler);
  }
  followLog(request: ApiRequest, handlers: FollowLogHandlers, signal: AbortSignal) {
    return this.inner.followLog(request, handlers, signal);
  }
  async close() {
    // The inner transport belongs to the cluster, which closes it.
  }
}

describe('namespace controller', () => {
  let cluster: InProcessCluster | undefined;
  let running: RunningControllers | undefined;
  afterEach(async () => {
    await running?.stop();
    await cluster?.stop();
    running = undefined;
    cluster = undefined;
  });

  async function start(client?: (c: InProcessCluster) => ApiClient) {
    const c = await startInProcessCluster();
    cluster = c;
    const log = silentLogger();
    const controllerClient = client ? client(c) : c.client;
    running = startControllers([namespaceController({ recheckMs: 50 })], {
      client: controllerClient,
      informers: new SharedInformers({ client: controllerClient, clock: systemClock, log }),
      recorder: new EventRecorder({ client: controllerClient, clock: systemClock, log, component: 'test' }),
      clock: systemClock,
      log,
      registry: new Registry(),
    });
    await running.synced;
    return c;
  }

  async function fill(c: InProcessCluster, ns: string) {
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const name of ['a', 'b']) {
      await c.client.create('configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: ns, name },
        data: { k: name },
      });
    }
    await c.client.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: ns, name: 's' },
    });
    const pod = (name: string, nodeName?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: ns, name },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'main', image: 'busybox' }] },
    });
    await c.client.create('pods', pod('pending'));
    // Bound to a node with no kubelet: its graceful deletion never finishes by itself.
    await c.client.create('pods', pod('bound', 'ghost'));
  }

  const gone = (resource: string, ns: string, name: string) => async () =>
    c()
      .client.get(resource, ns, name)
      .then(() => false as const)
      .catch((err: unknown) => isReason(err, 'NotFound'));
  const c = () => cluster as InProcessCluster;

  it('deletes everything in a Terminating namespace, waits for pods to go, then lets it go', async () => {
    await start();
    await fill(c(), 'doomed');
    await c().client.delete('namespaces', '', 'doomed');
    const terminating = await c().client.get<Namespace>('namespaces', '', 'doomed');
    expect(terminating.status.phase).toBe('Terminating');
    expect(terminating.metadata.finalizers).toContain('kubernetes');

    await waitFor(gone('configmaps', 'doomed', 'a'));
    await waitFor(gone('secrets', 'doomed', 's'));
    await waitFor(gone('pods', 'doomed', 'pending'));
    const waiting = await waitFor(async () => {
      const ns = await c().client.get<Namespace>('namespaces', '', 'doomed');
      const remaining = ns.status.conditions?.find((x) => x.type === CONTENT_REMAINING);
      return remaining?.status === 'True' ? remaining : false;
    });
    expect(waiting.message).toContain('pods has 1 resource instances');

    // The kubelet would finish the pod; here the test does.
    await c().client.delete('pods', 'doomed', 'bound', { gracePeriodSeconds: 0 });
    await waitFor(gone('namespaces', '', 'doomed'));
  });

  it('reports NamespaceDeletionContentFailure while deletes fail, and finishes once they work', async () => {
    let failing: FailingDeletes | undefined;
    await start((cl) => {
      failing = new FailingDeletes(cl.client.transport, 'configmaps');
      return new ApiClient(failing);
    });
    await fill(c(), 'stuck');
    await c().client.delete('pods', 'stuck', 'bound', { gracePeriodSeconds: 0 });
    await c().client.delete('namespaces', '', 'stuck');
    const failure = await waitFor(async () => {
      const ns = await c().client.get<Namespace>('namespaces', '', 'stuck');
      const cond = ns.status.conditions?.find((x) => x.type === CONTENT_FAILURE);
      return cond?.status === 'True' ? cond : false;
    });
    expect(failure.message).toContain('the disk is on fire');
    expect(failure.reason).toBe('ContentDeletionFailed');
    (failing as FailingDeletes).failing = false;
    await waitFor(gone('namespaces', '', 'stuck'), { timeoutMs: 10_000 });
  });

  it('leaves a namespace that is not being deleted alone', async () => {
    await start();
    await fill(c(), 'kept');
    await c().client.update('namespaces', await c().client.get<Namespace>('namespaces', '', 'kept'));
    const ns = await c().client.get<Namespace>('namespaces', '', 'kept');
    expect(ns.status.phase).toBe('Active');
    expect((await c().client.list('configmaps', { namespace: 'kept' })).items).toHaveLength(2);
  });
});
