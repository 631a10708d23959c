/**
 * fast-check arbitraries for selector tests: valid keys, values, requirements and label maps,
 * drawn mostly from small pools so that generated selectors and labels actually meet.
 * Test-only: no production module imports this file.
 */
import fc from 'fast-check';
import { type LabelOperator, type Requirement, requirement } from './requirement.js';

// Pools include the keywords and an Object.prototype name, which have tripped parsers and maps.
const names = fc.constantFrom('app', 'tier', 'env', 'in', 'notin', 'constructor', 'a.b-c_d', 'X9');
const prefixes = fc.constantFrom('example.com', 'k8s.io', 'a-b.c');

/** A valid label key: a pooled name, a prefixed one, or a random qualified name. */
export const labelKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: names },
  { weight: 1, arbitrary: fc.tuple(prefixes, names).map(([p, n]) => `${p}/${n}`) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/) },
);

/** A valid label value, often an integer so that `>` and `<` have something to compare. */
export const labelValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', 'web', 'db', '1', '5', '10', '007', 'in') },
  { weight: 1, arbitrary: fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?)?$/) },
);

const intValue = fc.oneof(
  fc.constantFrom('0', '1', '5', '10', '007'),
  fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
);

function withOperators(
  operators: readonly LabelOperator[],
  values: fc.Arbitrary<string[]>,
): fc.Arbitrary<Requirement> {
  return fc
    .tuple(labelKey, fc.constantFrom(...operators), values)
    .map(([key, operator, vs]) => requirement(key, operator, vs));
}

/** A requirement that the manifest object form can express (no `>` or `<`). */
export const objectRequirement: fc.Arbitrary<Requirement> = fc.oneof(
  withOperators(['In', 'NotIn'], fc.uniqueArray(labelValue, { minLength: 1, maxLength: 4 })),
  withOperators(
    ['Equals', 'DoubleEquals', 'NotEquals'],
    labelValue.map((v) => [v]),
  ),
  withOperators(['Exists', 'DoesNotExist'], fc.constant([])),
);

/** Any valid requirement, with every operator. */
export const anyRequirement: fc.Arbitrary<Requirement> = fc.oneof(
  { weight: 3, arbitrary: objectRequirement },
  {
    weight: 1,
    arbitrary: withOperators(
      ['GreaterThan', 'LessThan'],
      intValue.map((v) => [v]),
    ),
  },
);

/** A label map whose keys and values come from the same pools as the selectors'. */
export const labels: fc.Arbitrary<Record<string, string>> = fc.dictionary(labelKey, labelValue, {
  maxKeys: 6,
});
