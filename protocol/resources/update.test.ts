import { describe, expect, it } from 'vitest';
import {
  makeConfigMap,
  makeDaemonSet,
  makeDeployment,
  makeJob,
  makeNode,
  makePod,
  makeReplicaSet,
  makeService,
} from '../testing/builders.js';
import type { AnyObject } from './registry.js';
import { validateUpdate } from './validate.js';

/** A deep copy of `obj` with `edit` applied, so the stored object is never touched. */
function edited<T extends AnyObject>(obj: T, edit: (copy: T) => void): T {
  const copy = structuredClone(obj);
  edit(copy);
  return copy;
}

const pod = makePod('web').labels({ app: 'web' }).tolerate({ key: 'a', operator: 'Exists' }).obj();
const boundPod = makePod('web').node('n1').obj();
const deploymentObj = makeDeployment('web').obj();
const rsObj = makeReplicaSet('web-1').obj();
const dsObj = makeDaemonSet('agent').obj();
const jobObj = makeJob('migrate').obj();
const serviceObj = makeService('web').clusterIP('127.77.0.10').obj();
const configMapObj = makeConfigMap('c').data({ a: '1' }).immutable().obj();
const nodeObj = makeNode('n1').obj();

describe('validateUpdate', () => {
  it.each<[string, AnyObject, AnyObject, string[]]>([
    [
      'pod: labels may change',
      pod,
      edited(pod, (p) => {
        p.metadata.labels = { app: 'api' };
      }),
      [],
    ],
    [
      'pod: image may change',
      pod,
      edited(pod, (p) => {
        p.spec.containers[0]!.image = 'nginx:2';
      }),
      [],
    ],
    [
      'pod: binding sets nodeName once',
      pod,
      edited(pod, (p) => {
        p.spec.nodeName = 'n1';
      }),
      [],
    ],
    [
      'pod: nodeName never moves',
      boundPod,
      edited(boundPod, (p) => {
        p.spec.nodeName = 'n2';
      }),
      ['spec'],
    ],
    [
      'pod: tolerations may be added',
      pod,
      edited(pod, (p) => {
        p.spec.tolerations?.push({ key: 'b', operator: 'Exists' });
      }),
      [],
    ],
    [
      'pod: tolerations may not be removed',
      pod,
      edited(pod, (p) => {
        p.spec.tolerations = [];
      }),
      ['spec.tolerations'],
    ],
    [
      'pod: a shorter deadline is fine',
      pod,
      edited(pod, (p) => {
        p.spec.activeDeadlineSeconds = 60;
      }),
      [],
    ],
    [
      'pod: a longer deadline is not',
      edited(pod, (p) => {
        p.spec.activeDeadlineSeconds = 60;
      }),
      edited(pod, (p) => {
        p.spec.activeDeadlineSeconds = 120;
      }),
      ['spec.activeDeadlineSeconds'],
    ],
    [
      'pod: restartPolicy is fixed',
      pod,
      edited(pod, (p) => {
        p.spec.restartPolicy = 'Never';
      }),
      ['spec'],
    ],
    [
      'pod: name is fixed',
      pod,
      edited(pod, (p) => {
        p.metadata.name = 'other';
      }),
      ['metadata.name'],
    ],
    [
      'pod: uid is fixed',
      pod,
      edited(pod, (p) => {
        p.metadata.uid = 'other';
      }),
      ['metadata.uid'],
    ],
    [
      'pod: status is not the spec',
      pod,
      edited(pod, (p) => {
        p.status = { phase: 'Running' };
      }),
      [],
    ],
    [
      'deployment: replicas may change',
      deploymentObj,
      edited(deploymentObj, (d) => {
        d.spec.replicas = 5;
      }),
      [],
    ],
    [
      'deployment: selector is fixed',
      deploymentObj,
      edited(deploymentObj, (d) => {
        d.spec.selector = { matchLabels: { app: 'x' } };
      }),
      ['spec.selector'],
    ],
    [
      'replicaset: selector is fixed',
      rsObj,
      edited(rsObj, (r) => {
        r.spec.selector = {};
      }),
      ['spec.selector'],
    ],
    [
      'daemonset: selector is fixed',
      dsObj,
      edited(dsObj, (d) => {
        d.spec.selector = {};
      }),
      ['spec.selector'],
    ],
    [
      'job: parallelism may change',
      jobObj,
      edited(jobObj, (j) => {
        j.spec.parallelism = 4;
      }),
      [],
    ],
    [
      'job: template and completions are fixed',
      jobObj,
      edited(jobObj, (j) => {
        j.spec.template.spec.containers[0]!.image = 'other';
        j.spec.completions = 9;
      }),
      ['spec.completions', 'spec.template'],
    ],
    [
      'service: clusterIP is fixed',
      serviceObj,
      edited(serviceObj, (s) => {
        s.spec.clusterIP = '127.77.0.11';
      }),
      ['spec.clusterIP'],
    ],
    [
      'service: ports may change',
      serviceObj,
      edited(serviceObj, (s) => {
        s.spec.ports = [];
      }),
      [],
    ],
    [
      'configmap: immutable data is fixed',
      configMapObj,
      edited(configMapObj, (c) => {
        c.data = { a: '2' };
        c.immutable = false;
      }),
      ['data', 'immutable'],
    ],
    [
      'configmap: labels of an immutable one may change',
      configMapObj,
      edited(configMapObj, (c) => {
        c.metadata.labels = { x: 'y' };
      }),
      [],
    ],
    [
      'node: podCIDR is fixed once set',
      edited(nodeObj, (n) => {
        n.spec.podCIDR = '10.0.1.0/24';
      }),
      edited(nodeObj, (n) => {
        n.spec.podCIDR = '10.0.2.0/24';
      }),
      ['spec.podCIDR'],
    ],
    [
      'node: podCIDR may be set',
      nodeObj,
      edited(nodeObj, (n) => {
        n.spec.podCIDR = '10.0.1.0/24';
      }),
      [],
    ],
    ['a kind never changes', pod, serviceObj, ['kind']],
  ])('%s', (_what, old, next, fields) => {
    expect(
      validateUpdate(old, next)
        .map((e) => e.field)
        .sort(),
    ).toEqual(fields);
  });
});
