import { describe, expect, it } from 'vitest';
import {
  makeEvent,
  makeJob,
  makeNamespace,
  makeNode,
  makePod,
  makeReplicaSet,
  makeSecret,
  makeService,
} from '../testing/builders.js';
import {
  type AnyObject,
  COMMON_FIELD_SELECTORS,
  resolveResource,
  resourceByKind,
  resourceByPlural,
  resourceByShortName,
  resourceBySingular,
  resourcesInCategory,
  resourceTypes,
} from './registry.js';

describe('the resource table', () => {
  it.each([
    ['pods', 'pod', 'Pod', '', 'v1', true, ['po']],
    ['services', 'service', 'Service', '', 'v1', true, ['svc']],
    ['endpoints', 'endpoints', 'Endpoints', '', 'v1', true, ['ep']],
    ['nodes', 'node', 'Node', '', 'v1', false, ['no']],
    ['namespaces', 'namespace', 'Namespace', '', 'v1', false, ['ns']],
    ['events', 'event', 'Event', '', 'v1', true, ['ev']],
    ['configmaps', 'configmap', 'ConfigMap', '', 'v1', true, ['cm']],
    ['secrets', 'secret', 'Secret', '', 'v1', true, []],
    ['deployments', 'deployment', 'Deployment', 'apps', 'apps/v1', true, ['deploy']],
    ['replicasets', 'replicaset', 'ReplicaSet', 'apps', 'apps/v1', true, ['rs']],
    ['daemonsets', 'daemonset', 'DaemonSet', 'apps', 'apps/v1', true, ['ds']],
    ['jobs', 'job', 'Job', 'batch', 'batch/v1', true, []],
    ['leases', 'lease', 'Lease', 'coordination.k8s.io', 'coordination.k8s.io/v1', true, []],
  ])(
    '%s: %s, %s, group %j, %s, namespaced %s, short names %j',
    (plural, singular, kind, group, apiVersion, namespaced, shortNames) => {
      const type = resourceByPlural(plural);
      expect(type).toMatchObject({ plural, singular, kind, group, apiVersion, namespaced, shortNames });
      expect(resourceByKind(apiVersion, kind)).toBe(type);
      expect(resourceBySingular(singular)).toBe(type);
      for (const short of shortNames) expect(resourceByShortName(short)).toBe(type);
    },
  );

  it('lists thirteen kinds, each once', () => {
    const table = resourceTypes();
    expect(table).toHaveLength(13);
    expect(new Set(table.map((t) => t.plural)).size).toBe(13);
  });

  it('marks status and scale subresources', () => {
    expect(resourceByPlural('deployments')?.subresources).toEqual({ status: true, scale: true });
    expect(resourceByPlural('replicasets')?.subresources).toEqual({ status: true, scale: true });
    expect(resourceByPlural('pods')?.subresources).toEqual({ status: true, scale: false });
    expect(resourceByPlural('configmaps')?.subresources).toEqual({ status: false, scale: false });
  });

  it.each([
    ['pods', 'pods'],
    ['Pods', 'pods'],
    ['pod', 'pods'],
    ['PO', 'pods'],
    ['deploy', 'deployments'],
    ['deployments.apps', 'deployments'],
    ['deployment.v1.apps', 'deployments'],
    ['leases.coordination.k8s.io', 'leases'],
    ['svc', 'services'],
    ['Secret', 'secrets'],
    ['secrets.v1', undefined],
    ['deployments.batch', undefined],
    ['widgets', undefined],
  ])('resolves %j to %j, kubectl-style', (name, plural) => {
    expect(resolveResource(name)?.plural).toBe(plural);
  });

  it('is exact where the API is: plurals in paths and kinds in objects', () => {
    expect(resourceByPlural('Pods')).toBeUndefined();
    expect(resourceByKind('v1', 'pod')).toBeUndefined();
    expect(resourceByKind('v1', 'Deployment')).toBeUndefined();
  });

  it('groups what `get all` shows', () => {
    expect(resourcesInCategory('all').map((t) => t.plural)).toEqual([
      'pods',
      'services',
      'deployments',
      'replicasets',
      'daemonsets',
      'jobs',
    ]);
  });
});

describe('field selectors', () => {
  const pod = makePod('web').node('n1').phase('Running').obj();
  const pending = makePod('queued').obj();
  const event = makeEvent('e').about(pod).reason('Scheduled').type('Warning').obj();
  const value = (obj: AnyObject, field: string) =>
    resourceByKind(obj.apiVersion, obj.kind)?.fieldValue(obj, field);

  it.each<[string, AnyObject, string, string | undefined]>([
    ['pod name', pod, 'metadata.name', 'web'],
    ['pod namespace', pod, 'metadata.namespace', 'default'],
    ['pod node', pod, 'spec.nodeName', 'n1'],
    ['an unscheduled pod has an empty node', pending, 'spec.nodeName', ''],
    ['pod phase', pod, 'status.phase', 'Running'],
    ['pod scheduler', pod, 'spec.schedulerName', 'default-scheduler'],
    ['pod restart policy', pod, 'spec.restartPolicy', 'Always'],
    ['an unsupported pod field', pod, 'spec.priority', undefined],
    ['event object kind', event, 'involvedObject.kind', 'Pod'],
    ['event object name', event, 'involvedObject.name', 'web'],
    ['event object namespace', event, 'involvedObject.namespace', 'default'],
    ['event object uid', event, 'involvedObject.uid', 'uid-pod-default-web'],
    ['event reason', event, 'reason', 'Scheduled'],
    ['event type', event, 'type', 'Warning'],
    ['node schedulable', makeNode('n1').obj(), 'spec.unschedulable', 'false'],
    ['node cordoned', makeNode('n1').cordoned().obj(), 'spec.unschedulable', 'true'],
    ['namespace phase', makeNamespace('a').terminating().obj(), 'status.phase', 'Terminating'],
    ['job successes', makeJob('j').withStatus({ succeeded: 2 }).obj(), 'status.successful', '2'],
    ['service type', makeService('s').obj(), 'spec.type', 'ClusterIP'],
    ['replicaset replicas', makeReplicaSet('r').withStatus({ replicas: 3 }).obj(), 'status.replicas', '3'],
    [
      'secret type',
      makeSecret('s').type('kubernetes.io/basic-auth').data({ username: 'u' }).obj(),
      'type',
      'kubernetes.io/basic-auth',
    ],
    ['secret type defaults to Opaque', makeSecret('s').obj(), 'type', 'Opaque'],
    ['a secret has no spec', makeSecret('s').obj(), 'spec.type', undefined],
  ])('%s', (_what, obj, field, expected) => {
    expect(value(obj, field)).toBe(expected);
  });

  it('declares every field it can answer, and answers every field it declares', () => {
    const samples: AnyObject[] = [
      pod,
      event,
      makeNode('n').obj(),
      makeNamespace('n').obj(),
      makeJob('j').obj(),
      makeSecret('s').obj(),
    ];
    for (const obj of samples) {
      const type = resourceByKind(obj.apiVersion, obj.kind);
      for (const field of [...COMMON_FIELD_SELECTORS, ...(type?.fieldSelectors ?? [])]) {
        expect(type?.fieldValue(obj, field), `${obj.kind} ${field}`).toBeTypeOf('string');
      }
    }
  });
});
