import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuantityError } from './errors.js';
import {
  compareQuantity,
  formatQuantity,
  isQuantity,
  parseQuantity,
  QUANTITY_FORMAT_MESSAGE,
  QUANTITY_RANGE_MESSAGE,
  QUANTITY_SUFFIX_MESSAGE,
  type QuantityFormat,
  quantityFromInt,
  quantityFromMilli,
  toInt,
  toMilli,
} from './quantity.js';

describe('parseQuantity', () => {
  it.each<[string, bigint, QuantityFormat]>([
    ['0', 0n, 'DecimalSI'],
    ['-0', 0n, 'DecimalSI'],
    ['0Mi', 0n, 'BinarySI'],
    ['1', 1_000_000_000n, 'DecimalSI'],
    ['+1', 1_000_000_000n, 'DecimalSI'],
    ['-1', -1_000_000_000n, 'DecimalSI'],
    ['0.5', 500_000_000n, 'DecimalSI'],
    ['.5', 500_000_000n, 'DecimalSI'],
    ['1.', 1_000_000_000n, 'DecimalSI'],
    ['007', 7_000_000_000n, 'DecimalSI'],
    ['100m', 100_000_000n, 'DecimalSI'],
    ['1n', 1n, 'DecimalSI'],
    ['1u', 1_000n, 'DecimalSI'],
    ['2k', 2_000_000_000_000n, 'DecimalSI'],
    ['1M', 10n ** 15n, 'DecimalSI'],
    ['1G', 10n ** 18n, 'DecimalSI'],
    ['1T', 10n ** 21n, 'DecimalSI'],
    ['1P', 10n ** 24n, 'DecimalSI'],
    ['1E', 10n ** 27n, 'DecimalSI'],
    ['1Ki', 1024n * 10n ** 9n, 'BinarySI'],
    ['128Mi', 128n * 2n ** 20n * 10n ** 9n, 'BinarySI'],
    ['1Gi', 2n ** 30n * 10n ** 9n, 'BinarySI'],
    ['1.5Gi', 1_610_612_736n * 10n ** 9n, 'BinarySI'],
    ['1Ti', 2n ** 40n * 10n ** 9n, 'BinarySI'],
    ['1Pi', 2n ** 50n * 10n ** 9n, 'BinarySI'],
    ['7Ei', 7n * 2n ** 60n * 10n ** 9n, 'BinarySI'],
    ['0.1Ki', 102_400_000_000n, 'BinarySI'],
    ['1e3', 10n ** 12n, 'DecimalExponent'],
    ['1E3', 10n ** 12n, 'DecimalExponent'],
    ['1e+3', 10n ** 12n, 'DecimalExponent'],
    ['1.5e3', 1500n * 10n ** 9n, 'DecimalExponent'],
    ['12e-3', 12_000_000n, 'DecimalExponent'],
    ['1e0', 10n ** 9n, 'DecimalExponent'],
    // Finer than a nano-unit rounds up (away from zero), as in Kubernetes.
    ['0.1n', 1n, 'DecimalSI'],
    ['-0.1n', -1n, 'DecimalSI'],
    ['1.0000000001', 1_000_000_001n, 'DecimalSI'],
    ['1e-1000000000', 1n, 'DecimalExponent'],
    ['9223372036854775807', (2n ** 63n - 1n) * 10n ** 9n, 'DecimalSI'],
  ])('%j', (text, nanos, format) => {
    expect(parseQuantity(text)).toEqual({ nanos, format });
    expect(isQuantity(text)).toBe(true);
  });

  it.each([
    ['', QUANTITY_FORMAT_MESSAGE],
    [' 1', QUANTITY_FORMAT_MESSAGE],
    ['1 ', QUANTITY_FORMAT_MESSAGE],
    ['abc', QUANTITY_FORMAT_MESSAGE],
    ['.', QUANTITY_FORMAT_MESSAGE],
    ['+', QUANTITY_FORMAT_MESSAGE],
    ['e3', QUANTITY_FORMAT_MESSAGE],
    ['--1', QUANTITY_FORMAT_MESSAGE],
    ['1.2.3', QUANTITY_FORMAT_MESSAGE],
    ['1e3.5', QUANTITY_FORMAT_MESSAGE],
    ['1Kb', QUANTITY_FORMAT_MESSAGE],
    ['1,5', QUANTITY_FORMAT_MESSAGE],
    ['1K', QUANTITY_SUFFIX_MESSAGE],
    ['1ki', QUANTITY_SUFFIX_MESSAGE],
    ['1e', QUANTITY_SUFFIX_MESSAGE],
    ['1ee3', QUANTITY_SUFFIX_MESSAGE],
    ['1Mi3', QUANTITY_SUFFIX_MESSAGE],
    ['1mi', QUANTITY_SUFFIX_MESSAGE],
    ['1e99999999999999999999', QUANTITY_SUFFIX_MESSAGE],
    ['9223372036854775808', QUANTITY_RANGE_MESSAGE],
    ['10E', QUANTITY_RANGE_MESSAGE],
    ['8Ei', QUANTITY_RANGE_MESSAGE],
    ['1e19', QUANTITY_RANGE_MESSAGE],
    ['-1e19', QUANTITY_RANGE_MESSAGE],
    ['1e999999999', QUANTITY_RANGE_MESSAGE],
  ])('rejects %j', (text, message) => {
    expect(isQuantity(text)).toBe(false);
    let err: unknown;
    try {
      parseQuantity(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuantityError);
    expect(err).toMatchObject({ name: 'QuantityError', message, input: text });
  });

  it("uses Kubernetes' message for the wrong shape", () => {
    expect(() => parseQuantity('1 Gi')).toThrow(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });
});

describe('formatQuantity', () => {
  it.each([
    ['0', '0'],
    ['0Mi', '0'],
    ['-0', '0'],
    ['1', '1'],
    ['+1', '1'],
    ['1000', '1k'],
    ['1024', '1024'],
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['100m', '100m'],
    ['1000m', '1'],
    ['1000000n', '1m'],
    ['100u', '100u'],
    ['0.1n', '1n'],
    ['2k', '2k'],
    ['2000k', '2M'],
    ['1.5k', '1500'],
    ['1E', '1E'],
    ['128Mi', '128Mi'],
    ['1Gi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['1024Ki', '1Mi'],
    ['1536Ki', '1536Ki'],
    ['1000Mi', '1000Mi'],
    ['1025', '1025'],
    ['0.5Ki', '512'],
    ['1023', '1023'],
    ['1.1Ki', '1126400m'],
    ['7Ei', '7Ei'],
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['10e2', '1e3'],
    ['1.5e3', '1500'],
    ['12e-3', '12e-3'],
    ['1e-9', '1e-9'],
    ['-1500m', '-1500m'],
    ['-1.5Gi', '-1536Mi'],
  ])('%j → %j', (text, canonical) => {
    expect(formatQuantity(parseQuantity(text))).toBe(canonical);
  });

  it('formats constructed quantities', () => {
    expect(formatQuantity(quantityFromMilli(250))).toBe('250m');
    expect(formatQuantity(quantityFromMilli(4000))).toBe('4');
    expect(formatQuantity(quantityFromInt(8n * 2n ** 30n, 'BinarySI'))).toBe('8Gi');
    expect(formatQuantity(quantityFromInt(110))).toBe('110');
  });
});

describe('toMilli and toInt', () => {
  it.each<[string, number, number]>([
    ['0', 0, 0],
    ['1', 1000, 1],
    ['2', 2000, 2],
    ['0.5', 500, 1],
    ['100m', 100, 1],
    ['1500m', 1500, 2],
    ['0.1m', 1, 1],
    ['1n', 1, 1],
    ['-1n', 0, 0],
    ['-1.5', -1500, -1],
    ['1Ki', 1_024_000, 1024],
    ['128Mi', 134_217_728_000, 134_217_728],
    ['1.5Gi', 1_610_612_736_000, 1_610_612_736],
    ['1e3', 1_000_000, 1000],
    // Past 2^53 the count saturates: still more than any node has, never a wrapped small number.
    ['1E', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['-1E', Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
  ])('%j → %d milli, %d', (text, milli, int) => {
    expect(toMilli(parseQuantity(text))).toBe(milli);
    expect(toInt(parseQuantity(text))).toBe(int);
  });
});

describe('compareQuantity', () => {
  it.each([
    ['1', '1000m', 0],
    ['1Ki', '1024', 0],
    ['1e3', '1k', 0],
    ['1Gi', '1G', 1],
    ['999m', '1', -1],
    ['-1', '0', -1],
  ])('%j vs %j → %d', (a, b, expected) => {
    expect(compareQuantity(parseQuantity(a), parseQuantity(b))).toBe(expected);
    expect(compareQuantity(parseQuantity(b), parseQuantity(a))).toBe(expected === 0 ? 0 : -expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12 };
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40 };

/** A generated quantity text with its parts, so a reference can compute its value independently. */
interface Sample {
  readonly text: string;
  readonly negative: boolean;
  readonly whole: string;
  readonly fraction: string;
  readonly suffix: string;
}

const sample: fc.Arbitrary<Sample> = fc
  .record({
    negative: fc.boolean(),
    whole: fc.oneof(
      fc.constantFrom('0', '1', '5', '128', '1024', '1536'),
      fc.bigInt({ min: 0n, max: 10n ** 6n }).map(String),
    ),
    fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9]{1,12}$/)),
    suffix: fc.oneof(
      fc.constantFrom(...Object.keys(DECIMAL), ...Object.keys(BINARY)),
      fc.integer({ min: -12, max: 12 }).map((e) => `e${e}`),
    ),
  })
  .map((s) => ({
    ...s,
    text: `${s.negative ? '-' : ''}${s.whole}${s.fraction ? `.${s.fraction}` : ''}${s.suffix}`,
  }));

/** The exact value of a sample as a fraction `numerator / denominator` of whole units. */
function exactValue(s: Sample): { numerator: bigint; denominator: bigint } {
  let numerator = BigInt(`${s.whole}${s.fraction}`) * (s.negative ? -1n : 1n);
  let denominator = 10n ** BigInt(s.fraction.length);
  const power10 =
    s.suffix in DECIMAL ? DECIMAL[s.suffix]! : s.suffix.startsWith('e') ? Number(s.suffix.slice(1)) : 0;
  if (s.suffix in BINARY) numerator *= 2n ** BigInt(BINARY[s.suffix]!);
  if (power10 >= 0) numerator *= 10n ** BigInt(power10);
  else denominator *= 10n ** BigInt(-power10);
  return { numerator, denominator };
}

/** Rounds `n / d` (d > 0) to an integer: toward +infinity, or away from zero. */
function roundUp(n: bigint, d: bigint, mode: 'ceiling' | 'awayFromZero'): bigint {
  const q = n / d;
  if (n % d === 0n) return q;
  if (n > 0n) return q + 1n;
  return mode === 'awayFromZero' ? q - 1n : q;
}

/** The count as a number, saturated past 2^53 as toMilli and toInt promise. */
function saturated(n: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(n > max ? max : n < -max ? -max : n);
}

describe('quantity properties', () => {
  it('toMilli and toInt agree with exact rational arithmetic', () => {
    fc.assert(
      fc.property(sample, (s) => {
        const { numerator, denominator } = exactValue(s);
        // The specification: parsing keeps nano precision, rounding finer digits away from zero;
        // toMilli and toInt then round up to thousandths and units.
        const nanos = roundUp(numerator * 10n ** 9n, denominator, 'awayFromZero');
        const q = parseQuantity(s.text);
        expect(q.nanos).toBe(nanos);
        expect(toMilli(q)).toBe(saturated(roundUp(nanos, 10n ** 6n, 'ceiling')));
        expect(toInt(q)).toBe(saturated(roundUp(nanos, 10n ** 9n, 'ceiling')));
        // Without sub-nano digits the double rounding is the plain ceiling of the exact value.
        if (nanos * denominator === numerator * 10n ** 9n) {
          expect(toInt(q)).toBe(saturated(roundUp(numerator, denominator, 'ceiling')));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the canonical form reparses to an equal quantity, and is stable', () => {
    fc.assert(
      fc.property(sample, (s) => {
        const q = parseQuantity(s.text);
        const canonical = formatQuantity(q);
        const again = parseQuantity(canonical);
        expect(compareQuantity(again, q)).toBe(0);
        expect(formatQuantity(again)).toBe(canonical);
        expect(canonical).toMatch(/^-?[0-9]+([numkMGTPE]|[KMGTPE]i|e-?[0-9]+)?$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('compareQuantity orders like the exact values', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const x = exactValue(a);
        const y = exactValue(b);
        const exact = x.numerator * y.denominator - y.numerator * x.denominator;
        const cmp = compareQuantity(parseQuantity(a.text), parseQuantity(b.text));
        // Nano rounding may merge values closer than a nano-unit, never reorder them.
        if (exact > 0n) expect(cmp).toBeGreaterThanOrEqual(0);
        if (exact < 0n) expect(cmp).toBeLessThanOrEqual(0);
        if (exact === 0n) expect(cmp).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
