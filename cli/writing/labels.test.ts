import { describe, expect, it } from 'vitest';
import { parseMapChanges, planMapChange } from './labels.js';
import { splitMapArgs } from './map-verb.js';

describe('parseMapChanges', () => {
  it('splits k=v and k-', () => {
    const c = parseMapChanges(['app=web', 'tier=', 'old-'], 'label');
    expect([...c.set]).toEqual([
      ['app', 'web'],
      ['tier', ''],
    ]);
    expect(c.remove).toEqual(['old']);
  });
  it.each([
    [[], 'label', 'at least one label update is required'],
    [[], 'annotation', 'at least one annotation update is required'],
    [['nonsense'], 'label', 'invalid label spec: nonsense'],
    [['a=1', 'a-'], 'label', 'can not both modify and remove label in the same command'],
  ] as const)('%j (%s) is refused: %s', (args, kind, message) => {
    expect(() => parseMapChanges(args, kind)).toThrow(message);
  });
});

describe('splitMapArgs', () => {
  it.each([
    [
      ['pod', 'web', 'a=b', 'c-'],
      ['pod', 'web'],
      ['a=b', 'c-'],
    ],
    [['deploy/web', 'a=b'], ['deploy/web'], ['a=b']],
    [['pods', 'a-'], ['pods'], ['a-']],
  ])('%j', (args, resources, changes) => {
    expect(splitMapArgs(args)).toEqual({ resources, changes });
  });
});

describe('planMapChange', () => {
  const current = { app: 'web', tier: 'front' };
  it.each([
    ['a new label', ['team=a'], false, { team: 'a' }, 'labeled', []],
    ['the same value again', ['app=web'], false, {}, 'not labeled', []],
    ['a removal', ['tier-'], false, { tier: null }, 'unlabeled', []],
    ['removing a missing label', ['nope-'], false, {}, 'not labeled', ['label "nope" not found.']],
    ['a changed value with --overwrite', ['app=db'], true, { app: 'db' }, 'labeled', []],
    ['a removal with --overwrite', ['tier-'], true, { tier: null }, 'labeled', []],
  ])('label: %s', (_what, args, overwrite, patch, verb, notes) => {
    const plan = planMapChange(current, parseMapChanges(args, 'label'), { kind: 'label', overwrite });
    expect(plan).toEqual({ patch, verb, notes });
  });

  it("refuses to change a label without --overwrite, in kubectl's words", () => {
    expect(() =>
      planMapChange(current, parseMapChanges(['app=db'], 'label'), { kind: 'label', overwrite: false }),
    ).toThrow("'app' already has a value (web), and --overwrite is false");
  });

  it("refuses to change annotations without --overwrite, in kubectl's words", () => {
    expect(() =>
      planMapChange({ a: '1' }, parseMapChanges(['a=2'], 'annotation'), {
        kind: 'annotation',
        overwrite: false,
      }),
    ).toThrow(
      "--overwrite is false but found the following declared annotation(s): 'a' already has a value (1)",
    );
  });

  it('annotate always says annotated', () => {
    const plan = planMapChange({}, parseMapChanges(['x-'], 'annotation'), {
      kind: 'annotation',
      overwrite: false,
    });
    expect(plan).toEqual({ patch: {}, verb: 'annotated', notes: [] });
  });
});
