import { describe, expect, it } from 'vitest';
import type { ApiRequest, ApiResponse, FenceToken, WatchEvent } from '../api.js';
import { ApiError } from '../errors.js';
import type { FollowLogHandlers } from '../log-follow.js';
import type { Watch, WatchHandler, WatchOptions } from '../watch/watch.js';
import { ApiClient } from './api-client.js';
import type { Transport } from './transport.js';

// The API client over a fake transport: the exact request each method sends, how replies and
// failures come back, paging, and that watches and close reach the transport. No server, no bus.

/** A transport that records requests and answers from a queue of replies (default: an empty body). */
class FakeTransport implements Transport {
  readonly requests: { request: ApiRequest; options: { timeoutMs?: number } | undefined }[] = [];
  readonly watches: WatchOptions[] = [];
  readonly replies: ApiResponse[] = [];
  closed = false;
  handler: WatchHandler | undefined;

  async request(request: ApiRequest, options?: { timeoutMs?: number }): Promise<ApiResponse> {
    this.requests.push({ request, options });
    return this.replies.shift() ?? { ok: true, body: {} };
  }

  async followLog(request: ApiRequest, handlers: FollowLogHandlers): Promise<void> {
    this.requests.push({ request, options: undefined });
    handlers.onAccepted?.();
    handlers.onText('line\n');
  }

  async watch(options: WatchOptions, handler: WatchHandler): Promise<Watch> {
    this.watches.push(options);
    this.handler = handler;
    return { close: async () => undefined, closed: new Promise(() => undefined) };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The one request sent so far. */
  get only(): ApiRequest {
    expect(this.requests).toHaveLength(1);
    return this.requests[0]?.request as ApiRequest;
  }
}

const fence: FenceToken = {
  lease: { namespace: 'kube-system', name: 'skiff-scheduler' },
  holderIdentity: 'a',
  leaseTransitions: 3,
};
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } };
const list = (names: string[], next?: string, resourceVersion = '7') => ({
  ok: true as const,
  body: {
    apiVersion: 'v1',
    kind: 'ConfigMapList',
    metadata: { resourceVersion, ...(next ? { continue: next } : {}) },
    items: names.map((name) => ({ metadata: { name } })),
  },
});

