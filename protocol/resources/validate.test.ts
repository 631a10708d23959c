import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manifests, patched } from '../testing/manifests.js';
import { validateObject } from './validate.js';

/** The sorted, de-duplicated field paths of every error `validateObject` reports. */
function errorPaths(input: unknown, options?: { resource?: string }): string[] {
  const result = validateObject(input, options);
  if (result.ok) return [];
  return [...new Set(result.errors.map((e) => e.field))].sort();
}

const m = manifests;
const container = 'spec.template.spec.containers';
const twoContainers = [
  { name: 'Web', image: 'nginx' },
  { name: 'sidecar', ports: [{ containerPort: 70000 }] },
];
const bigAnnotation = 'x'.repeat(300 * 1024);

describe('validateObject: valid manifests', () => {
  it.each(Object.entries(manifests))('accepts the %s example without warnings', (_kind, make) => {
    const result = validateObject(make());
    expect(result.ok ? result.warnings : result.errors.map((e) => e.message)).toEqual([]);
  });
});

describe('validateObject: bad manifests report every problem with its path', () => {
  it.each<[string, unknown, string[]]>([
    // Pod
    ['pod: upper-case name', patched(m.pod(), { 'metadata.name': 'Web' }), ['metadata.name']],
    ['pod: no name nor generateName', patched(m.pod(), { 'metadata.name': undefined }), ['metadata.name']],
    [
      'pod: bad generateName',
      patched(m.pod(), { 'metadata.name': undefined, 'metadata.generateName': 'Web-' }),
      ['metadata.generateName'],
    ],
    ['pod: no containers', patched(m.pod(), { 'spec.containers': [] }), ['spec.containers']],
    [
      'pod: container without image and with a bad name',
      patched(m.pod(), { 'spec.containers[0].image': undefined, 'spec.containers[0].name': 'Web_1' }),
      ['spec.containers[0].image', 'spec.containers[0].name'],
    ],
    [
      'pod: duplicate container names across init and app containers',
      patched(m.pod(), { 'spec.initContainers': [{ name: 'web', image: 'busybox' }] }),
      ['spec.containers[0].name'],
    ],
    [
      'pod: unsupported restartPolicy',
      patched(m.pod(), { 'spec.restartPolicy': 'Sometimes' }),
      ['spec.restartPolicy'],
    ],
    [
      'pod: port 0, host port out of range, protocol HTTP',
      patched(m.pod(), {
        'spec.containers[0].ports': [
          { containerPort: 0, hostPort: 70000 },
          { containerPort: 81, protocol: 'HTTP' },
        ],
      }),
      [
        'spec.containers[0].ports[0].containerPort',
        'spec.containers[0].ports[0].hostPort',
        'spec.containers[0].ports[1].protocol',
      ],
    ],
    [
      'pod: the same port twice across containers',
      patched(m.pod(), { 'spec.containers[1]': { name: 'b', image: 'x', ports: [{ containerPort: 80 }] } }),
      ['spec.containers[1].ports[0].containerPort'],
    ],
    [
      'pod: bad quantity and request above limit',
      patched(m.pod(), {
        'spec.containers[0].resources': {
          requests: { cpu: 'lots', memory: '2Gi' },
          limits: { memory: '1Gi' },
        },
      }),
      ['spec.containers[0].resources.requests', 'spec.containers[0].resources.requests[cpu]'],
    ],
    [
      'pod: bad env name and value with valueFrom',
      patched(m.pod(), {
        'spec.containers[0].env': [
          { name: '1X', value: 'a' },
          { name: 'OK', value: 'b', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
      }),
      ['spec.containers[0].env[0].name', 'spec.containers[0].env[1].valueFrom'],
    ],
    [
      'pod: probe with two handlers, liveness needing two successes',
      patched(m.pod(), {
        'spec.containers[0].livenessProbe': {
          exec: { command: ['true'] },
          tcpSocket: { port: 80 },
          successThreshold: 2,
        },
      }),
      ['spec.containers[0].livenessProbe.successThreshold', 'spec.containers[0].livenessProbe.tcpSocket'],
    ],
    [
      'pod: probe without a handler',
      patched(m.pod(), { 'spec.containers[0].readinessProbe': { periodSeconds: 5 } }),
      ['spec.containers[0].readinessProbe'],
    ],
    [
      'pod: mount of a missing volume, and a volume with two sources',
      patched(m.pod(), {
        'spec.containers[0].volumeMounts': [{ name: 'data', mountPath: '/data' }],
        'spec.volumes': [{ name: 'cache', emptyDir: {}, hostPath: { path: '/tmp' } }],
      }),
      ['spec.containers[0].volumeMounts[0].name', 'spec.volumes[0].hostPath'],
    ],
    [
      'pod: tolerations with an empty key and with seconds on NoSchedule',
      patched(m.pod(), {
        'spec.tolerations': [
          { operator: 'Equal', value: 'x' },
          { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 10 },
        ],
      }),
      ['spec.tolerations[0].operator', 'spec.tolerations[1].effect'],
    ],
    [
      'pod: node affinity without terms, and a weight of 0',
      patched(m.pod(), {
        'spec.affinity.nodeAffinity': {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }],
        },
      }),
      [
        'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight',
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
      ],
    ],
    [
      'pod: node selector requirements without values and with a non-integer Gt',
      patched(m.pod(), {
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms': [
          {
            matchExpressions: [
              { key: 'zone', operator: 'In' },
              { key: 'cores', operator: 'Gt', values: ['many'] },
            ],
          },
        ],
      }),
      [
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values',
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].values[0]',
      ],
    ],
    [
      'pod: anti-affinity without a topology key',
      patched(m.pod(), {
        'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution': [
          { labelSelector: { matchLabels: { app: 'web' } } },
        ],
      }),
      ['spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey'],
    ],
    [
      'pod: spread constraint with maxSkew 0 and an unknown policy',
      patched(m.pod(), {
        'spec.topologySpreadConstraints': [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'Never' }],
      }),
      ['spec.topologySpreadConstraints[0].whenUnsatisfiable'],
    ],
    [
      'pod: spread constraints with maxSkew 0 and repeated',
      patched(m.pod(), {
        'spec.topologySpreadConstraints': [
          { maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
          { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
        ],
      }),
      [
        'spec.topologySpreadConstraints[0].maxSkew',
        'spec.topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable}',
      ],
    ],
    [
      'pod: negative grace period and zero deadline',
      patched(m.pod(), { 'spec.terminationGracePeriodSeconds': -1, 'spec.activeDeadlineSeconds': 0 }),
      ['spec.activeDeadlineSeconds', 'spec.terminationGracePeriodSeconds'],
    ],
    [
      'pod: bad node selector value',
      patched(m.pod(), { 'spec.nodeSelector': { disk: 'fast ssd' } }),
      ['spec.nodeSelector'],
    ],
    [
      'pod: wrong JSON types',
      patched(m.pod(), { 'spec.containers[0].command': 'ls', 'metadata.labels.version': 2 }),
      ['metadata.labels.version', 'spec.containers[0].command'],
    ],
    [
      'pod: host network with a different host port',
      patched(m.pod(), { 'spec.hostNetwork': true, 'spec.containers[0].ports[0].hostPort': 8080 }),
      ['spec.containers[0].ports[0].containerPort'],
    ],
    ['pod: bad namespace', patched(m.pod(), { 'metadata.namespace': 'Bad_NS' }), ['metadata.namespace']],
    [
      'pod: annotations too large and with a bad key',
      patched(m.pod(), { 'metadata.annotations': { big: bigAnnotation, 'bad key': 'x' } }),
      ['metadata.annotations'],
    ],
    [
      'pod: two controller owners, one without uid',
      patched(m.pod(), {
        'metadata.ownerReferences': [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', controller: true },
        ],
      }),
      ['metadata.ownerReferences', 'metadata.ownerReferences[1].uid'],
    ],
    [
      'pod: unqualified finalizer',
      patched(m.pod(), { 'metadata.finalizers': ['cleanup'] }),
      ['metadata.finalizers[0]'],
    ],
    // Deployment
    [
      'deployment: two bad containers, a bad label key and no selector',
      patched(m.deployment(), {
        'spec.selector': undefined,
        'metadata.labels': { 'bad key!': 'x' },
        [container]: twoContainers,
      }),
      [
        'metadata.labels',
        'spec.selector',
        `${container}[0].name`,
        `${container}[1].image`,
        `${container}[1].ports[0].containerPort`,
      ],
    ],
    [
      'deployment: selector not matching the template',
      patched(m.deployment(), { 'spec.selector.matchLabels': { app: 'api' } }),
      ['spec.template.metadata.labels'],
    ],
    [
      'deployment: maxSurge and maxUnavailable both 0',
      patched(m.deployment(), { 'spec.strategy.rollingUpdate': { maxSurge: 0, maxUnavailable: 0 } }),
      ['spec.strategy.rollingUpdate.maxUnavailable'],
    ],
    [
      'deployment: Recreate with rollingUpdate, negative replicas',
      patched(m.deployment(), {
        'spec.strategy': { type: 'Recreate', rollingUpdate: {} },
        'spec.replicas': -1,
      }),
      ['spec.replicas', 'spec.strategy.rollingUpdate'],
    ],
    [
      'deployment: bounds over 100% and not a percent',
      patched(m.deployment(), { 'spec.strategy.rollingUpdate': { maxUnavailable: '150%', maxSurge: 'abc' } }),
      ['spec.strategy.rollingUpdate.maxSurge', 'spec.strategy.rollingUpdate.maxUnavailable'],
    ],
    [
      'deployment: template restarting Never, with a deadline',
      patched(m.deployment(), {
        'spec.template.spec.restartPolicy': 'Never',
        'spec.template.spec.activeDeadlineSeconds': 10,
      }),
      ['spec.template.spec.activeDeadlineSeconds', 'spec.template.spec.restartPolicy'],
    ],
    ['deployment: empty selector', patched(m.deployment(), { 'spec.selector': {} }), ['spec.selector']],
    [
      'deployment: progress deadline not above minReadySeconds',
      patched(m.deployment(), { 'spec.progressDeadlineSeconds': 5, 'spec.minReadySeconds': 10 }),
      ['spec.progressDeadlineSeconds'],
    ],
    [
      'deployment: template image missing',
      patched(m.deployment(), { [`${container}[0].image`]: undefined }),
      [`${container}[0].image`],
    ],
    // ReplicaSet
    [
      'replicaset: negative replicas, selector not matching',
      patched(m.replicaSet(), { 'spec.replicas': -2, 'spec.selector.matchLabels.app': 'api' }),
      ['spec.replicas', 'spec.template.metadata.labels'],
    ],
    [
      'replicaset: template without containers',
      patched(m.replicaSet(), { [container]: undefined }),
      [container],
    ],
    // DaemonSet
    [
      'daemonset: maxUnavailable and maxSurge both 0',
      patched(m.daemonSet(), { 'spec.updateStrategy.rollingUpdate': { maxUnavailable: 0 } }),
      ['spec.updateStrategy.rollingUpdate.maxUnavailable'],
    ],
    [
      'daemonset: maxUnavailable and maxSurge both set',
      patched(m.daemonSet(), { 'spec.updateStrategy.rollingUpdate': { maxUnavailable: 1, maxSurge: 1 } }),
      ['spec.updateStrategy.rollingUpdate.maxSurge'],
    ],
    [
      'daemonset: unknown strategy type',
      patched(m.daemonSet(), { 'spec.updateStrategy.type': 'Rolling' }),
      ['spec.updateStrategy.type'],
    ],
    [
      'daemonset: no selector, bad template label',
      patched(m.daemonSet(), {
        'spec.selector': undefined,
        'spec.template.metadata.labels': { app: '-agent' },
      }),
      ['spec.selector', 'spec.template.metadata.labels'],
    ],
    // Job
    [
      'job: template restarting Always (the pod default)',
      patched(m.job(), { 'spec.template.spec.restartPolicy': undefined }),
      ['spec.template.spec.restartPolicy'],
    ],
    [
      'job: Indexed work queue, negative backoff',
      patched(m.job(), { 'spec.completionMode': 'Indexed', 'spec.parallelism': 2, 'spec.backoffLimit': -1 }),
      ['spec.backoffLimit', 'spec.completions'],
    ],
    ['job: manual selector missing', patched(m.job(), { 'spec.manualSelector': true }), ['spec.selector']],
    [
      'job: name too long for its pod label',
      patched(m.job(), { 'metadata.name': 'j'.repeat(64) }),
      ['metadata.name'],
    ],
    // Service
    [
      'service: two unnamed ports, one out of range',
      patched(m.service(), { 'spec.ports': [{ port: 0 }, { port: 443 }] }),
      ['spec.ports[0].name', 'spec.ports[0].port', 'spec.ports[1].name'],
    ],
    [
      'service: duplicate port names, nodePort on ClusterIP',
      patched(m.service(), {
        'spec.ports': [
          { name: 'http', port: 80, nodePort: 30080 },
          { name: 'http', port: 81 },
        ],
      }),
      ['spec.ports[0].nodePort', 'spec.ports[1].name'],
    ],
    [
      'service: NodePort outside the range',
      patched(m.service(), { 'spec.type': 'NodePort', 'spec.ports[0].nodePort': 80 }),
      ['spec.ports[0].nodePort'],
    ],
    [
      'service: ExternalName without a name',
      patched(m.service(), { 'spec.type': 'ExternalName' }),
      ['spec.externalName'],
    ],
    ['service: unknown type', patched(m.service(), { 'spec.type': 'Internal' }), ['spec.type']],
    [
      'service: name not a DNS-1035 label',
      patched(m.service(), { 'metadata.name': '1web' }),
      ['metadata.name'],
    ],
    [
      'service: bad clusterIP and no ports',
      patched(m.service(), { 'spec.clusterIP': 'abc', 'spec.ports': undefined }),
      ['spec.clusterIP', 'spec.ports'],
    ],
    [
      'service: bad target port name',
      patched(m.service(), { 'spec.ports[0].targetPort': 'http_port' }),
      ['spec.ports[0].targetPort'],
    ],
    // Endpoints
    [
      'endpoints: bad IP, and a subset without addresses',
      patched(m.endpoints(), {
        'subsets[0].addresses[0].ip': '300.1.1.1',
        'subsets[1]': { ports: [{ port: 80 }] },
      }),
      ['subsets[0].addresses[0].ip', 'subsets[1]'],
    ],
    [
      'endpoints: port out of range, two unnamed ports',
      patched(m.endpoints(), { 'subsets[0].ports': [{ port: 70000 }, { port: 80 }] }),
      ['subsets[0].ports[0].name', 'subsets[0].ports[0].port', 'subsets[0].ports[1].name'],
    ],
    // Node
    [
      'node: unknown taint effect',
      patched(m.node(), { 'spec.taints[0].effect': 'Sometimes' }),
      ['spec.taints[0].effect'],
    ],
    [
      'node: duplicate taints, bad pod CIDR',
      patched(m.node(), {
        'spec.taints[1]': { key: 'dedicated', effect: 'NoSchedule' },
        'spec.podCIDR': '10.0.0.0/99',
      }),
      ['spec.podCIDR', 'spec.taints[1]'],
    ],
    [
      'node: bad capacity, unknown address type',
      patched(m.node(), { 'status.capacity.cpu': 'four', 'status.addresses[0].type': 'PodIP' }),
      ['status.addresses[0].type', 'status.capacity[cpu]'],
    ],
    ['node: upper-case name', patched(m.node(), { 'metadata.name': 'Node1' }), ['metadata.name']],
    // Namespace
    ['namespace: dotted name', patched(m.namespace(), { 'metadata.name': 'team.a' }), ['metadata.name']],
    [
      'namespace: unknown phase, custom finalizer',
      patched(m.namespace(), { 'status.phase': 'Deleting', 'spec.finalizers': ['custom'] }),
      ['spec.finalizers[0]', 'status.phase'],
    ],
    // ConfigMap
    [
      'configmap: bad key, binaryData not base64',
      patched(m.configMap(), { 'data[bad key]': 'x', 'binaryData.blob': 'not base64!' }),
      ['binaryData[blob]', 'data[bad key]'],
    ],
    ['configmap: over 1 MiB', patched(m.configMap(), { 'data.big': 'x'.repeat(1024 * 1024) }), ['data']],
    [
      'configmap: key in both maps',
      patched(m.configMap(), { 'binaryData[app.conf]': 'AAAA' }),
      ['data[app.conf]'],
    ],
    // Secret
    [
      'secret: bad key, value not base64',
      patched(m.secret(), { 'data[bad key]': 'eA==', 'data[tls.crt]': 'not base64!' }),
      ['data[bad key]', 'data[tls.crt]'],
    ],
    ['secret: tls without tls.key', patched(m.secret(), { 'data[tls.key]': undefined }), ['data[tls.key]']],
    [
      'secret: dockerconfigjson without .dockerconfigjson',
      patched(m.secret(), { type: 'kubernetes.io/dockerconfigjson' }),
      ['data[.dockerconfigjson]'],
    ],
    ['secret: bad stringData key', patched(m.secret(), { 'stringData[a/b]': 'x' }), ['stringData[a/b]']],
    ['secret: over 1 MiB', patched(m.secret(), { 'stringData.big': 'x'.repeat(1024 * 1024) }), ['data']],
    // Event
    [
      'event: unknown type, negative count',
      patched(m.event(), { type: 'Error', count: -1 }),
      ['count', 'type'],
    ],
    [
      'event: in another namespace than its object',
      patched(m.event(), { 'involvedObject.namespace': 'kube-system' }),
      ['involvedObject.namespace'],
    ],
    // Lease
    [
      'lease: zero duration, bad renew time',
      patched(m.lease(), { 'spec.leaseDurationSeconds': 0, 'spec.renewTime': 'yesterday' }),
      ['spec.leaseDurationSeconds', 'spec.renewTime'],
    ],
    [
      'lease: negative transitions',
      patched(m.lease(), { 'spec.leaseTransitions': -1 }),
      ['spec.leaseTransitions'],
    ],
    // The envelope
    ['unknown kind', patched(m.pod(), { kind: 'Widget' }), ['kind']],
    ['Deployment under the core apiVersion', patched(m.deployment(), { apiVersion: 'v1' }), ['apiVersion']],
    [
      'no apiVersion and no kind',
      patched(m.pod(), { apiVersion: undefined, kind: undefined }),
      ['apiVersion', 'kind'],
    ],
    ['not an object', [1, 2], ['']],
  ])('%s', (_name, input, paths) => {
    expect(errorPaths(input)).toEqual([...paths].sort());
  });
});

