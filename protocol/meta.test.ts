import { describe, expect, it } from 'vitest';
import {
  isEmptySelector,
  type LabelSelector,
  LabelSelectorSchema,
  labelSelectorMatches,
  objectMetaSchema,
  TemplateMetaSchema,
} from './meta.js';
import { fieldErrorsFromIssues } from './validation/zod-errors.js';

const subdomainMeta = objectMetaSchema('dns1123-subdomain');
const labelMeta = objectMetaSchema('dns1123-label');

function fields(schema: typeof subdomainMeta | typeof LabelSelectorSchema, input: unknown): string[] {
  const result = schema.safeParse(input, { reportInput: true });
  return result.success ? [] : fieldErrorsFromIssues(result.error.issues).map((e) => e.field);
}

describe('object metadata', () => {
  it.each([
    ['a plain name', { name: 'web' }, []],
    ['a generateName alone', { generateName: 'web-' }, []],
    ['neither name nor generateName', {}, ['name']],
    ['a bad name', { name: 'Web' }, ['name']],
    ['a bad generateName', { generateName: 'Web-' }, ['generateName']],
    ['a bad namespace', { name: 'web', namespace: 'my.ns' }, ['namespace']],
    ['a negative generation', { name: 'web', generation: -1 }, ['generation']],
    ['a bad timestamp', { name: 'web', creationTimestamp: 'yesterday' }, ['creationTimestamp']],
    [
      'bad labels and annotations',
      { name: 'web', labels: { 'a b': 'x' }, annotations: { 'c d': 'y' } },
      ['labels', 'annotations'],
    ],
    [
      'a non-standard, unqualified finalizer',
      { name: 'web', finalizers: ['kubernetes', 'cleanup'] },
      ['finalizers[1]'],
    ],
    [
      'owner references missing their identity',
      { name: 'web', ownerReferences: [{ apiVersion: 'apps/', kind: 'ReplicaSet', name: '' }] },
      ['ownerReferences[0].apiVersion', 'ownerReferences[0].name', 'ownerReferences[0].uid'],
    ],
    [
      'two controller owners',
      {
        name: 'web',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ],
      },
      ['ownerReferences'],
    ],
  ])('%s', (_what, input, expected) => {
    expect(fields(subdomainMeta, input)).toEqual(expected);
  });

  it('checks names by the kind’s rule', () => {
    expect(fields(subdomainMeta, { name: 'a.b' })).toEqual([]);
    expect(fields(labelMeta, { name: 'a.b' })).toEqual(['name']);
  });

  it('words the controller conflict as Kubernetes does', () => {
    const result = subdomainMeta.safeParse(
      {
        name: 'web',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ],
      },
      { reportInput: true },
    );
    expect(result.success ? [] : fieldErrorsFromIssues(result.error.issues).map((e) => e.message)).toEqual([
      'ownerReferences: Invalid value: "ReplicaSet/a": Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
    ]);
  });

  it('leaves template metadata nameless', () => {
    expect(TemplateMetaSchema.safeParse({ labels: { app: 'web' } }).success).toBe(true);
  });
});

describe('label selectors', () => {
  it.each([
    ['matchLabels', { matchLabels: { app: 'web' } }, []],
    [
      'In without values',
      { matchExpressions: [{ key: 'app', operator: 'In' }] },
      ['matchExpressions[0].values'],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] },
      ['matchExpressions[0].values'],
    ],
    [
      'an unknown operator',
      { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] },
      ['matchExpressions[0].operator'],
    ],
    [
      'a bad key and a bad value',
      { matchExpressions: [{ key: 'a b', operator: 'In', values: ['ok', 'not ok'] }] },
      ['matchExpressions[0].key', 'matchExpressions[0].values[1]'],
    ],
    ['a bad matchLabels value', { matchLabels: { app: '-x' } }, ['matchLabels']],
  ])('%s', (_what, input, expected) => {
    expect(fields(LabelSelectorSchema, input)).toEqual(expected);
  });

  const selector = (s: LabelSelector) => s;
  it.each([
    [selector({ matchLabels: { app: 'web' } }), { app: 'web', tier: 'x' }, true],
    [selector({ matchLabels: { app: 'web' } }), { app: 'db' }, false],
    [selector({ matchLabels: { app: 'web' } }), undefined, false],
    [
      selector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }),
      { tier: 'b' },
      true,
    ],
    [selector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }), {}, false],
    [selector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }), {}, true],
    [
      selector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }),
      { tier: 'a' },
      false,
    ],
    [selector({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }), { tier: '' }, true],
    [selector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }), { tier: '' }, false],
    [selector({}), { any: 'thing' }, true],
  ])('%j matches %j: %s', (s, labels, matches) => {
    expect(labelSelectorMatches(s, labels)).toBe(matches);
  });

  it('does not let inherited properties count as labels', () => {
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {})).toBe(
      false,
    );
  });

  it('knows an empty selector', () => {
    expect(isEmptySelector({})).toBe(true);
    expect(isEmptySelector({ matchLabels: {}, matchExpressions: [] })).toBe(true);
    expect(isEmptySelector({ matchLabels: { a: 'b' } })).toBe(false);
  });
});
