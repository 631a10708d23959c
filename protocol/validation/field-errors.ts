/**
 * Field errors in the shape of Kubernetes' `field.ErrorList`: each names the field path and
 * renders as `spec.template.spec.containers[0].image: Required value`.
 */

/** The Kubernetes `field.ErrorType` values Skiff reports. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueForbidden'
  | 'FieldValueTypeInvalid';

/** One problem with one field. */
export interface FieldError {
  readonly type: FieldErrorType;
  /** Path as Kubernetes prints it: `spec.containers[0].ports[1].containerPort`. */
  readonly field: string;
  /** The message without the field prefix: `Invalid value: "Web": a lowercase RFC 1123 ...`. */
  readonly detailMessage: string;
  /** The whole line: `<field>: <detailMessage>`. */
  readonly message: string;
}

/** Formats a value the way Kubernetes quotes bad values in messages. */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function make(type: FieldErrorType, field: string, detailMessage: string): FieldError {
  return { type, field, detailMessage, message: `${field}: ${detailMessage}` };
}

/** `field: Required value` (with an optional explanation). */
export function required(field: string, detail?: string): FieldError {
  return make('FieldValueRequired', field, detail ? `Required value: ${detail}` : 'Required value');
}

/** `field: Invalid value: "x": detail` */
export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return make('FieldValueInvalid', field, `Invalid value: ${quoteValue(value)}: ${detail}`);
}

/** `field: Unsupported value: "x": supported values: "a", "b"` */
export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return make(
    'FieldValueNotSupported',
    field,
    `Unsupported value: ${quoteValue(value)}: supported values: ${list}`,
  );
}

/** `field: Duplicate value: "x"` */
export function duplicate(field: string, value: unknown): FieldError {
  return make('FieldValueDuplicate', field, `Duplicate value: ${quoteValue(value)}`);
}

/** `field: Too long: may not be more than N bytes` */
export function tooLong(field: string, max: number, unit = 'bytes'): FieldError {
  return make('FieldValueTooLong', field, `Too long: may not be more than ${max} ${unit}`);
}

/** `field: Too many: N: must have at most M items` */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return make('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} items`);
}

/** `field: Forbidden: detail` */
export function forbiddenField(field: string, detail: string): FieldError {
  return make('FieldValueForbidden', field, `Forbidden: ${detail}`);
}

/** `field: Invalid value: "x": must be of type string` (a JSON type mismatch). */
export function typeInvalid(field: string, value: unknown, expected: string): FieldError {
  return make(
    'FieldValueTypeInvalid',
    field,
    `Invalid value: ${quoteValue(value)}: must be of type ${expected}`,
  );
}

/** Joins path segments the Kubernetes way: keys with dots, indexes in brackets. */
export function fieldPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (out === '') out = s;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += `.${s}`;
    else out += `[${s}]`;
  }
  return out;
}
