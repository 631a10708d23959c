import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import {
  checkFieldsSupported,
  escapeFieldValue,
  type FieldRequirement,
  matchesFields,
  oneTermEqualSelector,
  parseFieldSelector,
  printFieldSelector,
  requirementsFor,
  requiresExactMatch,
  unescapeFieldValue,
} from './field.js';

const eq = (field: string, value: string): FieldRequirement => ({ field, operator: 'Equals', value });
const ne = (field: string, value: string): FieldRequirement => ({ field, operator: 'NotEquals', value });

/** A getter over a flat map of field values, as a resource's field function would be. */
const fields =
  (values: Record<string, string>) =>
  (field: string): string | undefined =>
    Object.hasOwn(values, field) ? values[field] : undefined;

describe('parseFieldSelector', () => {
  it.each<[string, FieldRequirement[]]>([
    ['', []],
    [',', []],
    ['a=b', [eq('a', 'b')]],
    ['a==b', [eq('a', 'b')]],
    ['a!=b', [ne('a', 'b')]],
    ['a=', [eq('a', '')]],
    ['a==', [eq('a', '')]],
    ['a!=', [ne('a', '')]],
    ['c!=d,a=b', [eq('a', 'b'), ne('c', 'd')]],
    ['a=b,,c=d', [eq('a', 'b'), eq('c', 'd')]],
    ['a=b,a=b', [eq('a', 'b')]],
    ['a=b\\,c', [eq('a', 'b,c')]],
    ['a=b\\=c', [eq('a', 'b=c')]],
    ['a=b\\\\c', [eq('a', 'b\\c')]],
    ['a=\\\\', [eq('a', '\\')]],
    ['a=!b', [eq('a', '!b')]],
    ['a=b c', [eq('a', 'b c')]],
    [' spec.nodeName=n1, status.phase!=Running', [eq('spec.nodeName', 'n1'), ne('status.phase', 'Running')]],
    ['metadata.name=web.1', [eq('metadata.name', 'web.1')]],
  ])('%j', (text, expected) => {
    expect(parseFieldSelector(text)).toEqual(expected);
  });

  it.each([
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: ='],
    ['a===b', 'invalid field selector: unescaped character in value: ='],
    ['a!==b', 'invalid field selector: unescaped character in value: ='],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('rejects %j', (text, message) => {
    expect(() => parseFieldSelector(text)).toThrow(message);
    expect(() => parseFieldSelector(text)).toThrow(ApiError);
  });
});

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
    ['\\,=', '\\\\\\,\\='],
  ])('%j ⇄ %j', (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });

  it('unescape inverts escape for every string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        expect(unescapeFieldValue(escapeFieldValue(value))).toBe(value);
      }),
    );
  });
});

describe('printFieldSelector', () => {
  it('prints sorted terms with escaped values', () => {
    expect(printFieldSelector([ne('z', 'x'), eq('a', 'x,y=z\\')])).toBe('a=x\\,y\\=z\\\\,z!=x');
    expect(printFieldSelector([])).toBe('');
  });

  it('round-trips any values, and matching agrees', () => {
    const field = fc.constantFrom('metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase');
    const value = fc.oneof(fc.constantFrom('', 'n1', 'Running', '=', ',', '!', '\\'), fc.string());
    const term = fc
      .tuple(field, fc.constantFrom('Equals' as const, 'NotEquals' as const), value)
      .map(([f, operator, v]): FieldRequirement => ({ field: f, operator, value: v }));
    const object = fc.dictionary(field, value);
    fc.assert(
      fc.property(fc.array(term, { maxLength: 5 }), object, (sel, obj) => {
        const printed = printFieldSelector(sel);
        const parsed = parseFieldSelector(printed);
        expect(printFieldSelector(parsed)).toBe(printed);
        expect(matchesFields(parsed, fields(obj))).toBe(matchesFields(sel, fields(obj)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('matchesFields', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['', {}, true],
    ['spec.nodeName=n1', { 'spec.nodeName': 'n1' }, true],
    ['spec.nodeName=n1', { 'spec.nodeName': 'n2' }, false],
    ['spec.nodeName=n1', {}, false],
    // A missing field reads as "": this is how `spec.nodeName=` finds unscheduled pods.
    ['spec.nodeName=', {}, true],
    ['spec.nodeName==', { 'spec.nodeName': 'n1' }, false],
    ['spec.nodeName!=', { 'spec.nodeName': 'n1' }, true],
    ['spec.nodeName!=', {}, false],
    ['status.phase!=Running', { 'status.phase': 'Pending' }, true],
    ['status.phase!=Running', {}, true],
    ['status.phase!=Running', { 'status.phase': 'Running' }, false],
    ['a=1,b=2', { a: '1', b: '2' }, true],
    ['a=1,b=2', { a: '1', b: '3' }, false],
  ])('%j on %j → %s', (text, obj, expected) => {
    expect(matchesFields(parseFieldSelector(text), fields(obj))).toBe(expected);
  });
});

describe('index helpers', () => {
  const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed,status.phase!=Succeeded');

  it('lists the terms on one field', () => {
    expect(requirementsFor(sel, 'status.phase')).toEqual([
      ne('status.phase', 'Failed'),
      ne('status.phase', 'Succeeded'),
    ]);
    expect(requirementsFor(sel, 'metadata.name')).toEqual([]);
  });

  it('finds the value a field is pinned to', () => {
    expect(requiresExactMatch(sel, 'spec.nodeName')).toBe('n1');
    expect(requiresExactMatch(sel, 'status.phase')).toBeUndefined();
    expect(requiresExactMatch(oneTermEqualSelector('spec.nodeName', 'a,b'), 'spec.nodeName')).toBe('a,b');
    expect(printFieldSelector(oneTermEqualSelector('spec.nodeName', 'a,b'))).toBe('spec.nodeName=a\\,b');
  });
});

describe('checkFieldsSupported', () => {
  const supported = ['metadata.name', 'metadata.namespace'];

  it('accepts supported fields', () => {
    expect(() =>
      checkFieldsSupported(parseFieldSelector('metadata.name=a'), supported, 'configmaps'),
    ).not.toThrow();
    expect(() => checkFieldsSupported([], supported, 'configmaps')).not.toThrow();
  });

  it('names the unsupported field and the supported ones', () => {
    let err: unknown;
    try {
      checkFieldsSupported(parseFieldSelector('metadata.name=a,foo=b'), supported, 'configmaps');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toBe(
      'field label not supported: foo ("foo" is not a known field selector for configmaps: only "metadata.name", "metadata.namespace")',
    );
  });
});
