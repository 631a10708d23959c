import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ApplyPlan,
  appliedConfiguration,
  LAST_APPLIED_ANNOTATION,
  lastAppliedOf,
  planApply,
} from './apply.js';
import type { JsonObject } from './json.js';
import { applyStrategicMergePatch } from './strategic.js';
import { deploymentArbitrary } from './testing/arbitraries.js';
import { deepFreeze, makeContainer, makeDeployment } from './testing/fixtures.js';

/** The object the API server stores for a create: the plan's object plus what the server sets. */
function asCreated(config: JsonObject): JsonObject {
  const plan = planApply('Deployment', config, undefined);
  if (plan.action !== 'create') throw new Error(`expected create, got ${plan.action}`);
  const object = structuredClone(plan.object);
  Object.assign(object.metadata as JsonObject, {
    resourceVersion: '41',
    uid: '6f1c0a4e-0000-4000-8000-000000000001',
    creationTimestamp: '2024-05-01T10:00:00Z',
    generation: 1,
  });
  object.status = { replicas: 0, observedGeneration: 1 };
  return object;
}

/** Live after applying `plan` (the plan must be a patch). */
function patched(live: JsonObject, plan: ApplyPlan): JsonObject {
  if (plan.action !== 'patch') throw new Error(`expected patch, got ${plan.action}`);
  return applyStrategicMergePatch('Deployment', live, plan.patch);
}

const app = (image: string) =>
  makeContainer('app', image).port(80, 'http').env('MODE', 'prod').env('DEBUG', '1');
/** A fresh builder each time: builders are mutable, and tests must not share one. */
const web = (image = 'nginx:1.25') =>
  makeDeployment('web').labels({ app: 'web', tier: 'front' }).container(app(image));
const v1 = web().replicas(3);
const containers = (o: JsonObject): JsonObject[] =>
  (o.spec as { template: { spec: { containers: JsonObject[] } } }).template.spec.containers;

/** Nobody but apply edits the live object. */
function untouched(_live: JsonObject): void {
  // Deliberately nothing: the row is about the config alone.
}

