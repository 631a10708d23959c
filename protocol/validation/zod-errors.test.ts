import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invalidValue } from './field-errors.js';
import {
  atPath,
  childPath,
  fieldErrorsFromIssues,
  joinPath,
  keyPath,
  unknownFields,
  withChecks,
} from './zod-errors.js';

const schema = z.object({
  name: z.string(),
  replicas: z.int().optional(),
  policy: z.enum(['Always', 'Never']).optional(),
  port: z.union([z.int(), z.string()]).optional(),
  items: z
    .array(
      withChecks(z.object({ id: z.string() }), (item) =>
        item.id === 'bad' ? [invalidValue('id', item.id, 'is bad')] : [],
      ),
    )
    .optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

function messages(input: unknown): string[] {
  const result = schema.safeParse(input, { reportInput: true });
  return result.success ? [] : fieldErrorsFromIssues(result.error.issues).map((e) => e.message);
}

describe('fieldErrorsFromIssues', () => {
  it.each([
    ['a missing field', {}, ['name: Required value']],
    ['a wrong JSON type', { name: 5 }, ['name: Invalid value: 5: must be of type string']],
    [
      'a non-integer',
      { name: 'a', replicas: 1.5 },
      ['replicas: Invalid value: 1.5: must be of type integer'],
    ],
    [
      'an enum mismatch',
      { name: 'a', policy: 'Sometimes' },
      ['policy: Unsupported value: "Sometimes": supported values: "Always", "Never"'],
    ],
    [
      'a union of JSON types',
      { name: 'a', port: true },
      ['port: Invalid value: true: must be of type number or string'],
    ],
    [
      'a custom check, with its own path',
      { name: 'a', items: [{ id: 'ok' }, { id: 'bad' }] },
      ['items[1].id: Invalid value: "bad": is bad'],
    ],
    [
      'a wrong type in a map',
      { name: 'a', labels: { app: 1 } },
      ['labels.app: Invalid value: 1: must be of type string'],
    ],
    ['an object expected', 'text', ['Invalid value: "text": must be of type object']],
  ])('reports %s', (_what, input, expected) => {
    expect(messages(input)).toEqual(expected);
  });

  it('reports every problem at once', () => {
    expect(messages({ replicas: 'x', policy: 'No', items: [{ id: 'bad' }] })).toHaveLength(4);
  });
});

describe('paths', () => {
  it.each([
    ['spec', 'containers[0]', 'spec.containers[0]'],
    ['spec.ports', '[1].name', 'spec.ports[1].name'],
    ['', 'name', 'name'],
    ['spec', '', 'spec'],
  ])('joinPath(%j, %j) = %j', (base, relative, joined) => {
    expect(joinPath(base, relative)).toBe(joined);
  });

  it('builds child and key paths the Kubernetes way', () => {
    expect(childPath('spec', 'ports', 1, 'name')).toBe('spec.ports[1].name');
    expect(keyPath('data', 'app.conf')).toBe('data[app.conf]');
  });

  it('moves an error under a base path and rebuilds its message', () => {
    const moved = atPath(invalidValue('name', 'X', 'bad'), 'spec.containers[0]');
    expect(moved).toMatchObject({
      field: 'spec.containers[0].name',
      message: 'spec.containers[0].name: Invalid value: "X": bad',
    });
    expect(atPath(invalidValue('', 5, 'bad'), '').message).toBe('Invalid value: 5: bad');
  });
});

describe('unknownFields', () => {
  it.each([
    ['nothing dropped', { name: 'a' }, { name: 'a' }, []],
    ['a top-level field', { name: 'a', foo: 1 }, { name: 'a' }, ['foo']],
    [
      'nested, in arrays',
      { spec: { c: [{ a: 1 }, { a: 1, b: 2 }] } },
      { spec: { c: [{ a: 1 }, { a: 1 }] } },
      ['spec.c[1].b'],
    ],
    ['keys that are not identifiers', { spec: { 'x.y': 1 } }, { spec: {} }, ['spec[x.y]']],
    ['defaults added by the schema are not unknown', { a: 1 }, { a: 1, b: 2 }, []],
  ])('%s', (_what, input, parsed, expected) => {
    expect(unknownFields(input, parsed)).toEqual(expected);
  });
});
