import { describe, expect, it } from 'vitest';
import type { JsonObject } from './json.js';
import { applyStrategicMergePatch } from './strategic.js';
import { strategyTables } from './strategies.js';
import { deepFreeze } from './testing/fixtures.js';

// Each row checks one k8s.io/api struct tag (or its absence) through a patch of that kind.
describe('the strategy table of each kind', () => {
  it.each<[string, string, JsonObject, JsonObject, JsonObject]>([
    [
      'Pod: the pod-spec table applies under spec',
      'Pod',
      {
        spec: {
          containers: [
            { name: 'app', image: 'a' },
            { name: 'sidecar', image: 'b' },
          ],
        },
      },
      { spec: { containers: [{ name: 'app', image: 'c' }] } },
      {
        spec: {
          containers: [
            { name: 'app', image: 'c' },
            { name: 'sidecar', image: 'b' },
          ],
        },
      },
    ],
    [
      'Pod: status conditions merge by type',
      'Pod',
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'False' },
            { type: 'PodScheduled', status: 'True' },
          ],
        },
      },
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'PodScheduled', status: 'True' },
          ],
        },
      },
    ],
    [
      'Service: ports merge by port',
      'Service',
      {
        spec: {
          ports: [
            { port: 80, targetPort: 8080 },
            { port: 443, targetPort: 8443 },
          ],
        },
      },
      { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      {
        spec: {
          ports: [
            { port: 80, targetPort: 9090 },
            { port: 443, targetPort: 8443 },
          ],
        },
      },
    ],
    [
      'Endpoints: subsets are replaced (no merge key in k8s.io/api)',
      'Endpoints',
      { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] },
      { subsets: [{ addresses: [{ ip: '10.0.0.2' }], ports: [{ port: 80 }] }] },
      { subsets: [{ addresses: [{ ip: '10.0.0.2' }], ports: [{ port: 80 }] }] },
    ],
    [
      'Node: taints are replaced (atomic in k8s.io/api)',
      'Node',
      { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } },
      { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } },
      { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } },
    ],
    [
      'Node: addresses merge by type',
      'Node',
      {
        status: {
          addresses: [
            { type: 'InternalIP', address: '10.0.0.1' },
            { type: 'Hostname', address: 'n1' },
          ],
        },
      },
      { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }] } },
      {
        status: {
          addresses: [
            { type: 'InternalIP', address: '10.0.0.9' },
            { type: 'Hostname', address: 'n1' },
          ],
        },
      },
    ],
    [
      'Namespace: spec.finalizers are replaced, unlike metadata.finalizers',
      'Namespace',
      { spec: { finalizers: ['kubernetes'] }, metadata: { finalizers: ['a'] } },
      { spec: { finalizers: ['skiff'] }, metadata: { finalizers: ['b'] } },
      { spec: { finalizers: ['skiff'] }, metadata: { finalizers: ['b', 'a'] } },
    ],
    [
      'ReplicaSet: ownerReferences merge by uid',
      'ReplicaSet',
      { metadata: { ownerReferences: [{ uid: 'u1', kind: 'Deployment', name: 'web' }] } },
      { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } },
      { metadata: { ownerReferences: [{ uid: 'u1', kind: 'Deployment', name: 'web', controller: true }] } },
    ],
    [
      'ConfigMap: data is a map, merged key by key',
      'ConfigMap',
      { data: { a: '1', b: '2' } },
      { data: { b: null, c: '3' } },
      { data: { a: '1', c: '3' } },
    ],
  ])('%s', (_, kind, original, patch, expected) => {
    expect(applyStrategicMergePatch(kind, deepFreeze(original), deepFreeze(patch))).toEqual(expected);
  });

  it('covers every kind Skiff serves', () => {
    expect(Object.keys(strategyTables()).sort()).toEqual(
      [
        'ConfigMap',
        'DaemonSet',
        'Deployment',
        'Endpoints',
        'Event',
        'Job',
        'Lease',
        'Namespace',
        'Node',
        'Pod',
        'ReplicaSet',
        'Secret',
        'Service',
      ].sort(),
    );
  });

  it.each(['Deployment', 'ReplicaSet', 'DaemonSet', 'Job'])(
    '%s uses the pod-spec table under spec.template.spec',
    (kind) => {
      const table = strategyTables()[kind] ?? {};
      expect(table['spec.template.spec.containers']).toEqual({ strategy: 'merge', mergeKey: 'name' });
      expect(table['spec.template.spec.containers.env']).toEqual({ strategy: 'merge', mergeKey: 'name' });
      expect(table['spec.template.spec.volumes']).toEqual({
        strategy: 'merge',
        mergeKey: 'name',
        retainKeys: true,
      });
      expect(table['spec.template.spec.tolerations']).toBeUndefined();
      expect(table['metadata.finalizers']).toEqual({ strategy: 'merge' });
    },
  );
});
