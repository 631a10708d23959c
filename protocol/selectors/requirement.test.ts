import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { parseLabelSelector } from './label-parse.js';
import {
  Everything,
  isEverything,
  isNothing,
  type LabelOperator,
  labelSelector,
  matchesLabels,
  matchesRequirement,
  Nothing,
  printLabelSelector,
  type Requirement,
  requirement,
  requirementErrors,
  selectorFromSet,
} from './requirement.js';
import { anyRequirement, labels as labelsArb } from './testing.js';

describe('label key and value syntax', () => {
  it.each(['app', 'A9', 'a.b-c_d', 'example.com/app', `${'a'.repeat(253)}/${'b'.repeat(63)}`])(
    'accepts the key %j',
    (key) => {
      expect(requirementErrors(key, 'Exists', [])).toEqual([]);
    },
  );

  it.each([
    ['', /name part must be non-empty/],
    ['-a', /name part must consist of alphanumeric characters/],
    ['a'.repeat(64), /name part must be no more than 63 characters/],
    ['/a', /prefix part must be non-empty/],
    ['Example.com/a', /prefix part a lowercase RFC 1123 subdomain/],
    ['a/b/c', /with an optional DNS subdomain prefix and '\/'/],
  ])('rejects the key %j', (key, message) => {
    expect(requirementErrors(key, 'Exists', []).join('; ')).toMatch(message);
  });

  it.each(['', 'web', 'a.b-c_d', '007', 'x'.repeat(63)])('accepts the value %j', (value) => {
    expect(requirementErrors('app', 'Equals', [value])).toEqual([]);
  });

  it.each([
    ['-web', /a valid label must be an empty string or consist of/],
    ['a/b', /a valid label must be/],
    ['x'.repeat(64), /must be no more than 63 characters/],
  ])('rejects the value %j', (value, message) => {
    expect(requirementErrors('app', 'Equals', [value]).join('; ')).toMatch(message);
  });
});

