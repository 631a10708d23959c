import { describe, expect, it } from 'vitest';
import { manifests, patched } from '../testing/manifests.js';
import { imagePullPolicyFor } from './container.js';
import type { AnyObject } from './registry.js';
import { validateObject } from './validate.js';

/** The defaulted object for a manifest that must be valid. */
function defaulted(input: Record<string, unknown>): AnyObject {
  const result = validateObject(input);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.object;
}

/** Reads a dotted path (`spec.ports[0].targetPort`) out of a defaulted object. */
function read(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    const key = match[1] ?? Number(match[2]);
    node =
      typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return node;
}

const m = manifests;
const c0 = 'spec.containers[0]';
const t0 = 'spec.template.spec.containers[0]';

describe('defaults', () => {
  it.each<[string, Record<string, unknown>, string, unknown]>([
    // Pod
    ['pod restartPolicy', m.pod(), 'spec.restartPolicy', 'Always'],
    ['pod terminationGracePeriodSeconds', m.pod(), 'spec.terminationGracePeriodSeconds', 30],
    ['pod dnsPolicy', m.pod(), 'spec.dnsPolicy', 'ClusterFirst'],
    ['pod schedulerName', m.pod(), 'spec.schedulerName', 'default-scheduler'],
    ['container port protocol', m.pod(), `${c0}.ports[0].protocol`, 'TCP'],
    ['pull policy for a tagged image', m.pod(), `${c0}.imagePullPolicy`, 'IfNotPresent'],
    [
      'pull policy for :latest',
      patched(m.pod(), { [`${c0}.image`]: 'nginx:latest' }),
      `${c0}.imagePullPolicy`,
      'Always',
    ],
    [
      'pull policy for no tag',
      patched(m.pod(), { [`${c0}.image`]: 'nginx' }),
      `${c0}.imagePullPolicy`,
      'Always',
    ],
    [
      'an explicit pull policy is kept',
      patched(m.pod(), { [`${c0}.image`]: 'nginx', [`${c0}.imagePullPolicy`]: 'Never' }),
      `${c0}.imagePullPolicy`,
      'Never',
    ],
    ['termination message path', m.pod(), `${c0}.terminationMessagePath`, '/dev/termination-log'],
    [
      'requests from limits',
      patched(m.pod(), {
        [`${c0}.resources`]: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m' } },
      }),
      `${c0}.resources.requests`,
      { cpu: '100m', memory: '1Gi' },
    ],
    [
      'numeric quantities become strings',
      patched(m.pod(), { [`${c0}.resources.requests.cpu`]: 0.5 }),
      `${c0}.resources.requests.cpu`,
      '0.5',
    ],
    [
      'probe timings',
      patched(m.pod(), { [`${c0}.readinessProbe`]: { httpGet: { port: 80 } } }),
      `${c0}.readinessProbe`,
      {
        httpGet: { path: '/', port: 80, scheme: 'HTTP' },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
    ],
    [
      'hostPort with host networking',
      patched(m.pod(), { 'spec.hostNetwork': true }),
      `${c0}.ports[0].hostPort`,
      80,
    ],
    [
      'toleration operator',
      patched(m.pod(), { 'spec.tolerations': [{ key: 'k', value: 'v' }] }),
      'spec.tolerations[0].operator',
      'Equal',
    ],
    // Deployment
    [
      'deployment strategy',
      m.deployment(),
      'spec.strategy',
      { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    ],
    [
      'deployment strategy with one bound given',
      patched(m.deployment(), { 'spec.strategy.rollingUpdate.maxSurge': 1 }),
      'spec.strategy.rollingUpdate',
      { maxUnavailable: '25%', maxSurge: 1 },
    ],
    [
      'deployment Recreate has no rollingUpdate',
      patched(m.deployment(), { 'spec.strategy.type': 'Recreate' }),
      'spec.strategy',
      { type: 'Recreate' },
    ],
    ['deployment replicas', patched(m.deployment(), { 'spec.replicas': undefined }), 'spec.replicas', 1],
    ['deployment revisionHistoryLimit', m.deployment(), 'spec.revisionHistoryLimit', 10],
    ['deployment progressDeadlineSeconds', m.deployment(), 'spec.progressDeadlineSeconds', 600],
    ['deployment minReadySeconds', m.deployment(), 'spec.minReadySeconds', 0],
    ['template pod defaults', m.deployment(), `${t0}.imagePullPolicy`, 'IfNotPresent'],
    ['template restartPolicy', m.deployment(), 'spec.template.spec.restartPolicy', 'Always'],
    // ReplicaSet, DaemonSet
    ['replicaset replicas', patched(m.replicaSet(), { 'spec.replicas': undefined }), 'spec.replicas', 1],
    [
      'daemonset update strategy',
      m.daemonSet(),
      'spec.updateStrategy',
      { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    ],
    ['daemonset revisionHistoryLimit', m.daemonSet(), 'spec.revisionHistoryLimit', 10],
    // Job
    ['job parallelism when both unset', m.job(), 'spec.parallelism', 1],
    ['job completions when both unset', m.job(), 'spec.completions', 1],
    [
      'job completions stay unset for a work queue',
      patched(m.job(), { 'spec.parallelism': 3 }),
      'spec.completions',
      undefined,
    ],
    [
      'job parallelism when only completions set',
      patched(m.job(), { 'spec.completions': 5 }),
      'spec.parallelism',
      1,
    ],
    ['job backoffLimit', m.job(), 'spec.backoffLimit', 6],
    ['job completionMode', m.job(), 'spec.completionMode', 'NonIndexed'],
    // Service
    ['service type', m.service(), 'spec.type', 'ClusterIP'],
    ['service sessionAffinity', m.service(), 'spec.sessionAffinity', 'None'],
    ['service port protocol', m.service(), 'spec.ports[0].protocol', 'TCP'],
    [
      'service targetPort defaults to port',
      patched(m.service(), { 'spec.ports[0].targetPort': undefined }),
      'spec.ports[0].targetPort',
      80,
    ],
    ['service named targetPort is kept', m.service(), 'spec.ports[0].targetPort', 'http'],
    [
      'service clusterIPs from clusterIP',
      patched(m.service(), { 'spec.clusterIP': '127.77.0.10' }),
      'spec.clusterIPs',
      ['127.77.0.10'],
    ],
    // Endpoints, Namespace, Lease, ConfigMap
    ['endpoint port protocol', m.endpoints(), 'subsets[0].ports[0].protocol', 'TCP'],
    ['namespace phase', m.namespace(), 'status.phase', 'Active'],
    ['namespace name label', m.namespace(), 'metadata.labels', { 'kubernetes.io/metadata.name': 'team-a' }],
    ['configmap keeps what it was given', m.configMap(), 'data', { 'app.conf': 'listen 80' }],
  ])('%s', (_what, input, path, expected) => {
    expect(read(defaulted(input), path)).toEqual(expected);
  });

  it('is idempotent: a defaulted object defaults to itself', () => {
    for (const make of Object.values(manifests)) {
      const once = defaulted(make());
      expect(defaulted(structuredClone(once) as unknown as Record<string, unknown>)).toEqual(once);
    }
  });
});

describe('imagePullPolicyFor', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v2', 'IfNotPresent'],
    ['app@sha256:abc', 'IfNotPresent'],
    ['app:latest@sha256:abc', 'Always'],
  ])('%s → %s', (image, policy) => {
    expect(imagePullPolicyFor(image)).toBe(policy);
  });
});
