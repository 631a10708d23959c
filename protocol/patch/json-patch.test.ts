import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { JsonValue } from './json.js';
import { applyJsonPatch, parseJsonPatch, parsePointer } from './json-patch.js';
import { deepFreeze } from './testing/fixtures.js';

/** The ApiError `fn` throws (failing the test when it throws nothing or something else). */
function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('applyJsonPatch', () => {
  // RFC 6902 Appendix A, the examples that apply.
  it.each<[string, JsonValue, JsonValue, JsonValue]>([
    [
      'A.1 adding an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'A.2 adding an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'A.3 removing an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'A.4 removing an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'A.5 replacing a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 moving an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'A.10 adding a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'A.11 ignoring unrecognized elements',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
      { foo: 'bar', baz: 'qux' },
    ],
    [
      'A.14 ~ escape ordering',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: 10 }],
      { '/': 9, '~1': 10 },
    ],
    [
      'A.16 adding an array value',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
    [
      'Kubernetes: bump replicas guarded by a test',
      { spec: { replicas: 3 } },
      [
        { op: 'test', path: '/spec/replicas', value: 3 },
        { op: 'replace', path: '/spec/replicas', value: 5 },
      ],
      { spec: { replicas: 5 } },
    ],
    [
      'Kubernetes: append a toleration with -',
      { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } },
      [{ op: 'add', path: '/spec/tolerations/-', value: { key: 'b', operator: 'Exists' } }],
      {
        spec: {
          tolerations: [
            { key: 'a', operator: 'Exists' },
            { key: 'b', operator: 'Exists' },
          ],
        },
      },
    ],
    [
      'Kubernetes: remove an annotation whose key has a /',
      { metadata: { annotations: { 'example.com/owner': 'me', keep: 'x' } } },
      [{ op: 'remove', path: '/metadata/annotations/example.com~1owner' }],
      { metadata: { annotations: { keep: 'x' } } },
    ],
    ['copy a value', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
    ['replace the whole document', { a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }], { b: 2 }],
  ])('%s', (_, target, patch, expected) => {
    expect(applyJsonPatch(deepFreeze(target), deepFreeze(patch))).toEqual(expected);
  });

  // Well-formed patches that do not apply: Kubernetes answers 422.
  it.each<[string, JsonValue, JsonValue]>([
    ['A.9 testing a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]],
    ['A.12 adding to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]],
    ['removing a missing member', { a: 1 }, [{ op: 'remove', path: '/b' }]],
    ['replacing a missing member', { a: 1 }, [{ op: 'replace', path: '/b', value: 2 }]],
    ['adding past the end of an array', { a: [1] }, [{ op: 'add', path: '/a/2', value: 2 }]],
    ['an index with a leading zero', { a: [1, 2] }, [{ op: 'remove', path: '/a/01' }]],
    ['testing the append position', { a: [1] }, [{ op: 'test', path: '/a/-', value: 1 }]],
    ['moving a value into its own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]],
    ['removing the whole document', { a: 1 }, [{ op: 'remove', path: '' }]],
  ])('%s is 422 Invalid', (_, target, patch) => {
    const error = thrown(() => applyJsonPatch(target, patch));
    expect(error.reason).toBe('Invalid');
    expect(error.code).toBe(422);
  });

  // Patch documents that cannot be decoded: 400, before any operation runs.
  it.each<[string, JsonValue]>([
    ['not a list', { op: 'add', path: '/a', value: 1 }],
    ['an operation that is not an object', ['add']],
    ['an unknown op', [{ op: 'merge', path: '/a', value: 1 }]],
    ['a missing path', [{ op: 'remove' }]],
    ['a missing value', [{ op: 'add', path: '/a' }]],
    ['a missing from', [{ op: 'copy', path: '/a' }]],
    ['a path without a leading slash', [{ op: 'add', path: 'a', value: 1 }]],
    ['a bad ~ escape', [{ op: 'add', path: '/a~2', value: 1 }]],
  ])('%s is 400 BadRequest', (_, patch) => {
    const error = thrown(() => applyJsonPatch({ a: 1 }, patch));
    expect(error.reason).toBe('BadRequest');
    expect(error.code).toBe(400);
  });

  it('applies all operations or none: a failing test leaves nothing half-done', () => {
    const target = deepFreeze({ spec: { replicas: 3 } });
    const patch = [
      { op: 'replace', path: '/spec/replicas', value: 10 },
      { op: 'test', path: '/spec/replicas', value: 3 },
    ];
    expect(thrown(() => applyJsonPatch(target, patch)).code).toBe(422);
    expect(target).toEqual({ spec: { replicas: 3 } });
  });

  it('adds a __proto__ member as data, never as a prototype', () => {
    const patch = JSON.parse('[{"op": "add", "path": "/__proto__", "value": {"polluted": true}}]') as unknown;
    const out = applyJsonPatch({}, patch) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a test of what the document holds always passes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (doc, key) => {
        const path = `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        const withKey = applyJsonPatch(doc, [{ op: 'add', path, value: 'x' }]);
        expect(applyJsonPatch(withKey, [{ op: 'test', path, value: 'x' }])).toEqual(withKey);
      }),
    );
  });
});

describe('parsePointer', () => {
  // RFC 6901 section 5, the example document and its pointers.
  const rfc = deepFreeze({
    foo: ['bar', 'baz'],
    '': 0,
    'a/b': 1,
    'c%d': 2,
    'e^f': 3,
    'g|h': 4,
    'i\\j': 5,
    'k"l': 6,
    ' ': 7,
    'm~n': 8,
  });
  it.each<[string, JsonValue]>([
    ['', rfc],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('RFC 6901: %j points at %j', (pointer, value) => {
    expect(() => applyJsonPatch(rfc, [{ op: 'test', path: pointer, value }])).not.toThrow();
  });

  it.each([
    ['', []],
    ['/a~1b/m~0n', ['a/b', 'm~n']],
    ['/~01', ['~1']],
    ['/spec/containers/-', ['spec', 'containers', '-']],
  ])('%j splits into %j', (pointer, tokens) => {
    expect(parsePointer(pointer)).toEqual(tokens);
  });

  it('parseJsonPatch keeps only the members each op uses', () => {
    expect(parseJsonPatch([{ op: 'move', from: '/a', path: '/b', value: 1 }])).toEqual([
      { op: 'move', from: '/a', path: '/b' },
    ]);
  });
});
