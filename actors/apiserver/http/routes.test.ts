import { describe, expect, it } from 'vitest';
import { resourcePath } from '../../../protocol/client/http.js';
import { resourceTypes } from '../../../protocol/resources/registry.js';
import { parsePath } from './routes.js';

/** A route flattened for table comparisons: `pods ns/name/sub`. */
function describeRoute(path: string): string | undefined {
  const route = parsePath(path);
  if (route === undefined) return undefined;
  if (route.kind !== 'resource') {
    const extra = 'group' in route ? ` ${route.group}/${'version' in route ? route.version : ''}` : '';
    return `${route.kind}${extra}`;
  }
  const parts = [route.namespace ?? '*', route.name, route.subresource].filter((p) => p !== undefined);
  return `${route.type.plural} ${parts.join('/')}`;
}

describe('parsePath', () => {
  it.each([
    ['/', 'root'],
    ['/version', 'version'],
    ['/healthz', 'health'],
    ['/readyz', 'health'],
    ['/livez/ping', 'health'],
    ['/metrics', 'metrics'],
    ['/api', 'apiVersions'],
    ['/api/', 'apiVersions'],
    ['/apis', 'groupList'],
    ['/apis/apps', 'group apps/'],
    ['/api/v1', 'resourceList /v1'],
    ['/apis/apps/v1', 'resourceList apps/v1'],
    ['/openapi/v3', 'openapiRoot'],
    ['/openapi/v3/api/v1', 'openapi /v1'],
    ['/openapi/v3/apis/batch/v1', 'openapi batch/v1'],
    ['/api/v1/namespaces/default/pods', 'pods default'],
    ['/api/v1/namespaces/default/pods/web', 'pods default/web'],
    ['/api/v1/namespaces/default/pods/web/status', 'pods default/web/status'],
    ['/api/v1/namespaces/default/pods/web/binding', 'pods default/web/binding'],
    ['/api/v1/pods', 'pods *'],
    ['/api/v1/namespaces', 'namespaces *'],
    ['/api/v1/namespaces/prod', 'namespaces */prod'],
    ['/api/v1/namespaces/prod/status', 'namespaces */prod/status'],
    ['/api/v1/nodes/n1/status', 'nodes */n1/status'],
    ['/apis/apps/v1/namespaces/a/deployments/web/scale', 'deployments a/web/scale'],
    ['/apis/apps/v1/deployments', 'deployments *'],
    ['/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/sched', 'leases kube-system/sched'],
    ['/api/v1/namespaces/default/configmaps/my.app%2Fx', 'configmaps default/my.app/x'],
  ])('%s → %s', (path, expected) => {
    expect(describeRoute(path)).toBe(expected);
  });

  it.each([
    ['/nope'],
    ['/api/v2'],
    ['/api/v1/widgets'],
    ['/apis/apps/v1/pods'], // pods are in the core group
    ['/api/v1/deployments'], // deployments are in apps
    ['/apis/extensions'],
    ['/api/v1/pods/web'], // a namespaced object needs its namespace
    ['/api/v1/namespaces/default/configmaps/a/status'], // configmaps have no status
    ['/api/v1/namespaces/default/pods/web/scale'],
    ['/apis/apps/v1/namespaces/a/deployments/web/binding'],
    ['/api/v1/namespaces/default/pods/web/status/more'],
    ['/api/v1/namespaces/default/pods/%E0%A4%A'],
    ['/api//v1'],
    ['/openapi/v2'],
  ])('%s is not served', (path) => {
    expect(parsePath(path)).toBeUndefined();
  });

  it('parses back every path the HTTP transport builds, for every kind', () => {
    for (const type of resourceTypes()) {
      const ns = type.namespaced ? 'team-a' : undefined;
      const route = parsePath(resourcePath(type.plural, ns, 'x.y', 'status'));
      if (!type.subresources.status) {
        expect(route).toBeUndefined();
        continue;
      }
      expect(route).toMatchObject({ kind: 'resource', type: { plural: type.plural }, name: 'x.y' });
      expect(parsePath(resourcePath(type.plural, ns))).toMatchObject({ type: { plural: type.plural } });
    }
  });
});
