import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { applyPatch, type JsonObject, type PatchType, parsePatchType } from './index.js';
import { deepFreeze, makeContainer, makeDeployment } from './testing/fixtures.js';

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parsePatchType', () => {
  it.each<[string, PatchType]>([
    ['application/merge-patch+json', 'application/merge-patch+json'],
    ['application/strategic-merge-patch+json', 'application/strategic-merge-patch+json'],
    ['application/json-patch+json', 'application/json-patch+json'],
    ['Application/JSON-Patch+JSON; charset=utf-8', 'application/json-patch+json'],
  ])('%s is %s', (header, type) => {
    expect(parsePatchType(header)).toBe(type);
  });

  it.each(['application/apply-patch+yaml', 'application/json', 'text/plain', ''])(
    '%j is 415 UnsupportedMediaType',
    (header) => {
      expect(codeOf(() => parsePatchType(header))).toBe(415);
    },
  );
});

describe('applyPatch', () => {
  const live = deepFreeze(
    makeDeployment('web')
      .replicas(3)
      .container(makeContainer('app', 'nginx:1.25'))
      .container(makeContainer('sidecar', 'busybox'))
      .obj(),
  );
  const names = (o: JsonObject): unknown =>
    (o.spec as { template: { spec: { containers: JsonObject[] } } }).template.spec.containers.map((c) => [
      c.name,
      c.image,
    ]);

  it.each<[PatchType, unknown, unknown]>([
    // Strategic: containers merge by name, so the sidecar stays.
    [
      'application/strategic-merge-patch+json',
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } },
      [
        ['app', 'nginx:1.26'],
        ['sidecar', 'busybox'],
      ],
    ],
    // Merge patch: the list is replaced whole, so the sidecar is gone.
    [
      'application/merge-patch+json',
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } },
      [['app', 'nginx:1.26']],
    ],
    // JSON patch: one exact edit by index.
    [
      'application/json-patch+json',
      [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.26' }],
      [
        ['app', 'nginx:1.26'],
        ['sidecar', 'busybox'],
      ],
    ],
  ])('%s', (type, patch, containers) => {
    expect(names(applyPatch(type, 'Deployment', live, deepFreeze(patch)))).toEqual(containers);
  });

  it.each<[PatchType, unknown]>([
    ['application/merge-patch+json', 'not an object'],
    ['application/json-patch+json', [{ op: 'replace', path: '', value: [1] }]],
  ])('%s that leaves no object is 400', (type, patch) => {
    expect(codeOf(() => applyPatch(type, 'Deployment', live, patch))).toBe(400);
  });
});
