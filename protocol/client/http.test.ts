import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpCluster, startHttpCluster } from '../../actors/apiserver/http/testing.js';
import { silentLogger } from '../../actors/kernel/log.js';
import { waitFor } from '../../actors/kernel/testing/wait-for.js';
import type { ApiRequest, WatchEvent } from '../api.js';
import { APPLY_CONTENT_TYPE } from '../api.js';
import { systemClock } from '../clock.js';
import type { AnyObject } from '../resources/registry.js';
import { ApiClient } from './api-client.js';
import { HttpTransport, parseWarningHeaders, toHttp } from './http.js';
import { Informer } from './informer.js';

interface ConfigMap {
  readonly apiVersion: 'v1';
  readonly kind: 'ConfigMap';
  readonly metadata: { name: string; namespace: string; resourceVersion?: string };
  readonly data: Record<string, string>;
}
const cm = (name: string, namespace = 'default'): ConfigMap => {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { k: 'v' } };
};

describe('toHttp', () => {
  const fence = { lease: { namespace: 'kube-system', name: 's' }, holderIdentity: 'a', leaseTransitions: 2 };
  const ns = (namespace: string) => ({ metadata: { name: 'o', namespace } });
  const json = 'application/json';
  const page = { labelSelector: 'x=y', limit: 5, continue: 'c' };
  // biome-ignore format: a table reads best one case per line
  it.each<[ApiRequest, string, string | undefined]>([
    [{ verb: 'list', resource: 'pods' }, 'GET /api/v1/pods', undefined],
    [{ verb: 'list', resource: 'pods', namespace: 'a', options: page }, 'GET /api/v1/namespaces/a/pods?labelSelector=x%3Dy&limit=5&continue=c', undefined],
    [{ verb: 'get', resource: 'nodes', name: 'n1' }, 'GET /api/v1/nodes/n1', undefined],
    [{ verb: 'create', resource: 'deployments', body: ns('b') }, 'POST /apis/apps/v1/namespaces/b/deployments', json],
    [{ verb: 'create', resource: 'configmaps', body: ns('c'), options: { dryRun: true, fieldManager: 'me' } }, 'POST /api/v1/namespaces/c/configmaps?fieldManager=me&dryRun=All', json],
    [{ verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'a', name: 'p', body: {} }, 'POST /api/v1/namespaces/a/pods/p/binding', json],
    [{ verb: 'update', resource: 'pods', subresource: 'status', body: ns('d') }, 'PUT /api/v1/namespaces/d/pods/o/status', json],
    [{ verb: 'patch', resource: 'replicasets', subresource: 'scale', namespace: 'a', name: 'r', patchType: 'application/json-patch+json' }, 'PATCH /apis/apps/v1/namespaces/a/replicasets/r/scale', 'application/json-patch+json'],
    [{ verb: 'apply', resource: 'jobs', body: ns('e') }, 'PATCH /apis/batch/v1/namespaces/e/jobs/o', APPLY_CONTENT_TYPE],
    [{ verb: 'delete', resource: 'leases', namespace: 'k', name: 'l' }, 'DELETE /apis/coordination.k8s.io/v1/namespaces/k/leases/l', json],
    [{ verb: 'deletecollection', resource: 'configmaps', namespace: 'a', options: { labelSelector: 'a' } }, 'DELETE /api/v1/namespaces/a/configmaps?labelSelector=a', json],
    [{ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'a', name: 'p', options: { container: 'c', tailLines: 5, previous: true } }, 'GET /api/v1/namespaces/a/pods/p/log?container=c&tailLines=5&previous=true', undefined],
    [{ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'a', name: 'p', body: { command: ['ls'] } }, 'POST /api/v1/namespaces/a/pods/p/exec', json],
  ])('%o → %s', (req, line, contentType) => {
    const call = toHttp({ ...req, options: { ...req.options, fence } });
    expect([`${call.method} ${call.path}`, call.headers['content-type']]).toEqual([line, contentType]);
    expect(JSON.parse(call.headers['skiff-fence'] ?? '{}')).toEqual(fence);
  });

  it('sends DeleteOptions in the body and refuses a request without a name', () => {
    const call = toHttp({
      verb: 'delete',
      resource: 'pods',
      name: 'p',
      options: {
        propagationPolicy: 'Foreground',
        gracePeriodSeconds: 0,
        dryRun: true,
        preconditions: { uid: 'u' },
      },
    });
    expect(JSON.parse(call.body ?? '')).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'u' },
      dryRun: ['All'],
    });
    expect(() => toHttp({ verb: 'get', resource: 'pods' })).toThrow('name is required for a get');
  });

  it('reads Warning headers back', () => {
    expect(parseWarningHeaders(['299 - "unknown field \\"spec.x\\""', '299 - "a", 299 - "b"'])).toEqual([
      'unknown field "spec.x"',
      'a',
      'b',
    ]);
  });
});

