/**
 * Field schemas shared by many resources: bounded integers, int-or-string, quantities, IPs,
 * timestamps, protocols. Each carries the Kubernetes message for its rule.
 *
 * Every schema here is a module-level constant: the API server validates every write, and zod
 * schemas are immutable, so building them once is both safe and the fast path.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { type FieldError, invalidValue, required } from '../validation/field-errors.js';
import { isValidPortName } from '../validation/names.js';
import { keyPath, withChecks } from '../validation/zod-errors.js';

/** A check that reports `message` on the value itself when `ok` is false. */
export function rule<T extends z.ZodType>(
  schema: T,
  ok: (value: z.output<T>) => boolean,
  message: string,
): T {
  return withChecks(schema, (value) => (ok(value) ? [] : [invalidValue('', value, message)]));
}

// ---------------------------------------------------------------------------------------------
// Integers.

export const int32 = z.int32();
/** Kubernetes' int64 fields, held as JS safe integers. */
export const int64 = z.int();

/** Kubernetes' `InclusiveRangeError`. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

export const NON_NEGATIVE = 'must be greater than or equal to 0';
export const POSITIVE = 'must be greater than zero';

export const nonNegativeInt32 = rule(z.int32(), (v) => v >= 0, NON_NEGATIVE);
export const nonNegativeInt64 = rule(z.int(), (v) => v >= 0, NON_NEGATIVE);
export const positiveInt32 = rule(z.int32(), (v) => v > 0, POSITIVE);

/** An int32 within [lo, hi], with Kubernetes' range message. */
export function intInRange(lo: number, hi: number): z.ZodInt32 {
  return rule(z.int32(), (v) => v >= lo && v <= hi, inclusiveRangeError(lo, hi));
}

export const MAX_PORT = 65535;
/** A TCP/UDP port number, 1–65535. */
export const portNumber = intInRange(1, MAX_PORT);

/** Kubernetes' `IntOrString`: `8080` or `http`, `1` or `25%`. */
export const intOrString = z.union([z.int32(), z.string()]);
export type IntOrString = z.output<typeof intOrString>;

/** Problems with a port given by number or by name (`targetPort`, probe ports). */
export function validatePortNumOrName(value: IntOrString, path: string): FieldError[] {
  if (typeof value === 'number') {
    return value >= 1 && value <= MAX_PORT
      ? []
      : [invalidValue(path, value, inclusiveRangeError(1, MAX_PORT))];
  }
  if (value === '') return [required(path)];
  return isValidPortName(value).map((msg) => invalidValue(path, value, msg));
}

// ---------------------------------------------------------------------------------------------
// Quantities.

/**
 * Kubernetes' quantity grammar: a signed decimal (`1`, `0.5`, `.5`, `5.`), then a binary suffix
 * (`Ki`…`Ei`), a decimal suffix (`n u m k M G T P E`) or an exponent (`e3`, `E-2`).
 */
export const QUANTITY_PATTERN =
  /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;
const QUANTITY_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** True when `value` is a syntactically valid Kubernetes quantity. */
export function isQuantity(value: string): boolean {
  return QUANTITY_PATTERN.test(value);
}

const SUFFIX_MULTIPLIERS: Readonly<Record<string, number>> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * A quantity as a float, only precise enough to compare a request with its limit during
 * validation. Exact arithmetic (milli-units, rounding, formatting) belongs to `protocol/quantity.ts`;
 * do not use this for scheduling decisions.
 */
export function approximateQuantity(value: string): number {
  const match = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(value);
  if (match === null) return Number.NaN;
  const [, number = '', suffix = ''] = match;
  if (suffix.startsWith('e') || suffix.startsWith('E')) return Number(`${number}${suffix}`);
  const multiplier = SUFFIX_MULTIPLIERS[suffix];
  return multiplier === undefined ? Number.NaN : Number(number) * multiplier;
}

