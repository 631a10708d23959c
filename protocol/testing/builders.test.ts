import { describe, expect, it } from 'vitest';
import { validateObject } from '../resources/validate.js';
import {
  makeConfigMap,
  makeDaemonSet,
  makeDeployment,
  makeEndpoints,
  makeEvent,
  makeJob,
  makeLease,
  makeNamespace,
  makeNode,
  makePod,
  makeReplicaSet,
  makeSecret,
  makeService,
} from './builders.js';

const pod = makePod('web-1')
  .namespace('default')
  .node('n1')
  .labels({ app: 'web' })
  .requests({ cpu: '100m', memory: '64Mi' });

describe('fixture builders', () => {
  it.each([
    ['pod', pod.obj()],
    ['ready pod', makePod('p').ports(80).ready().podIP('127.0.0.1').obj()],
    [
      'node',
      makeNode('n1')
        .capacity({ cpu: '4', memory: '8Gi', pods: '110' })
        .taint({ key: 'k', effect: 'NoSchedule' })
        .obj(),
    ],
    ['deployment', makeDeployment('web').replicas(3).rollingUpdate({ maxSurge: 1, maxUnavailable: 0 }).obj()],
    ['replicaset', makeReplicaSet('web-abc').templateHash('abc').ownedBy(makeDeployment('web').obj()).obj()],
    ['daemonset', makeDaemonSet('agent').nodeSelector({ role: 'edge' }).obj()],
    ['job', makeJob('migrate').completions(3).parallelism(2).obj()],
    ['service', makeService('web').port({ name: 'http', port: 80, targetPort: 8080 }).type('NodePort').obj()],
    [
      'endpoints',
      makeEndpoints('web').address({ ip: '127.0.0.1', nodeName: 'n1' }).port({ port: 31000 }).obj(),
    ],
    ['namespace', makeNamespace('team-a').obj()],
    ['configmap', makeConfigMap('c').data({ 'a.conf': 'x' }).obj()],
    ['secret', makeSecret('tls').type('kubernetes.io/tls').data({ 'tls.crt': 'c', 'tls.key': 'k' }).obj()],
    ['lease', makeLease('leader').holder('me', { durationSeconds: 10 }).obj()],
    ['event', makeEvent('e').about(pod.obj()).reason('Scheduled', 'ok').obj()],
  ])('%s: obj() is valid and already defaulted (validating it changes nothing)', (_kind, obj) => {
    const result = validateObject(structuredClone(obj));
    expect(result.ok ? result.warnings : result.errors.map((e) => e.message)).toEqual([]);
    expect(result.ok && result.object).toEqual(obj);
  });

  it('builds what the example in the style guide says', () => {
    const built = pod.obj();
    expect(built.metadata).toMatchObject({ name: 'web-1', namespace: 'default', labels: { app: 'web' } });
    expect(built.spec.nodeName).toBe('n1');
    expect(built.spec.containers[0]?.resources?.requests).toEqual({ cpu: '100m', memory: '64Mi' });
    expect(built.spec.restartPolicy).toBe('Always');
  });

  it('makes owner references that point at the owner', () => {
    const owner = makeReplicaSet('web-abc').obj();
    const owned = makePod('web-abc-x').ownedBy(owner).obj();
    expect(owned.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-abc',
        uid: owner.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('gives Jobs the selector the API server generates', () => {
    const job = makeJob('migrate').obj();
    expect(job.spec.selector).toEqual({
      matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid },
    });
    expect(job.spec.template.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'migrate' });
  });

  it('keeps allocatable equal to capacity unless set apart', () => {
    const node = makeNode('n1').capacity({ cpu: '8', memory: '16Gi', pods: '110' }).obj();
    expect(node.status?.allocatable).toEqual({ cpu: '8', memory: '16Gi', pods: '110' });
    const reserved = makeNode('n1').allocatable({ cpu: '3' }).capacity({ cpu: '4' }).obj();
    expect(reserved.status?.allocatable).toEqual({ cpu: '3' });
  });

  it('returns independent objects on every call', () => {
    const builder = makeDeployment('web');
    const first = builder.obj();
    first.spec.replicas = 99;
    expect(builder.obj().spec.replicas).toBe(1);
  });

  it('refuses to build an invalid fixture, naming the problem', () => {
    expect(() => makePod('Bad Name').obj()).toThrow(/invalid Pod fixture Bad Name: metadata.name/);
  });

  it('offers the raw input, as a client would send it', () => {
    const input = makeService('web').input();
    expect(input).toMatchObject({ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80 }] } });
    expect(input).not.toHaveProperty('spec.type');
  });
});
