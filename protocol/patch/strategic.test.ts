import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { JsonObject } from './json.js';
import { applyStrategicMergePatch, createStrategicMergePatch } from './strategic.js';
import { deploymentArbitrary } from './testing/arbitraries.js';
import { deepFreeze, makeContainer, makeDeployment } from './testing/fixtures.js';

const web = makeDeployment('web')
  .replicas(3)
  .container(makeContainer('app', 'nginx:1.25').port(80, 'http').env('MODE', 'prod').env('DEBUG', '0'))
  .container(makeContainer('istio-proxy', 'envoy:1.30').port(15090))
  .finalizers('a.io/x', 'b.io/y')
  .labels({ app: 'web', tier: 'back' })
  .tolerations({ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' });

const podSpec = (o: JsonObject): JsonObject => (o.spec as { template: { spec: JsonObject } }).template.spec;
const tmpl = (spec: JsonObject): JsonObject => ({ spec: { template: { spec } } });

describe('applyStrategicMergePatch on a Deployment', () => {
  const live = deepFreeze(web.obj());

  it.each<[string, JsonObject, (out: JsonObject) => unknown, unknown]>([
    [
      'changes one container image by name, leaving the other container alone',
      tmpl({ containers: [{ name: 'app', image: 'nginx:1.26' }] }),
      (o) => podSpec(o).containers,
      [
        {
          ...makeContainer('app', 'nginx:1.26').port(80, 'http').env('MODE', 'prod').env('DEBUG', '0').obj(),
        },
        makeContainer('istio-proxy', 'envoy:1.30').port(15090).obj(),
      ],
    ],
    [
      'merges container ports by containerPort (a new port goes first without $setElementOrder, as in Go)',
      tmpl({
        containers: [
          { name: 'app', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8080 }] },
        ],
      }),
      (o) => (podSpec(o).containers as JsonObject[])[0]?.ports,
      [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 8080 }],
    ],
    [
      'deletes a container with $patch: delete',
      tmpl({ containers: [{ name: 'istio-proxy', $patch: 'delete' }] }),
      (o) => (podSpec(o).containers as JsonObject[]).map((c) => c.name),
      ['app'],
    ],
    [
      'replaces the whole container list with $patch: replace',
      tmpl({ containers: [{ $patch: 'replace' }, { name: 'only', image: 'busybox' }] }),
      (o) => podSpec(o).containers,
      [{ name: 'only', image: 'busybox' }],
    ],
    [
      'orders containers with $setElementOrder',
      tmpl({ '$setElementOrder/containers': [{ name: 'istio-proxy' }, { name: 'app' }] }),
      (o) => (podSpec(o).containers as JsonObject[]).map((c) => c.name),
      ['istio-proxy', 'app'],
    ],
    [
      'merges env by name, deleting one with $patch: delete',
      tmpl({
        containers: [
          {
            name: 'app',
            env: [
              { name: 'DEBUG', $patch: 'delete' },
              { name: 'MODE', value: 'dev' },
            ],
          },
        ],
      }),
      (o) => (podSpec(o).containers as JsonObject[])[0]?.env,
      [{ name: 'MODE', value: 'dev' }],
    ],
    [
      'merges finalizers as a set, keeping the live order',
      { metadata: { finalizers: ['b.io/y', 'c.io/z'] } },
      (o) => (o.metadata as JsonObject).finalizers,
      ['a.io/x', 'b.io/y', 'c.io/z'],
    ],
    [
      'puts a value the live list has no place for first, as Go does without $setElementOrder',
      { metadata: { finalizers: ['c.io/z'] } },
      (o) => (o.metadata as JsonObject).finalizers,
      ['c.io/z', 'a.io/x', 'b.io/y'],
    ],
    [
      'removes a finalizer with $deleteFromPrimitiveList',
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.io/x'] } },
      (o) => (o.metadata as JsonObject).finalizers,
      ['b.io/y'],
    ],
    [
      'replaces tolerations whole: Kubernetes gives them no merge key',
      tmpl({ tolerations: [{ key: 'gpu', operator: 'Exists' }] }),
      (o) => podSpec(o).tolerations,
      [{ key: 'gpu', operator: 'Exists' }],
    ],
    [
      'deletes a map key with null',
      { spec: { replicas: null } },
      (o) => Object.hasOwn(o.spec as JsonObject, 'replicas'),
      false,
    ],
    [
      'replaces a map with $patch: replace',
      { metadata: { labels: { $patch: 'replace', tier: 'front' } } },
      (o) => (o.metadata as JsonObject).labels,
      { tier: 'front' },
    ],
    [
      'clears the rollingUpdate of a strategy switched to Recreate, with $retainKeys',
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
      (o) => (o.spec as JsonObject).strategy,
      { type: 'Recreate' },
    ],
  ])('%s', (_, patch, pick, expected) => {
    const withStrategy = {
      ...live,
      spec: {
        ...(live.spec as JsonObject),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      },
    };
    const out = applyStrategicMergePatch('Deployment', deepFreeze(withStrategy), deepFreeze(patch));
    expect(pick(out)).toEqual(expected);
    expect(JSON.stringify(out)).not.toMatch(/\$(patch|retainKeys|setElementOrder|deleteFromPrimitiveList)/);
  });
});

