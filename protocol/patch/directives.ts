/**
 * The directives of strategic merge patch, as apimachinery's `strategicpatch` package spells them,
 * and the errors a malformed patch produces (with apimachinery's messages, so users recognise them).
 *
 *   $patch: replace | delete | merge          on a map, or on an element of a merged list
 *   $retainKeys: [field, ...]                 clear every field of the map not listed
 *   $setElementOrder/<list>: [...]            the order the merged list must end up in
 *   $deleteFromPrimitiveList/<list>: [...]    values to drop from a merged list of primitives
 */
import { type ApiError, badRequest } from '../errors.js';
import { getOwn, isJsonObject, type JsonObject, type JsonValue, setOwn } from './json.js';

// The spellings are the wire format kubectl sends; they must match apimachinery byte for byte.
export const DIRECTIVE_MARKER = '$patch';
export const DELETE_DIRECTIVE = 'delete';
export const REPLACE_DIRECTIVE = 'replace';
export const MERGE_DIRECTIVE = 'merge';
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

/** The list field a parallel directive key refers to: `$setElementOrder/containers` → `containers`. */
export function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(
      prefix === SET_ELEMENT_ORDER_PREFIX
        ? 'invalid patch format of setElementOrder list'
        : 'invalid patch format of primitive list',
    );
  }
  return key.slice(slash + 1);
}

/** The element `{<mergeKey>: value, $patch: delete}` that removes one element of a merged list. */
export function deleteDirective(mergeKey: string, value: JsonValue): JsonObject {
  const element: JsonObject = {};
  setOwn(element, mergeKey, value);
  setOwn(element, DIRECTIVE_MARKER, DELETE_DIRECTIVE);
  return element;
}

/** True for an object carrying `$patch` (a map or list element that is an instruction, not data). */
export function hasDirectiveMarker(value: JsonValue): boolean {
  return isJsonObject(value) && getOwn(value, DIRECTIVE_MARKER) !== undefined;
}

/**
 * apimachinery's `removeDirectives`: drops every map that carries `$patch` (undefined when the
 * value itself is one); used where a patch value lands with nothing to merge into.
 */
export function removeDirectives(value: JsonValue): JsonValue | undefined {
  if (Array.isArray(value)) {
    return value.map(removeDirectives).filter((item): item is JsonValue => item !== undefined);
  }
  if (!isJsonObject(value)) return value;
  if (hasDirectiveMarker(value)) return undefined;
  for (const key of Object.keys(value)) {
    const kept = removeDirectives(value[key] as JsonValue);
    if (kept === undefined) delete value[key];
    else setOwn(value, key, kept);
  }
  return value;
}

/** Deletes null members everywhere inside a patch value that lands where nothing was (they delete nothing). */
export function discardNulls(value: JsonValue): void {
  if (Array.isArray(value)) value.forEach(discardNulls);
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    const member = value[key] as JsonValue;
    if (member === null) delete value[key];
    else discardNulls(member);
  }
}

/**
 * Removes directive keys left in a patched object. Kubernetes loses them when it decodes the
 * result into typed structs; Skiff stores JSON as it is, so they must go here instead.
 */
export function stripDirectiveKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(stripDirectiveKeys);
  if (!isJsonObject(value)) return value;
  for (const key of Object.keys(value)) {
    if (isDirectiveKey(key)) delete value[key];
    else setOwn(value, key, stripDirectiveKeys(value[key] as JsonValue));
  }
  return value;
}

function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE_MARKER ||
    key === RETAIN_KEYS_DIRECTIVE ||
    key.startsWith(`${SET_ELEMENT_ORDER_PREFIX}/`) ||
    key.startsWith(`${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/`)
  );
}

// ---------------------------------------------------------------------------------------------
// Errors, with the messages of apimachinery's `mergepatch` package.

/** `map: {...} does not contain declared merge key: name` */
export function errNoMergeKey(element: JsonValue, mergeKey: string): ApiError {
  return badRequest(`map: ${JSON.stringify(element)} does not contain declared merge key: ${mergeKey}`);
}

/** `unknown patch type: x in map: {...}` */
export function errBadPatchType(directive: JsonValue, element: JsonValue): ApiError {
  return badRequest(`unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(element)}`);
}

/** `expected a map, but received a string`: a patch whose shape does not fit the object. */
export function errBadArgType(expected: string, actual: JsonValue | undefined): ApiError {
  const got = actual === undefined ? 'nothing' : Array.isArray(actual) ? 'list' : typeof actual;
  return badRequest(`expected a ${expected}, but received a ${actual === null ? 'null' : got}`);
}

/** A patch whose `$retainKeys` list is not a list, or omits a field the patch sets. */
export function errBadRetainKeys(): ApiError {
  return badRequest('invalid patch format of retainKeys');
}