describe('planApply', () => {
  it('creates a missing object, recording the config without status or server-set metadata', () => {
    const config = v1.obj();
    const fromServer = {
      ...config,
      metadata: { ...(config.metadata as JsonObject), uid: 'x', resourceVersion: '7' },
    };
    const plan = planApply('Deployment', deepFreeze({ ...fromServer, status: { replicas: 9 } }), undefined);
    if (plan.action !== 'create') throw new Error(`expected create, got ${plan.action}`);
    expect(plan.object.status).toBeUndefined();
    expect(plan.object.metadata).not.toHaveProperty('uid');
    expect(plan.object.metadata).not.toHaveProperty('resourceVersion');
    const record = ((plan.object.metadata as JsonObject).annotations as JsonObject)[
      LAST_APPLIED_ANNOTATION
    ] as string;
    expect(record.endsWith('}\n')).toBe(true);
    expect(JSON.parse(record)).toEqual(config);
    expect(lastAppliedOf(plan.object)).toEqual(config);
  });

  it.each<[string, JsonObject, JsonObject, (live: JsonObject) => void]>([
    ['the same config again', v1.obj(), v1.obj(), untouched],
    [
      'the same config with keys in another order',
      v1.obj(),
      {
        spec: v1.obj().spec as JsonObject,
        metadata: v1.obj().metadata as JsonObject,
        kind: 'Deployment',
        apiVersion: 'apps/v1',
      },
      untouched,
    ],
    [
      'a config copied from `get -o yaml` (resourceVersion, uid, status)',
      v1.obj(),
      asCreated(v1.obj()),
      untouched,
    ],
    [
      'the same config while a mesh injected a sidecar on live',
      v1.obj(),
      v1.obj(),
      (live) => containers(live).push({ name: 'istio-proxy', image: 'envoy:1.30' }),
    ],
    [
      'a config without replicas while an autoscaler scaled live',
      web().obj(),
      web().obj(),
      (live) => Object.assign(live.spec as JsonObject, { replicas: 7 }),
    ],
  ])('is unchanged for %s', (_, created, desired, othersEdit) => {
    const live = asCreated(created);
    othersEdit(live);
    expect(planApply('Deployment', deepFreeze(desired), deepFreeze(live))).toEqual({ action: 'unchanged' });
  });

  it('changing an image patches only that container, and keeps the injected sidecar', () => {
    const live = asCreated(v1.obj());
    containers(live).push({ name: 'istio-proxy', image: 'envoy:1.30' });
    const desired = web('nginx:1.26').replicas(3);
    const plan = planApply('Deployment', desired.obj(), deepFreeze(live));
    expect(plan.action).toBe('patch');
    if (plan.action !== 'patch') return;
    expect((plan.patch.spec as JsonObject).template).toEqual({
      spec: {
        containers: [{ name: 'app', image: 'nginx:1.26' }],
        '$setElementOrder/containers': [{ name: 'app' }],
      },
    });
    const after = patched(live, plan);
    expect(containers(after).map((c) => [c.name, c.image])).toEqual([
      ['app', 'nginx:1.26'],
      ['istio-proxy', 'envoy:1.30'],
    ]);
    expect((after.metadata as JsonObject).resourceVersion).toBe('41');
    expect(planApply('Deployment', desired.obj(), after)).toEqual({ action: 'unchanged' });
  });

  it.each<[string, JsonObject, (after: JsonObject) => unknown, unknown]>([
    [
      'removing an env var from the config deletes it on live',
      makeDeployment('web')
        .replicas(3)
        .labels({ app: 'web', tier: 'front' })
        .container(makeContainer('app', 'nginx:1.25').port(80, 'http').env('MODE', 'prod'))
        .obj(),
      (after) => containers(after)[0]?.env,
      [{ name: 'MODE', value: 'prod' }],
    ],
    [
      'removing a label from the config deletes it on live',
      makeDeployment('web').replicas(3).labels({ app: 'web' }).container(app('nginx:1.25')).obj(),
      (after) => (after.metadata as JsonObject).labels,
      { app: 'web' },
    ],
    [
      'removing replicas from the config deletes it (the server would default it)',
      web().obj(),
      (after) => (after.spec as JsonObject).replicas,
      undefined,
    ],
    [
      'changing tolerations replaces them whole',
      web().replicas(3).tolerations({ key: 'gpu', operator: 'Exists' }).obj(),
      (after) => (after.spec as { template: { spec: JsonObject } }).template.spec.tolerations,
      [{ key: 'gpu', operator: 'Exists' }],
    ],
  ])('%s', (_, desired, pick, expected) => {
    const live = asCreated(web().replicas(3).tolerations({ key: 'old', operator: 'Exists' }).obj());
    containers(live).push({ name: 'istio-proxy', image: 'envoy:1.30' });
    const after = patched(live, planApply('Deployment', desired, deepFreeze(live)));
    expect(pick(after)).toEqual(expected);
    expect(containers(after).map((c) => c.name)).toEqual(['app', 'istio-proxy']);
  });

  it('switching the strategy to Recreate clears the rollingUpdate the server defaulted ($retainKeys)', () => {
    const live = asCreated(web().strategy({ type: 'RollingUpdate' }).obj());
    (live.spec as JsonObject).strategy = {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    };
    const plan = planApply('Deployment', web().strategy({ type: 'Recreate' }).obj(), live);
    if (plan.action !== 'patch') throw new Error(`expected patch, got ${plan.action}`);
    expect((plan.patch.spec as JsonObject).strategy).toEqual({ $retainKeys: ['type'], type: 'Recreate' });
    expect((patched(live, plan).spec as JsonObject).strategy).toEqual({ type: 'Recreate' });
  });

  it('merges finalizers as a set: drops what the config dropped, keeps what a controller added', () => {
    const live = asCreated(makeDeployment('web').finalizers('a.io/x', 'b.io/y').obj());
    (live.metadata as JsonObject).finalizers = ['a.io/x', 'b.io/y', 'controller.io/protect'];
    const desired = makeDeployment('web').finalizers('b.io/y', 'c.io/z').obj();
    const after = patched(live, planApply('Deployment', desired, live));
    expect((after.metadata as JsonObject).finalizers).toEqual(['b.io/y', 'c.io/z', 'controller.io/protect']);
  });

  it.each([
    ['no annotation (made by create)', undefined],
    ['an unreadable annotation', '{"kind": "Deploym'],
    ['an annotation that is not an object', '"text"'],
  ])('with %s, deletes nothing and records the config', (_, record) => {
    const live = asCreated(v1.obj());
    const annotations = (live.metadata as JsonObject).annotations as JsonObject;
    if (record === undefined) delete annotations[LAST_APPLIED_ANNOTATION];
    else annotations[LAST_APPLIED_ANNOTATION] = record;
    const desired = makeDeployment('web').replicas(3).container(app('nginx:1.25')).obj();
    const after = patched(live, planApply('Deployment', desired, live));
    expect((after.metadata as JsonObject).labels).toEqual({ app: 'web', tier: 'front' });
    expect(lastAppliedOf(after)).toEqual(desired);
  });

  it('planApply(x, x as created) is unchanged', () => {
    fc.assert(
      fc.property(deploymentArbitrary, (x) => {
        expect(planApply('Deployment', deepFreeze(x), deepFreeze(asCreated(x)))).toEqual({
          action: 'unchanged',
        });
      }),
      { numRuns: 200 },
    );
  });

  it('applying y over x converges to y, keeps server fields, and is then unchanged', () => {
    fc.assert(
      fc.property(deploymentArbitrary, deploymentArbitrary, (x, y) => {
        const live = asCreated(x);
        const plan = planApply('Deployment', y, deepFreeze(live));
        const after = plan.action === 'patch' ? patched(live, plan) : live;
        expect(appliedConfiguration(after)).toEqual(appliedConfiguration(y));
        expect(after.status).toEqual(live.status);
        expect(planApply('Deployment', y, after)).toEqual({ action: 'unchanged' });
      }),
      { numRuns: 200 },
    );
  });
});