/**
 * A quantity's value, written as a string (`100m`, `128Mi`) or, as YAML users often do, a bare
 * number (`cpu: 1`), which is kept as its decimal string so every consumer sees one type.
 */
const quantityValue = z.union([z.string(), z.number().transform((n) => String(n))]);

/** A quantity field, syntax-checked. */
export const quantity = rule(quantityValue, (v) => isQuantity(v), QUANTITY_MESSAGE);

/**
 * `{cpu: '100m', memory: '64Mi'}`: resource name to quantity. Checked as a map so that a bad
 * value is reported at `requests[cpu]`, as Kubernetes prints map keys.
 */
export const resourceList = withChecks(z.record(z.string(), quantityValue), (list) => {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(list)) {
    if (!isQuantity(value)) errors.push(invalidValue(keyPath('', name), value, QUANTITY_MESSAGE));
  }
  return errors;
});
export type ResourceList = z.output<typeof resourceList>;

// ---------------------------------------------------------------------------------------------
// Addresses.

const IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_MESSAGE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** True for an IPv4 or IPv6 address without a zone (`fe80::1%eth0` is not a pod or node address). */
export function isValidIP(value: string): boolean {
  return !value.includes('%') && isIP(value) !== 0;
}

/** True for `10.9.8.0/24` or `2001:db8::/64`. */
export function isValidCIDR(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const ip = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!isValidIP(ip) || !/^[0-9]{1,3}$/.test(bits)) return false;
  return Number(bits) <= (isIP(ip) === 4 ? 32 : 128);
}

/** Problems with an IP address, reported on `path`. */
export function validateIP(value: string, path: string): FieldError[] {
  return isValidIP(value) ? [] : [invalidValue(path, value, IP_MESSAGE)];
}

export const ipAddress = rule(z.string(), isValidIP, IP_MESSAGE);
export const cidr = rule(z.string(), isValidCIDR, CIDR_MESSAGE);

// ---------------------------------------------------------------------------------------------
// Time.

const RFC3339 =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})$/;

/** True for an RFC 3339 date-time that names a real instant (`2024-02-30T...` is refused). */
export function isRFC3339(value: string): boolean {
  if (!RFC3339.test(value)) return false;
  const [date = ''] = value.split('T');
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(value));
}

/** `metav1.Time`: an RFC 3339 timestamp (`2024-05-01T10:00:00Z`). */
export const timestamp = rule(
  z.string(),
  isRFC3339,
  "must be an RFC 3339 timestamp (e.g. '2006-01-02T15:04:05Z')",
);
/** `metav1.MicroTime`: the same, usually with microseconds (`2024-05-01T10:00:00.000000Z`). */
export const microTimestamp = rule(
  z.string(),
  isRFC3339,
  "must be an RFC 3339 timestamp with microseconds (e.g. '2006-01-02T15:04:05.000000Z')",
);

// ---------------------------------------------------------------------------------------------
// Small shared shapes.

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
/** A port protocol; Kubernetes defaults it to TCP. */
export const protocol = z.enum(PROTOCOLS);
export type Protocol = z.output<typeof protocol>;

/**
 * A string Kubernetes requires, read as '' when absent (as Go decodes it); the owning object's
 * check then reports `Required value`. Unlike a zod-required field, a missing one does not stop
 * the checks of the objects around it, so every other problem is still reported.
 */
export const requiredString = z.string().default('');

/** A map of strings (selectors, data, node selectors). */
export const stringMap = z.record(z.string(), z.string());
export const stringList = z.array(z.string());

// ---------------------------------------------------------------------------------------------
// Base64 values (ConfigMap binaryData, Secret data), as Go's StdEncoding reads them: padded.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Kubernetes' message for a `[]byte` field whose JSON string is not base64. */
export const NOT_BASE64 = 'must be a base64-encoded string';

/** True when `value` is padded standard base64 (Node's decoder would accept far more, silently). */
export function isBase64(value: string): boolean {
  return BASE64.test(value);
}

/** The decoded size of a base64 string, without decoding it. */
export function decodedLength(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}
