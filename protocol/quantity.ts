/**
 * Kubernetes resource quantities (`100m`, `0.5`, `128Mi`, `1e3`), after `k8s.io/apimachinery/pkg/
 * api/resource`.
 *
 * A quantity is held exactly, as a BigInt count of nano-units, so `0.1 + 0.2` CPU is exactly 300m
 * and `1.5Gi` is exactly 1610612736 bytes. Like Kubernetes, parsing rounds a value finer than one
 * nano-unit up (`0.1n` is `1n`): whoever asks for some resource gets some. The format (decimal SI,
 * binary SI, or decimal exponent) is kept from the text, because the canonical form prints a
 * quantity in the family it was written in: `1.5Gi` prints as `1536Mi`, `1500m` stays `1500m`.
 *
 * Grammar: sign? digits (. digits)? suffix, where suffix is a binary SI suffix (Ki Mi Gi Ti Pi Ei),
 * a decimal SI suffix (n u m "" k M G T P E), or `e`/`E` followed by a signed integer.
 */
import { QuantityError } from './errors.js';

/** The notation family a quantity was written in, which its canonical form keeps. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: `nanos` is the value in units of 10^-9 (1 CPU = 10^9, 1 byte = 10^9). */
export interface Quantity {
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

/** Kubernetes' `ErrFormatWrong` message, which users and tools recognise. */
export const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** Kubernetes' `ErrSuffix` message, for text of the right shape with an unknown suffix (`1K`). */
export const QUANTITY_SUFFIX_MESSAGE = "unable to parse quantity's suffix";
/** For values whose whole units do not fit in an int64, which no Kubernetes client could read. */
export const QUANTITY_RANGE_MESSAGE = 'quantity is too large: its value must fit in a 64-bit integer';

const NANO = 1_000_000_000n;
const INT64_MAX = 2n ** 63n - 1n;
const MAX_NANOS = INT64_MAX * NANO;
// Any value at or above 10^19 whole units exceeds INT64_MAX (about 9.2 * 10^18).
const MAX_DECIMAL_MAGNITUDE = 19;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  Object.entries(DECIMAL_SUFFIXES).map(([suffix, exponent]) => [exponent, suffix]),
);
const BINARY_SUFFIXES: readonly string[] = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

// The Kubernetes regular expression, split into parts. Kubernetes also accepts "." and a bare
// sign as zero; Skiff demands a digit, because a quantity without one is a typo, not a zero.
const SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;

