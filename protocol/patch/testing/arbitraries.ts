/**
 * Test-only: fast-check generators of Deployment-like objects for the patch properties.
 *
 * Names come from small pools so that two generated objects share containers, env vars, ports
 * and finalizers (the interesting case for merging), and merge keys are unique within a list, as
 * the API server's validation guarantees for real objects. No member is null: a null in a patch
 * means "delete", so no patch format can set one.
 */
import fc from 'fast-check';
import type { JsonObject } from '../json.js';

const word = fc.constantFrom('a', 'b', 'c', 'web', 'db', 'x-1');
const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'team', 'example.com/owner'), word, {
  maxKeys: 3,
});

const env = fc.uniqueArray(
  fc.record({ name: fc.constantFrom('MODE', 'PORT', 'DEBUG', 'URL'), value: word }),
  {
    selector: (e) => e.name,
    maxLength: 3,
  },
);

const ports = fc.uniqueArray(
  fc.record(
    {
      containerPort: fc.constantFrom(80, 443, 8080, 9090),
      name: word,
      protocol: fc.constantFrom('TCP', 'UDP'),
    },
    { requiredKeys: ['containerPort'] },
  ),
  { selector: (p) => p.containerPort, maxLength: 3 },
);

const container = fc.record(
  {
    name: fc.constantFrom('app', 'sidecar', 'proxy', 'log'),
    image: fc.constantFrom('nginx:1.25', 'nginx:1.26', 'busybox', 'envoy:1.30'),
    args: fc.array(word, { maxLength: 3 }),
    env,
    ports,
    volumeMounts: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom('data', 'config'),
        mountPath: fc.constantFrom('/data', '/etc/app', '/tmp'),
      }),
      { selector: (m) => m.mountPath, maxLength: 2 },
    ),
    resources: fc.record({ limits: fc.dictionary(fc.constantFrom('cpu', 'memory'), word, { maxKeys: 2 }) }),
  },
  { requiredKeys: ['name', 'image'] },
);

const volume = fc.oneof(
  fc.record({ name: fc.constantFrom('data', 'config', 'cache'), emptyDir: fc.constant({}) }),
  fc.record({ name: fc.constantFrom('data', 'config', 'cache'), configMap: fc.record({ name: word }) }),
);

const toleration = fc.record(
  {
    key: word,
    operator: fc.constantFrom('Exists', 'Equal'),
    effect: fc.constantFrom('NoSchedule', 'NoExecute'),
  },
  { requiredKeys: ['key'] },
);

const strategy = fc.oneof(
  fc.constant({ type: 'Recreate' }),
  fc.record({
    type: fc.constant('RollingUpdate'),
    rollingUpdate: fc.record({ maxSurge: fc.constantFrom(1, '25%') }),
  }),
);

/** A Deployment with the fields kubectl apply most often touches; every optional field may be absent. */
export const deploymentArbitrary: fc.Arbitrary<JsonObject> = fc
  .record({
    metadata: fc.record(
      {
        labels,
        annotations: labels,
        finalizers: fc.uniqueArray(fc.constantFrom('a.io/x', 'b.io/y', 'c.io/z'), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    replicas: fc.nat(5),
    strategy,
    podLabels: labels,
    containers: fc.uniqueArray(container, { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
    initContainers: fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 2 }),
    volumes: fc.uniqueArray(volume, { selector: (v) => v.name, maxLength: 3 }),
    tolerations: fc.array(toleration, { maxLength: 2 }),
    hasInit: fc.boolean(),
  })
  .map(
    ({
      metadata,
      replicas,
      strategy,
      podLabels,
      containers,
      initContainers,
      volumes,
      tolerations,
      hasInit,
    }) => {
      const podSpec: JsonObject = { containers, volumes, tolerations };
      if (hasInit) podSpec.initContainers = initContainers;
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default', ...metadata },
        spec: { replicas, strategy, template: { metadata: { labels: podLabels }, spec: podSpec } },
      } as JsonObject;
    },
  );
