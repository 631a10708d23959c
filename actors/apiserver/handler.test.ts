import { beforeEach, describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../../protocol/patch/apply.js';
import { type TestApi, testApi } from './testing/deps.js';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; resourceVersion?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'web' }, ...extra },
  spec: { containers: [{ name: 'main', image: 'localhost/web:1' }] },
});

const deployment = (name: string, replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'main', image: 'localhost/web:1' }] },
    },
  },
});

describe('API handler', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await testApi();
  });

  describe('create', () => {
    it('sets server fields, defaults, and resets pod status to Pending', async () => {
      const created = await api.ok<Obj>({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: { ...pod('web'), status: { phase: 'Running' } },
      });
      expect(created.metadata).toMatchObject({
        name: 'web',
        namespace: 'default',
        uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        creationTimestamp: '2026-01-01T00:00:00Z',
        generation: 1,
        resourceVersion: expect.stringMatching(/^\d+$/),
      });
      expect(created.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30 });
      expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
      const got = await api.ok<Obj>({ verb: 'get', resource: 'pods', namespace: 'default', name: 'web' });
      expect(got).toEqual(created);
    });

    it('refuses an invalid object with every bad field, and stores nothing', async () => {
      const before = await api.store.revision();
      const bad = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'Bad_Name', labels: { 'bad key!': 'x' } },
        spec: { containers: [{ name: 'main' }] },
      };
      const result = await api.send({ verb: 'create', resource: 'pods', namespace: 'default', body: bad });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.status).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Invalid',
        code: 422,
      });
      const fields = result.status.details?.causes?.map((c) => c.field);
      expect(fields).toEqual(
        expect.arrayContaining(['metadata.name', 'metadata.labels', 'spec.containers[0].image']),
      );
      expect(result.status.message).toMatch(/^Pod "Bad_Name" is invalid: \[/);
      expect(await api.store.revision()).toBe(before);
    });

    it('answers AlreadyExists, NotFound for a missing namespace, and completes generateName', async () => {
      await api.ok({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('web') });
      const again = await api.send({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: pod('web'),
      });
      expect(again).toMatchObject({ ok: false, status: { reason: 'AlreadyExists', code: 409 } });
      const noNs = await api.send({ verb: 'create', resource: 'pods', namespace: 'nope', body: pod('web') });
      expect(noNs).toMatchObject({
        ok: false,
        status: { reason: 'NotFound', message: 'namespaces "nope" not found' },
      });
      const generated = await api.ok<Obj>({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: { ...pod(''), metadata: { generateName: 'web-' } },
      });
      expect(generated.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    });

    it('warns about unknown fields instead of dropping them silently', async () => {
      const result = await api.send({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: { ...pod('web'), spec: { ...pod('web').spec, frobnicate: true } },
      });
      expect(result.ok && result.warnings).toEqual([expect.stringContaining('spec.frobnicate')]);
    });

    it('refuses a valid object over 1.5 MiB with 413, and stores nothing', async () => {
      // Environment values have no size rule of their own: only the object limit stops this one.
      const env = Array.from({ length: 4 }, (_, i) => ({ name: `V${i}`, value: 'x'.repeat(400_000) }));
      const big = {
        ...pod('big'),
        spec: { containers: [{ name: 'main', image: 'localhost/web:1', env }] },
      };
      const before = await api.store.revision();
      const result = await api.send({ verb: 'create', resource: 'pods', namespace: 'default', body: big });
      expect(result).toMatchObject({ ok: false, status: { reason: 'RequestEntityTooLarge', code: 413 } });
      if (!result.ok) expect(result.status.message).toMatch(/too large: \d+ bytes, the limit is 1572864/);
      expect(await api.store.revision()).toBe(before);
      const fits = {
        ...big,
        metadata: { name: 'fits' },
        spec: { containers: [{ name: 'main', image: 'localhost/web:1', env: env.slice(0, 3) }] },
      };
      expect(
        await api.send({ verb: 'create', resource: 'pods', namespace: 'default', body: fits }),
      ).toMatchObject({ ok: true });
    });
  });

  describe('update and patch', () => {
    it('refuses a stale resourceVersion with 409 and bumps generation only on spec changes', async () => {
      const created = await api.ok<Obj>({
        verb: 'create',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web'),
      });
      const relabelled = await api.ok<Obj>({
        verb: 'update',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        body: { ...created, metadata: { ...created.metadata, labels: { team: 'a' } } },
      });
      expect(relabelled.metadata.generation).toBe(1);
      expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(
        Number(created.metadata.resourceVersion),
      );
      const stale = await api.send({
        verb: 'update',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        body: { ...created, spec: { ...created.spec, replicas: 5 } },
      });
      expect(stale).toMatchObject({ ok: false, status: { reason: 'Conflict', code: 409 } });
      const scaled = await api.ok<Obj>({
        verb: 'update',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        body: { ...relabelled, spec: { ...relabelled.spec, replicas: 5 } },
      });
      expect(scaled.metadata.generation).toBe(2);
      expect(scaled.spec?.replicas).toBe(5);
    });

    it('keeps status on a main update and spec on a status update', async () => {
      const created = await api.ok<Obj>({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: pod('web'),
      });
      const withStatus = await api.ok<Obj>({
        verb: 'update',
        resource: 'pods',
        subresource: 'status',
        namespace: 'default',
        name: 'web',
        body: { ...created, spec: { ...created.spec, nodeName: 'sneaky' }, status: { phase: 'Running' } },
      });
      expect(withStatus.status?.phase).toBe('Running');
      expect(withStatus.spec?.nodeName).toBeUndefined();
      const relabelled = await api.ok<Obj>({
        verb: 'update',
        resource: 'pods',
        namespace: 'default',
        name: 'web',
        body: {
          ...withStatus,
          metadata: { ...withStatus.metadata, labels: { app: 'x' } },
          status: { phase: 'Failed' },
        },
      });
      expect(relabelled.status?.phase).toBe('Running');
    });

    it('does not write an update that changes nothing', async () => {
      const created = await api.ok<Obj>({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: pod('web'),
      });
      const same = await api.ok<Obj>({
        verb: 'update',
        resource: 'pods',
        namespace: 'default',
        name: 'web',
        body: created,
      });
      expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    });

    it('refuses changes to immutable fields with the field path', async () => {
      const created = await api.ok<Obj>({
        verb: 'create',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web'),
      });
      const result = await api.send({
        verb: 'patch',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        patchType: 'application/merge-patch+json',
        body: {
          spec: {
            selector: { matchLabels: { app: 'other' } },
            template: { metadata: { labels: { app: 'other' } } },
          },
        },
      });
      expect(result).toMatchObject({ ok: false, status: { reason: 'Invalid' } });
      if (!result.ok) expect(result.status.details?.causes?.map((c) => c.field)).toContain('spec.selector');
      expect(created).toBeDefined();
    });

    it('applies merge, strategic-merge and JSON patches', async () => {
      await api.ok({
        verb: 'create',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web'),
      });
      const strategic = await api.ok<Obj>({
        verb: 'patch',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        patchType: 'application/strategic-merge-patch+json',
        body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'localhost/web:2' }] } } } },
      });
      expect(strategic.spec).toMatchObject({
        template: { spec: { containers: [{ name: 'main', image: 'localhost/web:2' }] } },
      });
      expect(strategic.metadata.generation).toBe(2);
      const json = await api.ok<Obj>({
        verb: 'patch',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        patchType: 'application/json-patch+json',
        body: [{ op: 'replace', path: '/spec/replicas', value: 7 }],
      });
      expect(json.spec?.replicas).toBe(7);
      const pinned = await api.send({
        verb: 'patch',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        body: { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } },
      });
      expect(pinned).toMatchObject({ ok: false, status: { reason: 'Conflict' } });
    });
  });

  describe('apply', () => {
    it('creates, configures, and is a no-op when nothing changed', async () => {
      const first = await api.ok<{ action: string; object: Obj }>({
        verb: 'apply',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web'),
      });
      expect(first.action).toBe('created');
      expect(first.object.metadata.annotations).toHaveProperty(LAST_APPLIED_ANNOTATION);
      const second = await api.ok<{ action: string; object: Obj }>({
        verb: 'apply',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web'),
      });
      expect(second.action).toBe('unchanged');
      expect(second.object.metadata.resourceVersion).toBe(first.object.metadata.resourceVersion);
      const third = await api.ok<{ action: string; object: Obj }>({
        verb: 'apply',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web', 4),
      });
      expect(third.action).toBe('configured');
      expect(third.object.spec?.replicas).toBe(4);
    });
  });

  describe('list', () => {
    beforeEach(async () => {
      for (const [name, app] of [
        ['a', 'web'],
        ['b', 'db'],
        ['c', 'web'],
        ['d', 'web'],
      ] as const) {
        await api.ok({
          verb: 'create',
          resource: 'pods',
          namespace: 'default',
          body: pod(name, { labels: { app } }),
        });
      }
      await api.ok({
        verb: 'create',
        resource: 'namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
      });
      await api.ok({ verb: 'create', resource: 'pods', namespace: 'other', body: pod('z') });
    });

    const names = (list: { items: Obj[] }) => list.items.map((i) => i.metadata.name);

    it('filters by namespace, labels and fields, as a PodList', async () => {
      const all = await api.ok<{ kind: string; items: Obj[]; metadata: { resourceVersion: string } }>({
        verb: 'list',
        resource: 'pods',
      });
      expect(all.kind).toBe('PodList');
      expect(names(all)).toEqual(['a', 'b', 'c', 'd', 'z']);
      expect(all.metadata.resourceVersion).toBe(String(await api.store.revision()));
      expect(names(await api.ok({ verb: 'list', resource: 'pods', namespace: 'other' }))).toEqual(['z']);
      expect(
        names(await api.ok({ verb: 'list', resource: 'pods', options: { labelSelector: 'app in (db)' } })),
      ).toEqual(['b']);
      expect(
        names(
          await api.ok({
            verb: 'list',
            resource: 'pods',
            namespace: 'default',
            options: { fieldSelector: 'metadata.name!=a' },
          }),
        ),
      ).toEqual(['b', 'c', 'd']);
      expect(
        names(await api.ok({ verb: 'list', resource: 'pods', options: { fieldSelector: 'spec.nodeName=' } })),
      ).toHaveLength(5);
    });

    it('pages with limit and continue as one snapshot at the first page revision, else 410', async () => {
      const request = (token?: string) => ({
        verb: 'list' as const,
        resource: 'pods',
        namespace: 'default',
        options: { limit: 2, labelSelector: 'app=web', ...(token ? { continue: token } : {}) },
      });
      const first = await api.ok<{ items: Obj[]; metadata: { continue?: string; resourceVersion: string } }>(
        request(),
      );
      expect(names(first)).toEqual(['a', 'c']);
      // A change outside the rest of the list leaves the snapshot servable.
      await api.ok({ verb: 'create', resource: 'pods', namespace: 'other', body: pod('y') });
      const second = await api.ok<{ items: Obj[]; metadata: { continue?: string; resourceVersion: string } }>(
        request(first.metadata.continue),
      );
      expect(names(second)).toEqual(['d']);
      expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      // A create in it does not: the page would mix two revisions.
      await api.ok({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: pod('e', { labels: { app: 'web' } }),
      });
      expect(await api.send(request(first.metadata.continue))).toMatchObject({
        ok: false,
        status: { code: 410, reason: 'Expired' },
      });
    });

    it('answers BadRequest for unsupported field selectors and bad continue tokens', async () => {
      expect(
        await api.send({ verb: 'list', resource: 'pods', options: { fieldSelector: 'spec.bogus=1' } }),
      ).toMatchObject({
        ok: false,
        status: { code: 400 },
      });
      expect(
        await api.send({ verb: 'list', resource: 'pods', options: { continue: 'garbage' } }),
      ).toMatchObject({
        ok: false,
        status: { code: 400 },
      });
    });
  });

  describe('delete', () => {
    it('deletes at once without finalizers, and waits for finalizers when there are some', async () => {
      await api.ok({
        verb: 'create',
        resource: 'configmaps',
        namespace: 'default',
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' } },
      });
      await api.ok({ verb: 'delete', resource: 'configmaps', namespace: 'default', name: 'plain' });
      expect(
        await api.send({ verb: 'get', resource: 'configmaps', namespace: 'default', name: 'plain' }),
      ).toMatchObject({ ok: false, status: { code: 404 } });

      await api.ok({
        verb: 'create',
        resource: 'configmaps',
        namespace: 'default',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'held', finalizers: ['example.com/hold'] },
        },
      });
      const terminating = await api.ok<Obj>({
        verb: 'delete',
        resource: 'configmaps',
        namespace: 'default',
        name: 'held',
      });
      expect(terminating.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
      const released = await api.ok<Obj>({
        verb: 'patch',
        resource: 'configmaps',
        namespace: 'default',
        name: 'held',
        body: { metadata: { finalizers: null } },
      });
      expect(released.metadata.name).toBe('held');
      expect(
        await api.send({ verb: 'get', resource: 'configmaps', namespace: 'default', name: 'held' }),
      ).toMatchObject({ ok: false, status: { code: 404 } });
    });

    it('adds the foreground finalizer, and deletes bound pods gracefully', async () => {
      await api.ok({
        verb: 'create',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web'),
      });
      const fg = await api.ok<Obj>({
        verb: 'delete',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
        options: { propagationPolicy: 'Foreground' },
      });
      expect(fg.metadata.finalizers).toEqual(['foregroundDeletion']);
      await api.ok({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('p') });
      await api.ok({
        verb: 'create',
        resource: 'pods',
        subresource: 'binding',
        namespace: 'default',
        name: 'p',
        body: { target: { name: 'n1' } },
      });
      const graceful = await api.ok<Obj>({
        verb: 'delete',
        resource: 'pods',
        namespace: 'default',
        name: 'p',
      });
      expect(graceful.metadata).toMatchObject({
        deletionTimestamp: '2026-01-01T00:00:30Z',
        deletionGracePeriodSeconds: 30,
      });
      await api.ok({
        verb: 'delete',
        resource: 'pods',
        namespace: 'default',
        name: 'p',
        options: { gracePeriodSeconds: 0 },
      });
      expect(
        await api.send({ verb: 'get', resource: 'pods', namespace: 'default', name: 'p' }),
      ).toMatchObject({ ok: false });
    });

    it('refuses to delete the default namespace', async () => {
      expect(await api.send({ verb: 'delete', resource: 'namespaces', name: 'default' })).toMatchObject({
        ok: false,
        status: { reason: 'Forbidden', code: 403 },
      });
    });
  });

  describe('subresources', () => {
    it('binds a pod once, and scales through the scale subresource', async () => {
      await api.ok({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('p') });
      const bind = () =>
        api.send({
          verb: 'create',
          resource: 'pods',
          subresource: 'binding',
          namespace: 'default',
          name: 'p',
          body: { target: { name: 'n1' } },
        });
      expect(await bind()).toMatchObject({ ok: true, code: 201 });
      expect(await bind()).toMatchObject({ ok: false, status: { reason: 'Conflict' } });
      const bound = await api.ok<Obj>({ verb: 'get', resource: 'pods', namespace: 'default', name: 'p' });
      expect(bound.spec?.nodeName).toBe('n1');
      expect((bound.status?.conditions as { type: string }[] | undefined)?.[0]).toMatchObject({
        type: 'PodScheduled',
        status: 'True',
      });

      await api.ok({
        verb: 'create',
        resource: 'deployments',
        namespace: 'default',
        body: deployment('web'),
      });
      const scale = await api.ok<{ spec: { replicas: number }; status: { selector: string } }>({
        verb: 'get',
        resource: 'deployments',
        subresource: 'scale',
        namespace: 'default',
        name: 'web',
      });
      expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 2 }, status: { selector: 'app=web' } });
      await api.ok({
        verb: 'patch',
        resource: 'deployments',
        subresource: 'scale',
        namespace: 'default',
        name: 'web',
        body: { spec: { replicas: 9 } },
      });
      const d = await api.ok<Obj>({
        verb: 'get',
        resource: 'deployments',
        namespace: 'default',
        name: 'web',
      });
      expect(d.spec?.replicas).toBe(9);
    });

    it('fences binds on a lease', async () => {
      await api.ok({
        verb: 'create',
        resource: 'leases',
        namespace: 'kube-system',
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'scheduler' },
          spec: { holderIdentity: 'b', leaseTransitions: 2, leaseDurationSeconds: 15 },
        },
      });
      await api.ok({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('p') });
      const stale = {
        lease: { namespace: 'kube-system', name: 'scheduler' },
        holderIdentity: 'a',
        leaseTransitions: 1,
      };
      const result = await api.send({
        verb: 'create',
        resource: 'pods',
        subresource: 'binding',
        namespace: 'default',
        name: 'p',
        body: { target: { name: 'n1' } },
        options: { fence: stale },
      });
      expect(result).toMatchObject({ ok: false, status: { reason: 'Conflict', code: 409 } });
    });
  });
});

describe('API handler: Jobs', () => {
  it('owns the selector of a Job and keeps it across updates', async () => {
    const api = await testApi();
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once' },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'localhost/x:1' }] },
        },
      },
    };
    const created = await api.ok<{
      metadata: { uid: string };
      spec: { selector: unknown; template: { metadata: { labels: Record<string, string> } } };
    }>({
      verb: 'create',
      resource: 'jobs',
      namespace: 'default',
      body: job,
    });
    expect(created.spec.selector).toEqual({
      matchLabels: { 'batch.kubernetes.io/controller-uid': created.metadata.uid },
    });
    expect(created.spec.template.metadata.labels['batch.kubernetes.io/job-name']).toBe('once');
    const patched = await api.ok<{ spec: { selector: unknown } }>({
      verb: 'patch',
      resource: 'jobs',
      namespace: 'default',
      name: 'once',
      body: { spec: { parallelism: 3 } },
    });
    expect(patched.spec.selector).toEqual(created.spec.selector);
  });
});