interface Suffix {
  readonly base: 2 | 10;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

/** Kubernetes' `suffixer.interpret`: tables first, then `e<int>`/`E<int>` (alone, `E` is exa). */
function interpretSuffix(suffix: string): Suffix | undefined {
  if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) {
    return { base: 10, exponent: DECIMAL_SUFFIXES[suffix]!, format: 'DecimalSI' };
  }
  const binary = BINARY_SUFFIXES.indexOf(suffix);
  if (binary > 0) return { base: 2, exponent: binary * 10, format: 'BinarySI' };
  if (
    suffix.length > 1 &&
    (suffix[0] === 'e' || suffix[0] === 'E') &&
    /^[+-]?[0-9]+$/.test(suffix.slice(1))
  ) {
    const exponent = Number(suffix.slice(1));
    if (Number.isSafeInteger(exponent)) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

/** Division rounding toward +infinity, for BigInt (whose `/` truncates toward zero). */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** Parses without throwing: the quantity, or the message of its error. */
function tryParseQuantity(text: string): Quantity | string {
  const match = SHAPE.exec(text);
  if (match === null) return QUANTITY_FORMAT_MESSAGE;
  const [, sign = '', whole = '', fraction = '', suffixText = ''] = match;
  if (whole === '' && fraction === '') return QUANTITY_FORMAT_MESSAGE;
  const suffix = interpretSuffix(suffixText);
  if (suffix === undefined) return QUANTITY_SUFFIX_MESSAGE;

  const digits = BigInt(`${whole}${fraction}`);
  if (digits === 0n) return { nanos: 0n, format: suffix.format };
  // value = digits * base^exponent / 10^fraction.length; in nanos, the power of ten is `shift`.
  const digitCount = digits.toString().length;
  const decimalExponent = suffix.base === 10 ? suffix.exponent : 0;
  const shift = decimalExponent - fraction.length + 9;
  // Refuse before building huge BigInts from a hostile exponent such as `1e999999999`.
  if (digitCount - 1 + shift - 9 >= MAX_DECIMAL_MAGNITUDE) return QUANTITY_RANGE_MESSAGE;

  let magnitude: bigint;
  if (shift < -(digitCount + 1)) {
    // Under one nano-unit (and 10^-shift could be enormous): round up to the smallest amount.
    magnitude = 1n;
  } else {
    const binary = suffix.base === 2 ? 2n ** BigInt(suffix.exponent) : 1n;
    const numerator = digits * binary * 10n ** BigInt(Math.max(shift, 0));
    magnitude = ceilDiv(numerator, 10n ** BigInt(Math.max(-shift, 0)));
  }
  if (magnitude > MAX_NANOS) return QUANTITY_RANGE_MESSAGE;
  return { nanos: sign === '-' ? -magnitude : magnitude, format: suffix.format };
}

/** Parses a quantity exactly; throws QuantityError with Kubernetes' message when it is not one. */
export function parseQuantity(text: string): Quantity {
  const result = tryParseQuantity(text);
  if (typeof result === 'string') throw new QuantityError(result, text);
  return result;
}

/** True when `text` parses as a quantity. */
export function isQuantity(text: string): boolean {
  return typeof tryParseQuantity(text) !== 'string';
}

/** A quantity of `milli` thousandths (CPU millicores), printed in decimal SI (Kubernetes `NewMilliQuantity`). */
export function quantityFromMilli(milli: number | bigint): Quantity {
  return { nanos: BigInt(milli) * 1_000_000n, format: 'DecimalSI' };
}

/** A quantity of `value` whole units (bytes, counts), in the given format (Kubernetes `NewQuantity`). */
export function quantityFromInt(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(value) * NANO, format };
}

/**
 * Clamps to the exactly representable numbers. Beyond 2^53 (8 PiB, 9 million cores) a request
 * is "more than any node has", and saturating keeps that true where rounding could not.
 */
function toSafeNumber(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (n < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(n);
}

/** The value in thousandths, rounded up (Kubernetes `MilliValue`): CPU in millicores. */
export function toMilli(q: Quantity): number {
  return toSafeNumber(ceilDiv(q.nanos, 1_000_000n));
}

/** The value in whole units, rounded up (Kubernetes `Value`): bytes, counts. */
export function toInt(q: Quantity): number {
  return toSafeNumber(ceilDiv(q.nanos, NANO));
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`, whatever their formats. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/**
 * The canonical text (Kubernetes `Quantity.String`): the smallest mantissa whose exponent is a
 * multiple of three (`1500m`, `1k`) or a whole power of 1024 for binary SI (`1536Mi`). A binary
 * quantity under 1024 or with a fraction prints in decimal SI, since no binary suffix is exact.
 */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const sign = q.nanos < 0n ? '-' : '';
  const abs = q.nanos < 0n ? -q.nanos : q.nanos;

  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
    let units = abs / NANO;
    let power = 0;
    while (power < BINARY_SUFFIXES.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      power++;
    }
    return `${sign}${units}${BINARY_SUFFIXES[power]}`;
  }

  // Strip factors of ten, then step the exponent down to a multiple of three (1.5 = 1500m).
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const excess = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(excess);
  exponent -= excess;
  // The int64 bound keeps the exponent within -9..18, all of which have a decimal suffix.
  const suffix =
    q.format === 'DecimalExponent'
      ? exponent === 0
        ? ''
        : `e${exponent}`
      : (DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? `e${exponent}`);
  return `${sign}${mantissa}${suffix}`;
}
