/**
 * JSON values as the patch functions see them, and the few operations every patch format needs:
 * conversion from caller objects, deep equality, canonical text, and safe own-key access.
 *
 * Patches arrive from the wire, so a key may be `__proto__`, `constructor` or `prototype`. Plain
 * assignment (`obj[key] = v`) with `__proto__` would replace the object's prototype, and plain
 * reads would find inherited members; every write here goes through `setOwn` (a data property,
 * never a prototype change) and every read through `getOwn` (own keys only).
 */
import { badRequest } from '../errors.js';

/** A JSON value as `JSON.parse` returns it; objects and arrays are mutable only inside this module's copies. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonArray = JsonValue[];
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The own value under `key`, never an inherited one such as `Object.prototype.constructor`. */
export function getOwn(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets `key` as an own data property, so that `__proto__` is stored as data, not as a prototype. */
export function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of a caller's value as plain JSON, dropping `undefined` members as JSON.stringify does. */
export function toJson(value: unknown, what = 'value', path = ''): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw badRequest(`${what} is not JSON: ${path || '<root>'} is ${value}`);
  }
  if (Array.isArray(value)) return value.map((item, i) => toJson(item ?? null, what, `${path}/${i}`));
  const proto: unknown = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (typeof value === 'object' && (proto === Object.prototype || proto === null)) {
    const out: JsonObject = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) setOwn(out, key, toJson(member, what, `${path}/${key}`));
    }
    return out;
  }
  throw badRequest(`${what} is not JSON: ${path || '<root>'} is a ${typeof value}`);
}

/** A deep copy of a JSON value (own keys only, prototype-safe). */
export function cloneJson<T extends JsonValue>(value: T): T {
  return toJson(value) as T;
}

/** Structural equality of two JSON values; key order does not matter, array order does. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/** JSON text with object keys sorted, as Go's encoding/json writes maps, so equal values print alike. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (!isJsonObject(value)) return JSON.stringify(value);
  const members = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`);
  return `{${members.join(',')}}`;
}

/** The JSON type name of a value, as Go's reflect sees it: maps, slices and scalars differ. */
export function jsonKind(value: JsonValue): 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'object' | 'string' | 'number' | 'boolean';
}