describe('requirement', () => {
  it('sorts and de-duplicates values, and precomputes their set', () => {
    expect(requirement('env', 'In', ['b', 'a', 'b'])).toEqual({
      key: 'env',
      operator: 'In',
      values: ['a', 'b'],
      valueSet: new Set(['a', 'b']),
    });
  });

  it.each<[string, LabelOperator, string[], RegExp]>([
    ['env', 'In', [], /values set can't be empty/],
    ['env', 'NotIn', [], /values set can't be empty/],
    ['app', 'Equals', [], /exact-match compatibility requires one single value/],
    ['app', 'DoubleEquals', ['a', 'b'], /exact-match compatibility requires one single value/],
    ['app', 'NotEquals', [], /exact-match compatibility requires one single value/],
    ['app', 'Exists', ['x'], /values set must be empty for exists and does not exist/],
    ['app', 'DoesNotExist', ['x'], /values set must be empty/],
    ['n', 'GreaterThan', [], /exactly one value is required/],
    ['n', 'LessThan', ['x'], /the value must be an integer/],
    ['n', 'GreaterThan', ['9223372036854775808'], /the value must be an integer/],
    ['n', 'GreaterThan', ['-1'], /invalid label value "-1"/],
    ['bad key', 'Exists', [], /invalid label key "bad key"/],
    ['app', 'In', ['ok', 'not ok'], /invalid label value "not ok"/],
    ['app', 'Like' as LabelOperator, ['x'], /operator 'Like' is not recognized/],
  ])('rejects %s %s %j', (key, operator, values, message) => {
    expect(requirementErrors(key, operator, values).join('; ')).toMatch(message);
    expect(() => requirement(key, operator, values)).toThrow(message);
    try {
      requirement(key, operator, values);
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
    }
  });
});

describe('labelSelector', () => {
  it('orders by key, then operator, then values, and drops duplicates', () => {
    const sel = labelSelector([
      requirement('b', 'Exists'),
      requirement('a', 'NotIn', ['x']),
      requirement('a', 'In', ['y']),
      requirement('a', 'In', ['x']),
      requirement('a', 'In', ['x']),
    ]);
    expect(printLabelSelector(sel)).toBe('a in (x),a in (y),a notin (x),b');
    expect(sel).toHaveLength(4);
  });

  it('keeps Everything and Nothing apart', () => {
    expect(isEverything(Everything)).toBe(true);
    expect(isNothing(Everything)).toBe(false);
    expect(isNothing(Nothing)).toBe(true);
    expect(isEverything(Nothing)).toBe(false);
    expect(isNothing(structuredClone(Nothing))).toBe(true);
    expect(isNothing(JSON.parse(JSON.stringify(Nothing)))).toBe(true);
    expect(matchesLabels(Everything, undefined)).toBe(true);
    expect(matchesLabels(Nothing, {})).toBe(false);
    expect(matchesLabels(Nothing, { app: 'web' })).toBe(false);
  });
});

describe('selectorFromSet', () => {
  it('requires each label to equal its value', () => {
    const sel = selectorFromSet({ tier: 'db', app: 'web' });
    expect(printLabelSelector(sel)).toBe('app=web,tier=db');
    expect(matchesLabels(sel, { app: 'web', tier: 'db', extra: 'x' })).toBe(true);
    expect(matchesLabels(sel, { app: 'web' })).toBe(false);
    expect(selectorFromSet({})).toEqual(Everything);
  });

  it('rejects an invalid label', () => {
    expect(() => selectorFromSet({ app: 'not ok' })).toThrow(/invalid label value/);
  });
});

describe('matchesLabels', () => {
  const nullPrototype: Record<string, string> = Object.assign(Object.create(null), { app: 'web' });

  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['', {}, true],
    ['', undefined, true],
    ['app=web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app=web', {}, false],
    ['app=web', undefined, false],
    ['app==web', { app: 'web' }, true],
    ['app==web', { app: 'db' }, false],
    ['app!=web', { app: 'db' }, true],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['env in (a,b)', { env: 'a' }, true],
    ['env in (a,b)', { env: 'b' }, true],
    ['env in (a,b)', { env: 'c' }, false],
    ['env in (a,b)', {}, false],
    ['env notin (a,b)', { env: 'c' }, true],
    ['env notin (a,b)', {}, true],
    ['env notin (a,b)', { env: 'a' }, false],
    ['env in ()', { env: '' }, true],
    ['key', { key: '' }, true],
    ['key', {}, false],
    ['!key', {}, true],
    ['!key', { key: 'x' }, false],
    ['app=', { app: '' }, true],
    ['app=', {}, false],
    ['n>5', { n: '6' }, true],
    ['n>5', { n: '5' }, false],
    ['n>5', { n: '007' }, true],
    ['n>5', { n: 'x' }, false],
    ['n>5', { n: '99999999999999999999' }, false],
    ['n>5', {}, false],
    ['n<5', { n: '4' }, true],
    ['n<5', { n: '5' }, false],
    ['n<5', {}, false],
    ['app=web,tier=db', { app: 'web', tier: 'db' }, true],
    ['app=web,tier=db', { app: 'web' }, false],
    // Object.prototype members are not labels.
    ['constructor', {}, false],
    ['toString!=x', {}, true],
    ['!hasOwnProperty', {}, true],
    ['app=web', nullPrototype, true],
  ])('%j on %j → %s', (text, labels, expected) => {
    expect(matchesLabels(parseLabelSelector(text), labels)).toBe(expected);
  });

  /** The Kubernetes semantics, written as plainly as possible. */
  function reference(r: Requirement, labels: Record<string, string>): boolean {
    const has = Object.hasOwn(labels, r.key);
    const value = has ? labels[r.key]! : '';
    switch (r.operator) {
      case 'In':
      case 'Equals':
      case 'DoubleEquals':
        return has && r.values.includes(value);
      case 'NotIn':
      case 'NotEquals':
        return !has || !r.values.includes(value);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'GreaterThan':
        return has && /^[0-9]{1,18}$/.test(value) && BigInt(value) > BigInt(r.values[0]!);
      case 'LessThan':
        return has && /^[0-9]{1,18}$/.test(value) && BigInt(value) < BigInt(r.values[0]!);
    }
  }

  it('agrees with a plain reference for every operator', () => {
    fc.assert(
      fc.property(anyRequirement, labelsArb, (r, labels) => {
        expect(matchesRequirement(r, labels)).toBe(reference(r, labels));
      }),
      { numRuns: 2000 },
    );
  });
});
