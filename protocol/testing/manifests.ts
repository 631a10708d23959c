/**
 * Raw manifests, as a user would `skiff apply` them (no defaults, no server fields), one valid
 * example per kind, and `patched` to derive broken variants path by path:
 * `patched(manifests.pod(), {'spec.containers[0].image': undefined, 'metadata.name': 'Web'})`.
 * Test-only: production code must never import `protocol/testing`.
 */

type Doc = Record<string, unknown>;

const template = (app: string, restartPolicy?: string): Doc => ({
  metadata: { labels: { app } },
  spec: {
    containers: [{ name: app, image: 'nginx:1.25', ports: [{ containerPort: 80 }] }],
    ...(restartPolicy ? { restartPolicy } : {}),
  },
});

/** One valid manifest per kind; each call returns a fresh copy. */
export const manifests = {
  pod: (): Doc => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 80 }] }],
    },
  }),
  service: (): Doc => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
  }),
  endpoints: (): Doc => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '127.0.0.1', nodeName: 'n1' }], ports: [{ port: 31080 }] }],
  }),
  node: (): Doc => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
    spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  }),
  namespace: (): Doc => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }),
  event: (): Doc => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.17a3b', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/web to n1',
    type: 'Normal',
    count: 1,
  }),
  configMap: (): Doc => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-config', namespace: 'default' },
    data: { 'app.conf': 'listen 80' },
  }),
  secret: (): Doc => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'web-tls', namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
  }),
  deployment: (): Doc => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('web') },
  }),
  replicaSet: (): Doc => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-5d8f', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web') },
  }),
  daemonSet: (): Doc => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') },
  }),
  job: (): Doc => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: 'default' },
    spec: { template: template('migrate', 'Never') },
  }),
  lease: (): Doc => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'scheduler', namespace: 'default' },
    spec: {
      holderIdentity: 'scheduler-1',
      leaseDurationSeconds: 15,
      acquireTime: '2024-01-01T00:00:00.000000Z',
      renewTime: '2024-01-01T00:00:10.000000Z',
      leaseTransitions: 0,
    },
  }),
};

// `spec.containers[0].image` → ['spec', 'containers', 0, 'image']; `data[app.conf]` → ['data', 'app.conf'].
function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    const [, name, bracket] = match;
    if (name !== undefined) out.push(name);
    else if (bracket !== undefined) out.push(/^[0-9]+$/.test(bracket) ? Number(bracket) : bracket);
  }
  return out;
}

function isContainer(value: unknown): value is Doc | unknown[] {
  return typeof value === 'object' && value !== null;
}

/**
 * A deep copy of `doc` with each `path: value` applied (intermediate objects and arrays are
 * created as needed; `undefined` deletes the field).
 */
export function patched(doc: Doc, patches: Record<string, unknown>): Doc {
  const copy = structuredClone(doc);
  for (const [path, value] of Object.entries(patches)) {
    const keys = segments(path);
    let node: Doc | unknown[] = copy;
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const record = node as Record<string | number, unknown>;
      if (last) {
        if (value === undefined) delete record[key];
        else record[key] = value;
        return;
      }
      const next = record[key];
      if (isContainer(next)) node = next;
      else {
        const created: Doc | unknown[] = typeof keys[i + 1] === 'number' ? [] : {};
        record[key] = created;
        node = created;
      }
    });
  }
  return copy;
}