describe('ApiClient', () => {
  it.each<[string, (c: ApiClient) => Promise<unknown>, ApiRequest]>([
    [
      'create',
      (c) => c.create('configmaps', cm, { dryRun: true, fieldManager: 'kubectl' }),
      {
        verb: 'create',
        resource: 'configmaps',
        namespace: 'ns',
        body: cm,
        options: { dryRun: true, fieldManager: 'kubectl' },
      },
    ],
    ['get', (c) => c.get('pods', 'ns', 'p'), { verb: 'get', resource: 'pods', namespace: 'ns', name: 'p' }],
    [
      'update',
      (c) => c.update('configmaps', cm, { fence }),
      { verb: 'update', resource: 'configmaps', namespace: 'ns', name: 'c', body: cm, options: { fence } },
    ],
    [
      'updateStatus',
      (c) => c.updateStatus('configmaps', cm),
      {
        verb: 'update',
        resource: 'configmaps',
        subresource: 'status',
        namespace: 'ns',
        name: 'c',
        body: cm,
        options: {},
      },
    ],
    [
      'patch of the status subresource',
      (c) =>
        c.patch('pods', 'ns', 'p', { status: {} }, 'application/merge-patch+json', { subresource: 'status' }),
      {
        verb: 'patch',
        resource: 'pods',
        subresource: 'status',
        namespace: 'ns',
        name: 'p',
        body: { status: {} },
        patchType: 'application/merge-patch+json',
        options: {},
      },
    ],
    [
      'delete',
      (c) => c.delete('pods', 'ns', 'p', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0 }),
      {
        verb: 'delete',
        resource: 'pods',
        namespace: 'ns',
        name: 'p',
        options: { propagationPolicy: 'Foreground', gracePeriodSeconds: 0 },
      },
    ],
    [
      'scale',
      (c) => c.scale('deployments', 'ns', 'web', 5),
      {
        verb: 'patch',
        resource: 'deployments',
        subresource: 'scale',
        namespace: 'ns',
        name: 'web',
        body: { spec: { replicas: 5 } },
        patchType: 'application/merge-patch+json',
      },
    ],
    [
      'bind with a fence',
      (c) => c.bind('ns', 'p', 'n1', { fence }),
      {
        verb: 'create',
        resource: 'pods',
        subresource: 'binding',
        namespace: 'ns',
        name: 'p',
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: 'p', namespace: 'ns' },
          target: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
        },
        options: { fence },
      },
    ],
  ])('%s sends exactly its request', async (_name, call, expected) => {
    const transport = new FakeTransport();
    await call(new ApiClient(transport));
    expect(transport.only).toEqual(expected);
  });

  it('returns the body of a successful reply, and passes the default timeout to the transport', async () => {
    const transport = new FakeTransport();
    transport.replies.push({ ok: true, body: { metadata: { name: 'p', resourceVersion: '3' } } });
    const client = new ApiClient(transport, { timeoutMs: 250 });
    await expect(client.get('pods', 'ns', 'p')).resolves.toEqual({
      metadata: { name: 'p', resourceVersion: '3' },
    });
    expect(transport.requests[0]?.options).toEqual({ timeoutMs: 250 });
  });

  it('throws the server Status as an ApiError with its reason and code', async () => {
    const transport = new FakeTransport();
    transport.replies.push({
      ok: false,
      status: new ApiError('Conflict', 'the object has been modified').status,
    });
    const failure = await new ApiClient(transport).update('configmaps', cm).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ reason: 'Conflict', code: 409, message: 'the object has been modified' });
  });

  it('lets a transport failure (no reply at all) through unchanged', async () => {
    const transport = new FakeTransport();
    const timeout = new ApiError('Timeout', 'no reply within 250 ms');
    transport.request = async () => {
      throw timeout;
    };
    await expect(new ApiClient(transport).get('pods', 'ns', 'p')).rejects.toBe(timeout);
  });

  it('hands the warnings of apply back with its result', async () => {
    const transport = new FakeTransport();
    transport.replies.push({
      ok: true,
      body: { action: 'configured', object: cm },
      warnings: ['unknown field "spec.foo"'],
    });
    await expect(new ApiClient(transport).apply('configmaps', cm)).resolves.toEqual({
      action: 'configured',
      object: cm,
      warnings: ['unknown field "spec.foo"'],
    });
    expect(transport.only).toMatchObject({ verb: 'apply', namespace: 'ns', name: 'c' });
  });

  it('lists every page, following continue tokens, with the first page resourceVersion', async () => {
    const transport = new FakeTransport();
    transport.replies.push(
      list(['a', 'b'], 'token-1', '7'),
      list(['c'], 'token-2', '9'),
      list(['d'], undefined, '9'),
    );
    const all = await new ApiClient(transport).listAll<{ metadata: { name: string } }>('configmaps', {
      namespace: 'ns',
      labelSelector: 'app=web',
      limit: 2,
    });
    expect(all.items.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(all.metadata).toEqual({ resourceVersion: '7' });
    expect(transport.requests.map((r) => r.request)).toEqual([
      {
        verb: 'list',
        resource: 'configmaps',
        namespace: 'ns',
        options: { labelSelector: 'app=web', limit: 2 },
      },
      {
        verb: 'list',
        resource: 'configmaps',
        namespace: 'ns',
        options: { labelSelector: 'app=web', limit: 2, continue: 'token-1' },
      },
      {
        verb: 'list',
        resource: 'configmaps',
        namespace: 'ns',
        options: { labelSelector: 'app=web', limit: 2, continue: 'token-2' },
      },
    ]);
  });

  it('stops paging on the first failing page', async () => {
    const transport = new FakeTransport();
    transport.replies.push(list(['a'], 'token-1'), {
      ok: false,
      status: new ApiError('Expired', 'the continue token is too old').status,
    });
    await expect(new ApiClient(transport).listAll('configmaps', { limit: 1 })).rejects.toMatchObject({
      reason: 'Expired',
    });
    expect(transport.requests).toHaveLength(2);
  });

  it('opens watches and closes through the transport', async () => {
    const transport = new FakeTransport();
    const client = new ApiClient(transport);
    const seen: WatchEvent[] = [];
    const options: WatchOptions = {
      resource: 'pods',
      namespace: 'ns',
      resourceVersion: '7',
      allowBookmarks: true,
    };
    await client.watch(options, (event) => {
      seen.push(event);
    });
    expect(transport.watches).toEqual([options]);
    const event = { type: 'BOOKMARK', object: { metadata: { resourceVersion: '8' } } } as WatchEvent;
    await transport.handler?.(event);
    expect(seen).toEqual([event]);
    await client.close();
    expect(transport.closed).toBe(true);
  });
});
