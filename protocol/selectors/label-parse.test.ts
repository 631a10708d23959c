import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { lexLabelSelector } from './label-lexer.js';
import { parseLabelSelector } from './label-parse.js';
import { labelSelector, matchesLabels, printLabelSelector, requirement } from './requirement.js';
import { anyRequirement, labels as labelsArb } from './testing.js';

/** The error `fn` throws; fails the test when it throws nothing. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('lexLabelSelector', () => {
  it('splits symbols greedily and keeps keywords as identifiers', () => {
    expect(lexLabelSelector('a!=b,c==d,!e,f in (g),h>1,i<2,j=!k').map((t) => t.text)).toEqual(
      // The trailing '' is the text of the `end` token.
      'a != b , c == d , ! e , f in ( g ) , h > 1 , i < 2 , j = ! k '.split(' '),
    );
  });
});

describe('parseLabelSelector', () => {
  it.each([
    ['', ''],
    ['   ', ''],
    ['app=web', 'app=web'],
    ['app==web', 'app==web'],
    ['tier!=db', 'tier!=db'],
    ['env in (a,b)', 'env in (a,b)'],
    ['env in (b, a, a)', 'env in (a,b)'],
    ['env notin (a)', 'env notin (a)'],
    ['key', 'key'],
    ['!key', '!key'],
    [' ! key ', '!key'],
    ['app=', 'app='],
    ['app=,tier', 'app=,tier'],
    ['app==', 'app=='],
    ['b=1,a=2', 'a=2,b=1'],
    ['n>5', 'n>5'],
    ['n<5', 'n<5'],
    ['n > 007', 'n>007'],
    ['in in (in)', 'in in (in)'],
    ['notin notin (notin)', 'notin notin (notin)'],
    ['in,notin', 'in,notin'],
    ['app=in', 'app=in'],
    ['env in ()', 'env in ()'],
    ['env in (,a)', 'env in (,a)'],
    ['env in (a,)', 'env in (,a)'],
    ['env in (a,,b)', 'env in (,a,b)'],
    ['env in (,,,)', 'env in ()'],
    ['example.com/app=web', 'example.com/app=web'],
    ['x=a,x=a', 'x=a'],
    ['app = web , tier in ( a , b )', 'app=web,tier in (a,b)'],
    ['\tapp\n=\rweb', 'app=web'],
    ['tier in (db),app=web,!canary,env notin (prod)', 'app=web,!canary,env notin (prod),tier in (db)'],
  ])('%j prints as %j', (text, printed) => {
    expect(printLabelSelector(parseLabelSelector(text))).toBe(printed);
  });

  it('builds the canonical requirements', () => {
    expect(parseLabelSelector('tier!=db, env in (b,a), !canary')).toEqual(
      labelSelector([
        requirement('canary', 'DoesNotExist'),
        requirement('env', 'In', ['a', 'b']),
        requirement('tier', 'NotEquals', ['db']),
      ]),
    );
  });

  it.each([
    ['(a)', "found '(', expected: !, identifier, or 'end of string'"],
    [')', "found ')', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['a=b)', "found ')', expected: ',' or 'end of string'"],
    ['app=web=x', "found '=', expected: ',' or 'end of string'"],
    ['!app=web', "found '=', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, >, <"],
    ['a (b)', "unable to parse requirement: found '(', expected: in, notin"],
    ['app=(', "unable to parse requirement: found '(', expected: identifier"],
    ['env in a', "unable to parse requirement: found 'a', expected: '('"],
    ['env in ((a)', "unable to parse requirement: found '(', expected: ',', ')' or identifier"],
    ['env in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['env in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['env in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    // Kubernetes' own quirk: `(,,)` fails where `(,)` and `(,,,)` parse.
    ['env in (,,)', "unable to parse requirement: found ')', expected: ',', or identifier"],
    ['-a=1', 'unable to parse requirement: invalid label key "-a"'],
    ['a/b/c', 'unable to parse requirement: invalid label key "a/b/c"'],
    ['Example.com/a', 'prefix part a lowercase RFC 1123 subdomain'],
    ['app=-web', 'unable to parse requirement: invalid label value "-web"'],
    [`app=${'x'.repeat(64)}`, 'must be no more than 63 characters'],
    ['env in (a,-b)', 'invalid label value "-b"'],
    ['n>a', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['n<', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['n>-1', 'invalid label value "-1"'],
  ])('rejects %j: %s', (text, message) => {
    const err = thrown(() => parseLabelSelector(text));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe('BadRequest');
    expect((err as ApiError).message).toContain(message);
  });

  it('names the column and the text', () => {
    expect(() => parseLabelSelector('app=web,tier in ((x)')).toThrow(
      `unable to parse requirement: found '(', expected: ',', ')' or identifier (column 18 of "app=web,tier in ((x)")`,
    );
  });

  it('print and parse agree: printing is stable and matching is unchanged', () => {
    fc.assert(
      fc.property(fc.array(anyRequirement, { maxLength: 5 }), labelsArb, (requirements, labels) => {
        const printed = printLabelSelector(requirements);
        const parsed = parseLabelSelector(printed);
        expect(printLabelSelector(parsed)).toBe(printed);
        expect(parsed).toEqual(labelSelector(requirements));
        expect(matchesLabels(parsed, labels)).toBe(matchesLabels(requirements, labels));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but a BadRequest, whatever the text', () => {
    const alphabet = fc.constantFrom(...'ab=!(),<> \tin/.-_1'.split(''), 'in', 'notin');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 20 }), (parts) => {
        const text = parts.join('');
        try {
          const sel = parseLabelSelector(text);
          expect(parseLabelSelector(printLabelSelector(sel))).toEqual(sel);
        } catch (err) {
          expect(err).toBeInstanceOf(ApiError);
          expect((err as ApiError).reason).toBe('BadRequest');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