describe('HttpTransport against the HTTP face', () => {
  let cluster: HttpCluster;
  let client: ApiClient;
  beforeAll(async () => {
    cluster = await startHttpCluster();
    client = new ApiClient(new HttpTransport({ url: cluster.url }));
  });
  afterAll(async () => {
    await client.close();
    await cluster.stop();
  });

  it('runs every ApiClient verb over HTTP', async () => {
    const created = await client.create('configmaps', cm('a'));
    expect(await client.get('configmaps', 'default', 'a')).toEqual(created);
    const updated = await client.update('configmaps', { ...created, data: { k: 'w' } });
    await expect(client.update('configmaps', created)).rejects.toMatchObject({
      reason: 'Conflict',
      code: 409,
    });
    const patched = await client.patch<typeof created>('configmaps', 'default', 'a', { data: { p: '1' } });
    expect(patched.data).toEqual({ k: 'w', p: '1' });
    expect(Number(patched.metadata.resourceVersion)).toBeGreaterThan(
      Number(updated.metadata.resourceVersion),
    );
    const applied = await client.apply('configmaps', { ...cm('b'), extra: true });
    expect(applied.action).toBe('created');
    expect(applied.warnings.join()).toContain('extra');
    expect((await client.apply('configmaps', cm('b'))).action).toBe('configured');
    expect((await client.apply('configmaps', cm('b'))).action).toBe('unchanged');
    const list = await client.list<AnyObject>('configmaps', { namespace: 'default' });
    expect(list.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    await client.delete('configmaps', 'default', 'a');
    await expect(client.get('configmaps', 'default', 'a')).rejects.toMatchObject({ reason: 'NotFound' });
  });

  it('scales, binds and writes status through subresources', async () => {
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    await client.create('deployments', deploy);
    expect((await client.scale('deployments', 'default', 'web', 4)).spec.replicas).toBe(4);
    expect((await client.getScale('deployments', 'default', 'web')).spec.replicas).toBe(4);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: deploy.spec.template.spec,
    };
    await client.create('pods', pod);
    await client.bind('default', 'p', 'node-1');
    const bound = await client.get<{ spec: { nodeName: string } }>('pods', 'default', 'p');
    expect(bound.spec.nodeName).toBe('node-1');
    const withStatus = await client.updateStatus('pods', { ...bound, status: { phase: 'Running' } } as never);
    expect((withStatus as { status: { phase: string } }).status.phase).toBe('Running');
  });

  it('watches with no gap after a list, and refuses a trimmed position with Expired', async () => {
    const list = await client.list('configmaps', { namespace: 'default' });
    const events: WatchEvent[] = [];
    const watch = await client.watch(
      { resource: 'configmaps', namespace: 'default', resourceVersion: list.metadata.resourceVersion },
      (e) => {
        events.push(e);
      },
    );
    await client.create('configmaps', cm('w1'));
    await client.delete('configmaps', 'default', 'w1');
    await waitFor(() =>
      expect(events.map((e) => `${e.type}:${(e.object as AnyObject).metadata.name}`)).toEqual([
        'ADDED:w1',
        'DELETED:w1',
      ]),
    );
    await watch.close();
    expect(await watch.closed).toBeUndefined();
    // Expiry on a cluster of its own, whose small log no other test's watch reads.
    const small = await startHttpCluster({ eventLogMaxMessages: 10 });
    const smallClient = new ApiClient(new HttpTransport({ url: small.url }));
    const first = await smallClient.create('configmaps', cm('first'));
    for (let i = 0; i < 20; i++) await smallClient.create('configmaps', cm(`churn-${i}`));
    const from = { resource: 'configmaps', resourceVersion: first.metadata.resourceVersion };
    await waitFor(() =>
      expect(smallClient.watch(from, () => undefined)).rejects.toMatchObject({
        reason: 'Expired',
        code: 410,
      }),
    );
    await smallClient.close();
    await small.stop();
  });

  it('keeps an informer over HTTP equal to the store', async () => {
    const informer = new Informer({
      client,
      resource: 'configmaps',
      namespace: 'inf',
      clock: systemClock,
      log: silentLogger(),
    });
    await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inf' } });
    for (let i = 0; i < 5; i++)
      await client.create('configmaps', {
        ...cm(`pre-${i}`),
        metadata: { name: `pre-${i}`, namespace: 'inf' },
      });
    await informer.start();
    expect(informer.size).toBe(5);
    for (let i = 0; i < 5; i++)
      await client.create('configmaps', {
        ...cm(`post-${i}`),
        metadata: { name: `post-${i}`, namespace: 'inf' },
      });
    await client.delete('configmaps', 'inf', 'pre-0');
    await waitFor(async () => {
      const store = await client.list<AnyObject>('configmaps', { namespace: 'inf' });
      const versions = (items: readonly AnyObject[]) => items.map((o) => o.metadata.resourceVersion).sort();
      expect(versions(informer.list())).toEqual(versions(store.items));
    });
    await informer.stop();
  });
});

describe('HttpTransport failures', () => {
  it('maps a refused connection to ServiceUnavailable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const transport = new HttpTransport({ url: `http://127.0.0.1:${port}` });
    const res = await transport.request({ verb: 'get', resource: 'pods', namespace: 'a', name: 'p' });
    expect(res).toMatchObject({ ok: false, status: { reason: 'ServiceUnavailable', code: 503 } });
    await expect(transport.watch({ resource: 'pods' }, () => undefined)).rejects.toMatchObject({
      reason: 'ServiceUnavailable',
    });
    await transport.close();
  });

  it('maps a server that never answers to Timeout, and a non-Status error body to its code', async () => {
    const server = createServer((req, res) => {
      if (req.url?.includes('plain')) res.writeHead(502).end('bad gateway');
      // otherwise: never answer
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const transport = new HttpTransport({ url: `http://127.0.0.1:${port}`, timeoutMs: 100 });
    const res = await transport.request({ verb: 'get', resource: 'pods', namespace: 'a', name: 'p' });
    expect(res).toMatchObject({ ok: false, status: { reason: 'Timeout', code: 504 } });
    const plain = await transport.request({ verb: 'get', resource: 'pods', namespace: 'a', name: 'plain' });
    expect(plain).toMatchObject({
      ok: false,
      status: { code: 500, message: 'the server answered 502: bad gateway' },
    });
    server.closeAllConnections();
    await transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