describe('validateObject: messages', () => {
  it('prints the Kubernetes messages users know', () => {
    const result = validateObject(
      patched(m.deployment(), {
        [`${container}[0].image`]: undefined,
        'spec.selector.matchLabels.app': 'api',
      }),
    );
    expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual([
      'spec.template.spec.containers[0].image: Required value',
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    const job = validateObject(patched(m.job(), { 'spec.template.spec.restartPolicy': 'Always' }));
    expect(job.ok ? [] : job.errors.map((e) => e.message)).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ]);
    const name = validateObject(patched(m.pod(), { 'metadata.name': 'Web' }));
    expect(name.ok ? [] : name.errors.map((e) => e.message)).toEqual([
      'metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric ' +
        "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex " +
        "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    const type = validateObject(patched(m.deployment(), { 'spec.replicas': '3' }));
    expect(type.ok ? [] : type.errors.map((e) => e.message)).toEqual([
      'spec.replicas: Invalid value: "3": must be of type number',
    ]);
  });
});

describe('validateObject: unknown fields and the envelope', () => {
  it('returns unknown fields as warnings with their paths, never dropping them silently', () => {
    const input = patched(m.deployment(), {
      'spec.foo': 1,
      [`${container}[0].bogus`]: true,
      'metadata.managedFields': [],
      'status.weird': 'x',
    });
    const result = validateObject(input);
    expect(result.ok && result.warnings).toEqual([
      'unknown field "metadata.managedFields"',
      'unknown field "spec.template.spec.containers[0].bogus"',
      'unknown field "spec.foo"',
      'unknown field "status.weird"',
    ]);
  });

  it('reads null as unset, as Kubernetes does (`creationTimestamp: null`)', () => {
    const result = validateObject(
      patched(m.pod(), { 'metadata.creationTimestamp': null, 'spec.nodeSelector': null }),
    );
    expect(result.ok && result.warnings).toEqual([]);
  });

  it('takes apiVersion and kind from the resource when the document leaves them out', () => {
    const result = validateObject(patched(m.pod(), { apiVersion: undefined, kind: undefined }), {
      resource: 'pods',
    });
    expect(result.ok && result.object.kind).toBe('Pod');
    expect(errorPaths(m.service(), { resource: 'pods' })).toEqual(['kind']);
    expect(errorPaths(m.pod(), { resource: 'widgets' })).toEqual(['kind']);
  });

  it('drops the namespace of a cluster-scoped object, with a warning', () => {
    const result = validateObject(patched(m.node(), { 'metadata.namespace': 'default' }));
    expect(result.ok && result.object.metadata.namespace).toBeUndefined();
    expect(result.ok && result.warnings).toEqual(['metadata.namespace: ignored, Node is cluster-scoped']);
  });

  it('accepts generateName alone: the API server names the object on create', () => {
    const result = validateObject(
      patched(m.pod(), { 'metadata.name': undefined, 'metadata.generateName': 'web-' }),
    );
    expect(result.ok && result.object.metadata).toMatchObject({ generateName: 'web-' });
  });

  it('refuses absurdly deep documents without recursing without bound', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    expect(errorPaths({ ...m.pod(), extra: deep })).toEqual(['']);
  });
});

describe('validateObject: properties', () => {
  const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  const subdomain = fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
  const labelKey = fc.tuple(
    fc.option(subdomain, { nil: undefined }),
    fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/),
  );
  const labelValue = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?)?$/);
  const labels = fc.dictionary(
    labelKey.map(([prefix, name]) => (prefix === undefined ? name : `${prefix}/${name}`)),
    labelValue,
    { maxKeys: 5 },
  );

  it('accepts every pod, deployment and service with generated valid names and labels', () => {
    fc.assert(
      fc.property(subdomain, label, labels, (name, namespace, podLabels) => {
        const pod = patched(m.pod(), {
          'metadata.name': name,
          'metadata.namespace': namespace,
          'metadata.labels': podLabels,
        });
        expect(errorPaths(pod)).toEqual([]);
        const deployment = patched(m.deployment(), {
          'metadata.name': name,
          'spec.selector': { matchLabels: { ...podLabels, app: 'web' } },
          'spec.template.metadata.labels': { ...podLabels, app: 'web' },
        });
        expect(errorPaths(deployment)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every Service named with a generated DNS-1035 label', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/), (name) => {
        expect(errorPaths(patched(m.service(), { 'metadata.name': name }))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('validateObject: hostile input', () => {
  it('lets no __proto__ or constructor key reach a prototype', () => {
    const input: unknown = JSON.parse(
      '{"apiVersion":"v1","kind":"ConfigMap","__proto__":{"polluted":"yes","kind":"Pod"},' +
        '"metadata":{"name":"x","__proto__":{"name":"Bad"},"labels":{"constructor":"ok"}},' +
        '"data":{"__proto__":"v","constructor":"c","toString":"t"}}',
    );
    const result = validateObject(input);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.object.kind).toBe('ConfigMap');
    expect(Object.getPrototypeOf(result.object)).toBe(Object.prototype);
    expect(result.object.metadata.labels).toEqual({ constructor: 'ok' });
    expect(Object.hasOwn(result.object.metadata.labels ?? {}, 'constructor')).toBe(true);
    expect(result.object.kind === 'ConfigMap' && result.object.data).toEqual({
      constructor: 'c',
      toString: 't',
    });
    expect(result.warnings).toEqual([
      'unknown field "__proto__"',
      'unknown field "metadata.__proto__"',
      'unknown field "data.__proto__"',
    ]);
  });

  it('never throws, whatever the JSON (fc.json)', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        const result = validateObject(JSON.parse(text));
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary values (fc.anything), even inside a valid envelope', () => {
    const kinds = Object.values(manifests).map((make) => make());
    fc.assert(
      fc.property(
        fc.anything(),
        fc.constantFrom(...kinds),
        fc.constantFrom('metadata', 'spec', 'status', 'data', 'subsets'),
        (value, base, field) => {
          expect(typeof validateObject(value).ok).toBe('boolean');
          expect(typeof validateObject({ ...base, [field]: value }).ok).toBe('boolean');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws when any field of a valid manifest is replaced by arbitrary JSON', () => {
    const paths = [
      'spec.containers[0]',
      'spec.containers[0].ports',
      'spec.containers[0].resources',
      'spec.affinity',
      'spec.tolerations',
      'spec.template.spec',
      'spec.selector',
      'spec.strategy',
      'metadata.labels',
      'metadata.ownerReferences',
    ];
    const kinds = [m.pod(), m.deployment(), m.daemonSet(), m.job(), m.service()];
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.constantFrom(...paths),
        fc.jsonValue(),
        (base, path, value) => {
          expect(typeof validateObject(patched(base, { [path]: value })).ok).toBe('boolean');
        },
      ),
      { numRuns: 1000 },
    );
  });
});
