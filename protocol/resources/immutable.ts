/**
 * Helpers for update validation: deep equality of JSON values and Kubernetes' "field is
 * immutable" rule, plus the metadata fields no update may change.
 */
import type { ObjectMeta } from '../meta.js';
import { type FieldError, invalidValue } from '../validation/field-errors.js';

/** Kubernetes' message for a changed immutable field. */
export const IMMUTABLE = 'field is immutable';

/**
 * Structural equality of JSON-like values. Key order is ignored on purpose: two label maps written
 * in a different order are the same map, and a byte comparison would call that a change.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  // Absent and undefined are the same field: JSON cannot tell them apart either.
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    if (!deepEqual(left[key], right[key])) return false;
  }
  return true;
}

/** `path: Invalid value: <next>: field is immutable` when the value changed. */
export function validateImmutable(old: unknown, next: unknown, path: string): FieldError[] {
  return deepEqual(old, next) ? [] : [invalidValue(path, next, IMMUTABLE)];
}

/**
 * Kubernetes' ValidateObjectMetaUpdate: name and namespace never change; uid and
 * creationTimestamp never change once set (an update that omits them keeps the stored ones).
 */
export function validateObjectMetaUpdate(old: ObjectMeta, next: ObjectMeta): FieldError[] {
  const errors: FieldError[] = [
    ...validateImmutable(old.name, next.name, 'metadata.name'),
    ...validateImmutable(old.namespace ?? '', next.namespace ?? '', 'metadata.namespace'),
  ];
  if (old.uid !== undefined && next.uid !== undefined)
    errors.push(...validateImmutable(old.uid, next.uid, 'metadata.uid'));
  if (old.creationTimestamp !== undefined && next.creationTimestamp !== undefined) {
    errors.push(
      ...validateImmutable(old.creationTimestamp, next.creationTimestamp, 'metadata.creationTimestamp'),
    );
  }
  return errors;
}
