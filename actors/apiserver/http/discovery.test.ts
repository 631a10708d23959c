import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/testing/wait-for.js';
import { type HttpCluster, startHttpCluster } from './testing.js';

describe('HTTP face discovery', () => {
  let cluster: HttpCluster;
  beforeAll(async () => {
    cluster = await startHttpCluster();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  const call = (path: string) => fetch(`${cluster.url}${path}`);
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

  describe('discovery', () => {
    it('serves APIVersions, APIGroupList and APIGroup', async () => {
      expect(await json(await call('/api'))).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
      const groups = (await json(await call('/apis'))) as { groups: { name: string }[] };
      expect(groups.groups.map((g) => g.name)).toEqual(['apps', 'batch', 'coordination.k8s.io']);
      expect(await json(await call('/apis/apps'))).toMatchObject({
        kind: 'APIGroup',
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      });
    });

    it('lists resources with verbs, short names, categories and subresources', async () => {
      const core = (await json(await call('/api/v1'))) as { resources: { name: string }[] };
      expect(core).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
      const byName = new Map(core.resources.map((r) => [r.name, r]));
      expect(byName.get('pods')).toEqual({
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['po'],
        categories: ['all'],
      });
      expect(byName.get('pods/status')).toMatchObject({ kind: 'Pod', verbs: ['get', 'patch', 'update'] });
      expect(byName.get('pods/binding')).toMatchObject({ kind: 'Binding', verbs: ['create'] });
      expect(byName.get('namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
      // Secrets have no short name and no status subresource, as in Kubernetes.
      expect(byName.get('secrets')).toEqual({
        name: 'secrets',
        singularName: 'secret',
        namespaced: true,
        kind: 'Secret',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      });
      expect(byName.has('secrets/status')).toBe(false);
      const apps = (await json(await call('/apis/apps/v1'))) as { resources: { name: string }[] };
      expect(apps.resources.find((r) => r.name === 'deployments/scale')).toMatchObject({
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      });
    });

    it('serves /version from package.json, health, metrics and OpenAPI v3', async () => {
      expect(await json(await call('/version'))).toMatchObject({
        major: '0',
        minor: '1',
        gitVersion: 'v0.1.0',
      });
      for (const path of ['/healthz', '/readyz', '/livez'])
        expect(await (await call(path)).text()).toBe('ok');
      await waitFor(async () =>
        expect(await (await call('/readyz?verbose')).text()).toMatch(
          /^\[\+\]outbox-relay ok: leader \(\d+ pending, oldest [\d.]+ s\)\nreadyz check passed\n$/,
        ),
      );
      expect(await (await call('/metrics')).text()).toMatch(
        /skiff_apiserver_relay_state\{state="leader"\} 1/,
      );
      expect(await (await call('/metrics')).text()).toContain('skiff_apiserver_request_duration_seconds');
      const root = (await json(await call('/openapi/v3'))) as {
        paths: Record<string, { serverRelativeURL: string }>;
      };
      const doc = await json(await call(root.paths['apis/apps/v1']?.serverRelativeURL ?? ''));
      expect(JSON.stringify(doc)).toContain('"fieldValidation"');
    });
  });
});
