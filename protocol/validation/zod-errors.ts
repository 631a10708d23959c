/**
 * The bridge between zod and Kubernetes field errors.
 *
 * Schemas describe shape and types; every rule beyond that is a check function returning
 * `FieldError[]` with paths relative to the value it checks, attached with `withChecks`. When zod
 * reports, `fieldErrorsFromIssues` turns each issue into the FieldError Kubernetes would print,
 * prefixing the relative paths with where the value sits in the object.
 *
 * zod runs a check only when the value it is attached to type-checked, but independently of its
 * siblings: one bad container does not hide a bad label key. That is why checks are attached at
 * the lowest object that holds everything they read.
 */
import type { z } from 'zod';
import {
  type FieldError,
  fieldPath,
  invalidValue,
  notSupported,
  required,
  typeInvalid,
} from './field-errors.js';

// ---------------------------------------------------------------------------------------------
// Paths.

/** Joins a base path and a path relative to it: (`spec`, `containers[0]`) → `spec.containers[0]`. */
export function joinPath(base: string, relative: string): string {
  if (relative === '') return base;
  if (base === '') return relative;
  return relative.startsWith('[') ? `${base}${relative}` : `${base}.${relative}`;
}

/** Appends field names and indexes to a path: (`spec`, `ports`, 1) → `spec.ports[1]`. */
export function childPath(base: string, ...segments: readonly (string | number)[]): string {
  return joinPath(base, fieldPath(segments));
}

/** A map key under a path, always bracketed as Kubernetes prints keys: `data[app.conf]`. */
export function keyPath(base: string, key: string): string {
  return `${base}[${key}]`;
}

/** The same error reported under `base` (its field is taken as relative to `base`). */
export function atPath(error: FieldError, base: string): FieldError {
  const field = joinPath(base, error.field);
  // An error about the whole document has no field to name: its message is the detail alone.
  return {
    ...error,
    field,
    message: field === '' ? error.detailMessage : `${field}: ${error.detailMessage}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Checks inside schemas.

const FIELD_ERROR_PARAM = 'skiffFieldError';

/**
 * Attaches a check to a schema: it runs on the parsed value (when that value type-checked) and each
 * FieldError it returns, with a field relative to the value, becomes a zod issue.
 */
export function withChecks<T extends z.ZodType>(
  schema: T,
  check: (value: z.output<T>) => readonly FieldError[],
): T {
  return schema.superRefine((value, ctx) => {
    for (const error of check(value)) {
      ctx.addIssue({ code: 'custom', message: error.detailMessage, params: { [FIELD_ERROR_PARAM]: error } });
    }
  });
}

function isFieldError(value: unknown): value is FieldError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof FieldError, unknown>>;
  return (
    typeof candidate.type === 'string' &&
    typeof candidate.field === 'string' &&
    typeof candidate.detailMessage === 'string'
  );
}

// ---------------------------------------------------------------------------------------------
// Issues to FieldErrors.

// zod's names for JSON types, in the words Kubernetes uses.
const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: 'integer',
  record: 'object',
  nonoptional: 'value',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function issuePath(path: readonly PropertyKey[]): string {
  const segments: (string | number)[] = [];
  for (const segment of path) {
    if (typeof segment === 'number' || typeof segment === 'string') segments.push(segment);
    else segments.push(String(segment));
  }
  return fieldPath(segments);
}

/** The FieldErrors for a list of zod issues (parsed with `reportInput: true`, so inputs are known). */
export function fieldErrorsFromIssues(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    // atPath with an empty base only rewrites the message of a document-level error (no `: ` prefix).
    for (const error of fromIssue(issue, issuePath(issue.path))) errors.push(atPath(error, ''));
  }
  return errors;
}

function fromIssue(issue: z.core.$ZodIssue, path: string): FieldError[] {
  switch (issue.code) {
    case 'invalid_type':
      // A missing field and an explicit one of the wrong type are told apart by the input.
      return [
        issue.input === undefined ? required(path) : typeInvalid(path, issue.input, typeName(issue.expected)),
      ];
    case 'invalid_value':
      return [
        notSupported(
          path,
          issue.input,
          issue.values.map((v) => String(v)),
        ),
      ];
    case 'invalid_union':
      return [unionError(issue, path)];
    case 'too_small':
      return [invalidValue(path, issue.input, boundMessage('greater', issue.minimum, issue.inclusive))];
    case 'too_big':
      return [invalidValue(path, issue.input, boundMessage('less', issue.maximum, issue.inclusive))];
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues.flatMap((inner) => fromIssue(inner, joinPath(path, issuePath(inner.path))));
    case 'custom': {
      const error: unknown = issue.params?.[FIELD_ERROR_PARAM];
      return [isFieldError(error) ? atPath(error, path) : invalidValue(path, issue.input, issue.message)];
    }
    default:
      return [invalidValue(path, issue.input, issue.message)];
  }
}

function boundMessage(
  direction: 'greater' | 'less',
  bound: number | bigint,
  inclusive: boolean | undefined,
): string {
  return inclusive === false
    ? `must be ${direction} than ${bound}`
    : `must be ${direction} than or equal to ${bound}`;
}

// A union of JSON types (`int or string`) failing on every branch is one type error listing them all.
function unionError(issue: z.core.$ZodIssueInvalidUnion, path: string): FieldError {
  const expected: string[] = [];
  for (const branch of issue.errors) {
    const [only] = branch;
    if (branch.length !== 1 || only === undefined || only.code !== 'invalid_type' || only.path.length > 0) {
      return invalidValue(path, issue.input, 'matches none of the allowed forms');
    }
    expected.push(typeName(only.expected));
  }
  return typeInvalid(path, issue.input, expected.join(' or '));
}

// ---------------------------------------------------------------------------------------------
// Unknown fields.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The paths of the fields present in `input` that the schema dropped from `parsed` (zod strips
 * unknown keys), such as `spec.foo` or `spec.containers[0].bogus`, in document order.
 */
export function unknownFields(input: unknown, parsed: unknown): string[] {
  const found: string[] = [];
  walk(input, parsed, [], found);
  return found;
}

function walk(input: unknown, parsed: unknown, path: (string | number)[], found: string[]): void {
  if (Array.isArray(input)) {
    if (!Array.isArray(parsed)) return;
    const n = Math.min(input.length, parsed.length);
    for (let i = 0; i < n; i++) {
      path.push(i);
      walk(input[i], parsed[i], path, found);
      path.pop();
    }
    return;
  }
  if (!isRecord(input) || !isRecord(parsed)) return;
  for (const key of Object.keys(input)) {
    path.push(key);
    if (Object.hasOwn(parsed, key)) walk(input[key], parsed[key], path, found);
    else found.push(fieldPath(path));
    path.pop();
  }
}

/** The warning the API server returns for a dropped field, in Kubernetes' words. */
export function unknownFieldWarning(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}