describe('applyStrategicMergePatch: errors and hostile input', () => {
  it.each<[string, string, JsonObject, unknown, number]>([
    ['a kind without a table', 'Widget', {}, {}, 415],
    ['a patch that is not an object', 'Pod', {}, [1], 400],
    [
      'an element without its merge key',
      'Pod',
      { spec: { containers: [{ name: 'a' }] } },
      { spec: { containers: [{ image: 'x' }] } },
      400,
    ],
    ['an unknown $patch directive', 'Pod', { spec: {} }, { spec: { $patch: 'explode' } }, 400],
    [
      'a field outside $retainKeys',
      'Deployment',
      { spec: { strategy: { type: 'Recreate' } } },
      { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } },
      400,
    ],
  ])('rejects %s', (_, kind, original, patch, code) => {
    const error = (() => {
      try {
        applyStrategicMergePatch(kind, original, patch);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(code);
  });

  it('stores __proto__ and constructor keys as data', () => {
    const patch = JSON.parse(
      '{"metadata": {"labels": {"__proto__": {"x": 1}, "constructor": "y"}}}',
    ) as unknown;
    const out = applyStrategicMergePatch('ConfigMap', { metadata: { labels: { app: 'web' } } }, patch);
    const labels = (out.metadata as JsonObject).labels as object;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['app', '__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('createStrategicMergePatch', () => {
  it('sends only the changed container, keyed by name, with the config order', () => {
    const before = web.obj();
    const after = makeDeployment('web')
      .replicas(3)
      .container(makeContainer('app', 'nginx:1.26').port(80, 'http').env('MODE', 'prod').env('DEBUG', '0'))
      .container(makeContainer('istio-proxy', 'envoy:1.30').port(15090))
      .finalizers('a.io/x', 'b.io/y')
      .labels({ app: 'web', tier: 'back' })
      .tolerations({ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' })
      .obj();
    expect(createStrategicMergePatch('Deployment', before, after)).toEqual(
      tmpl({
        containers: [{ name: 'app', image: 'nginx:1.26' }],
        '$setElementOrder/containers': [{ name: 'app' }, { name: 'istio-proxy' }],
      }),
    );
  });

  it('switches a volume source with $retainKeys on the element', () => {
    const before = makeDeployment('web').volume('data', { emptyDir: {} }).obj();
    const after = makeDeployment('web')
      .volume('data', { configMap: { name: 'cfg' } })
      .obj();
    const patch = createStrategicMergePatch('Deployment', before, after);
    expect(podSpec(patch).volumes).toEqual([
      { name: 'data', configMap: { name: 'cfg' }, emptyDir: null, $retainKeys: ['configMap', 'name'] },
    ]);
    expect(applyStrategicMergePatch('Deployment', before, patch)).toEqual(after);
  });

  it('applyStrategicMergePatch(a, createStrategicMergePatch(a, b)) equals b for Deployments', () => {
    fc.assert(
      fc.property(deploymentArbitrary, deploymentArbitrary, (a, b) => {
        const patch = createStrategicMergePatch('Deployment', deepFreeze(a), deepFreeze(b));
        expect(applyStrategicMergePatch('Deployment', a, deepFreeze(patch))).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });
});
