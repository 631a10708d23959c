import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { JsonValue } from './json.js';
import { applyMergePatch, createMergePatch } from './merge.js';
import { deepFreeze } from './testing/fixtures.js';

describe('applyMergePatch', () => {
  // RFC 7386 Appendix A, every row.
  it.each<[JsonValue, JsonValue, JsonValue]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('RFC 7386 A: %j patched with %j is %j', (target, patch, expected) => {
    expect(applyMergePatch(deepFreeze(target), deepFreeze(patch))).toEqual(expected);
  });

  it('RFC 7386 section 3: the example document', () => {
    const target = {
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    };
    const patch = {
      title: 'Hello!',
      phoneNumber: '+01-123-456-7890',
      author: { familyName: null },
      tags: ['example'],
    };
    expect(applyMergePatch(deepFreeze(target), deepFreeze(patch))).toEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  it.each([
    ['scales a Deployment', { spec: { replicas: 5 } }, { replicas: 5, paused: true, ports: [80, 443] }],
    ['drops a field set to null', { spec: { paused: null } }, { replicas: 3, ports: [80, 443] }],
    ['replaces a list whole', { spec: { ports: [9090] } }, { replicas: 3, paused: true, ports: [9090] }],
  ])('Kubernetes: %s', (_, patch, spec) => {
    const deployment = deepFreeze({
      kind: 'Deployment',
      spec: { replicas: 3, paused: true, ports: [80, 443] },
    });
    expect(applyMergePatch(deployment, patch)).toEqual({ kind: 'Deployment', spec });
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'stores a %s key as data and pollutes no prototype',
    (key) => {
      const patch = JSON.parse(`{"metadata": {"${key}": {"polluted": true}}}`) as unknown;
      const out = applyMergePatch({ metadata: { name: 'web' } }, patch) as { metadata: object };
      expect(Object.getPrototypeOf(out.metadata)).toBe(Object.prototype);
      expect(Object.hasOwn(out.metadata, key)).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('rejects values that are not JSON with 400', () => {
    const error = (() => {
      try {
        return applyMergePatch({ a: 1 }, { a: () => 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(400);
  });
});

describe('createMergePatch', () => {
  it.each<[string, JsonValue, JsonValue, JsonValue]>([
    ['equal objects', { a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 } }, {}],
    ['a changed member only', { a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 9, d: 3 } }, { b: { c: 9 } }],
    ['a removed member as null', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['a changed list whole', { ports: [80, 443] }, { ports: [80] }, { ports: [80] }],
    ['a non-object replaces', { a: 1 }, [1, 2], [1, 2]],
    ['an object replacing a scalar', { a: 1 }, { a: { b: 2 } }, { a: { b: 2 } }],
  ])('%s', (_, original, modified, expected) => {
    expect(createMergePatch(deepFreeze(original), deepFreeze(modified))).toEqual(expected);
  });

  // Objects without null members: RFC 7386 cannot set a member to null, only delete it.
  const key = fc.constantFrom('a', 'b', 'c', 'spec', 'metadata', 'replicas', '__proto__', 'constructor');
  const { json } = fc.letrec<{ json: JsonValue; object: JsonValue }>((tie) => ({
    json: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(fc.string(), fc.integer(), fc.boolean()),
      fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
      tie('object'),
    ),
    object: fc.dictionary(key, tie('json'), { maxKeys: 4 }),
  }));

  it('applyMergePatch(a, createMergePatch(a, b)) equals b, without touching a or b', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const patch = createMergePatch(deepFreeze(a), deepFreeze(b));
        expect(applyMergePatch(a, patch)).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });
});
