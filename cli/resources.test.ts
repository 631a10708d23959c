import { describe, expect, it } from 'vitest';
import { kindPrefix, parseResourceArgs, resolveType, resolveTypes } from './resources.js';

const summary = (args: string[]) =>
  parseResourceArgs(args).map((r) => `${r.type.plural}:${r.names.join('+')}`);

describe('resource arguments', () => {
  it.each([
    ['po', 'pods'],
    ['pod', 'pods'],
    ['Pods', 'pods'],
    ['deploy', 'deployments'],
    ['deployment.apps', 'deployments'],
    ['rs', 'replicasets'],
    ['svc', 'services'],
    ['ns', 'namespaces'],
    ['no', 'nodes'],
    ['ds', 'daemonsets'],
    ['ep', 'endpoints'],
    ['ev', 'events'],
    ['cm', 'configmaps'],
    ['secret', 'secrets'],
    ['job', 'jobs'],
  ])('%s is %s', (name, plural) => {
    expect(resolveType(name).plural).toBe(plural);
  });

  it('refuses an unknown type in kubectl words', () => {
    expect(() => resolveType('foo')).toThrow('the server doesn\'t have a resource type "foo"');
    expect(() => resolveType('deployments.batch')).toThrow('resource type "deployments.batch"');
  });

  it("expands all into kubectl's set", () => {
    expect(resolveTypes('all').map((t) => t.plural)).toEqual([
      'pods',
      'services',
      'daemonsets',
      'deployments',
      'replicasets',
      'jobs',
    ]);
  });

  it.each([
    [['pods'], ['pods:']],
    [['pods,svc'], ['pods:', 'services:']],
    [['po', 'a', 'b'], ['pods:a+b']],
    [
      ['pod/a', 'svc/b', 'po/c'],
      ['pods:a+c', 'services:b'],
    ],
  ])('%j', (args, expected) => {
    expect(summary(args)).toEqual(expected);
  });

  it('refuses mixing TYPE NAME with TYPE/NAME, and no type at all', () => {
    expect(() => parseResourceArgs(['pods', 'pod/a'])).toThrow(/no need to specify a resource type/);
    expect(() => parseResourceArgs([])).toThrow('Required resource not specified.');
  });

  it.each([
    ['pods', 'pod'],
    ['deployments', 'deployment.apps'],
    ['jobs', 'job.batch'],
  ])('kind prefix of %s is %s', (type, prefix) => {
    expect(kindPrefix(resolveType(type))).toBe(prefix);
  });
});
