import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import {
  fromLabelSelectorObject,
  toLabelSelectorObject,
  validateLabelSelectorObject,
} from './label-object.js';
import { parseLabelSelector } from './label-parse.js';
import {
  Everything,
  isEverything,
  isNothing,
  type LabelSelector,
  matchesLabels,
  Nothing,
  printLabelSelector,
} from './requirement.js';
import { labels as labelsArb, objectRequirement } from './testing.js';

const path = 'spec.selector';

describe('validateLabelSelectorObject', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['empty', {}],
    ['null parts', { matchLabels: null, matchExpressions: null }],
    ['matchLabels', { matchLabels: { app: 'web', 'example.com/tier': '' } }],
    [
      'every operator',
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x'] },
          { key: 'b', operator: 'NotIn', values: ['x', 'y'] },
          { key: 'c', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist', values: [] },
        ],
      },
    ],
  ])('accepts %s', (_, obj) => {
    expect(validateLabelSelectorObject(obj, path)).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    [
      'In without values',
      { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] },
      [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    ],
    [
      'NotIn with values missing',
      {
        matchExpressions: [
          { key: 'app', operator: 'In', values: ['a'] },
          { key: 'app', operator: 'NotIn' },
        ],
      },
      [
        "spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] },
      [
        "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      ],
    ],
    [
      'an unknown operator',
      { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] },
      [
        'spec.selector.matchExpressions[0].operator: Unsupported value: "Gt": supported values: "In", "NotIn", "Exists", "DoesNotExist"',
      ],
    ],
    [
      'a missing operator and key',
      { matchExpressions: [{}] },
      [
        'spec.selector.matchExpressions[0].operator: Required value',
        'spec.selector.matchExpressions[0].key: Required value',
      ],
    ],
    [
      'a bad value',
      { matchExpressions: [{ key: 'app', operator: 'In', values: ['ok', 'not ok'] }] },
      ['spec.selector.matchExpressions[0].values[1]: Invalid value: "not ok": a valid label must be'],
    ],
    [
      'a value that is not a string',
      { matchExpressions: [{ key: 'app', operator: 'In', values: [3] }] },
      ['spec.selector.matchExpressions[0].values[0]: Invalid value: 3: must be of type string'],
    ],
    [
      'values that are not a list',
      { matchExpressions: [{ key: 'app', operator: 'In', values: 'a' }] },
      [
        'spec.selector.matchExpressions[0].values: Invalid value: "a": must be of type array',
        'spec.selector.matchExpressions[0].values: Required value',
      ],
    ],
    [
      'a bad key',
      { matchExpressions: [{ key: '-app', operator: 'Exists' }] },
      ['spec.selector.matchExpressions[0].key: Invalid value: "-app": name part must consist'],
    ],
    [
      'a key that is not a string',
      { matchExpressions: [{ key: 7, operator: 'Exists' }] },
      ['spec.selector.matchExpressions[0].key: Invalid value: 7: must be of type string'],
    ],
    [
      'a bad matchLabels key',
      { matchLabels: { 'a b': 'x' } },
      ['spec.selector.matchLabels: Invalid value: "a b": name part must consist'],
    ],
    [
      'a bad matchLabels value',
      { matchLabels: { app: 'x y' } },
      ['spec.selector.matchLabels: Invalid value: "x y": a valid label must be'],
    ],
    [
      'a matchLabels value that is not a string',
      { matchLabels: { app: 5 } },
      ['spec.selector.matchLabels[app]: Invalid value: 5: must be of type string'],
    ],
    [
      'matchLabels that is a list',
      { matchLabels: ['a'] },
      ['spec.selector.matchLabels: Invalid value: ["a"]'],
    ],
    [
      'matchExpressions that is an object',
      { matchExpressions: {} },
      ['spec.selector.matchExpressions: Invalid value'],
    ],
    [
      'an entry that is not an object',
      { matchExpressions: ['app'] },
      ['spec.selector.matchExpressions[0]: Invalid'],
    ],
    [
      'a selector that is a string',
      'app=web',
      ['spec.selector: Invalid value: "app=web": must be of type object'],
    ],
  ])('reports %s', (_, obj, messages) => {
    const errors = validateLabelSelectorObject(obj, path);
    expect(errors).toHaveLength(messages.length);
    errors.forEach((e, i) => {
      expect(e.message.startsWith(messages[i]!)).toBe(true);
    });
  });
});

describe('fromLabelSelectorObject', () => {
  it('maps a missing object to Nothing and an empty one to Everything', () => {
    expect(fromLabelSelectorObject(null)).toBe(Nothing);
    expect(fromLabelSelectorObject(undefined)).toBe(Nothing);
    expect(isEverything(fromLabelSelectorObject({}))).toBe(true);
    expect(isEverything(fromLabelSelectorObject({ matchLabels: {}, matchExpressions: [] }))).toBe(true);
    expect(matchesLabels(fromLabelSelectorObject(null), {})).toBe(false);
    expect(matchesLabels(fromLabelSelectorObject({}), {})).toBe(true);
  });

  it('ANDs matchLabels with matchExpressions', () => {
    const sel = fromLabelSelectorObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(isNothing(sel)).toBe(false);
    expect(printLabelSelector(sel as LabelSelector)).toBe('app=web,!canary,tier in (a,b)');
    expect(matchesLabels(sel, { app: 'web', tier: 'a' })).toBe(true);
    expect(matchesLabels(sel, { app: 'web', tier: 'a', canary: 'yes' })).toBe(false);
  });

  it('throws a BadRequest whose causes name the fields', () => {
    let err: unknown;
    try {
      fromLabelSelectorObject({ matchExpressions: [{ key: 'app', operator: 'In' }] }, 'spec.selector');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe('BadRequest');
    expect((err as ApiError).status.details?.causes).toEqual([
      {
        reason: 'FieldValueRequired',
        field: 'spec.selector.matchExpressions[0].values',
        message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
      },
    ]);
  });
});

describe('toLabelSelectorObject', () => {
  it.each<[string, unknown]>([
    ['', {}],
    ['app=web,tier==db', { matchLabels: { app: 'web', tier: 'db' } }],
    [
      'app=x,app=y',
      { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['y'] }] },
    ],
    ['app!=web', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }],
    [
      'env in (b,a),!canary,tier',
      {
        matchExpressions: [
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'env', operator: 'In', values: ['a', 'b'] },
          { key: 'tier', operator: 'Exists' },
        ],
      },
    ],
  ])('%j → %j', (text, obj) => {
    expect(toLabelSelectorObject(parseLabelSelector(text))).toEqual(obj);
  });

  it('maps Nothing to null and Everything to {}', () => {
    expect(toLabelSelectorObject(Nothing)).toBeNull();
    expect(toLabelSelectorObject(Everything)).toEqual({});
  });

  it.each(['n>5', 'n<5'])('cannot express %j', (text) => {
    expect(() => toLabelSelectorObject(parseLabelSelector(text))).toThrow(/has no LabelSelector object form/);
  });

  it('round-trips through the object form with identical matching', () => {
    fc.assert(
      fc.property(fc.array(objectRequirement, { maxLength: 5 }), labelsArb, (requirements, labels) => {
        const obj = toLabelSelectorObject(requirements);
        expect(validateLabelSelectorObject(obj, path)).toEqual([]);
        const back = fromLabelSelectorObject(JSON.parse(JSON.stringify(obj)));
        expect(isNothing(back)).toBe(false);
        expect(matchesLabels(back, labels)).toBe(matchesLabels(requirements, labels));
      }),
      { numRuns: 1000 },
    );
  });
});
