/**
 * JSON Patch (RFC 6902), the `application/json-patch+json` patch type, with JSON Pointer
 * (RFC 6901) paths.
 *
 * Errors follow the Kubernetes API server: a patch document that cannot be decoded (not a list,
 * unknown op, missing member, malformed pointer) is 400 BadRequest; a well-formed patch that does
 * not apply to this object (a failing `test`, a path that does not exist) is 422 Invalid. The
 * operations run on a private copy, so a patch applies entirely or not at all.
 */
import { ApiError, badRequest } from '../errors.js';
import { cloneJson, getOwn, isJsonObject, type JsonValue, jsonEqual, setOwn, toJson } from './json.js';

/** One decoded RFC 6902 operation, with only the members its op uses. */
export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/** Decodes and validates a JSON Patch document, throwing 400 BadRequest when it is malformed. */
export function parseJsonPatch(document: unknown): JsonPatchOperation[] {
  const ops = toJson(document, 'patch');
  if (!Array.isArray(ops)) throw badRequest('json patch must be a list of operations');
  return ops.map((entry, i) => {
    if (!isJsonObject(entry)) throw badRequest(`json patch operation ${i} is not an object`);
    const op = getOwn(entry, 'op');
    const path = pointerMember(getOwn(entry, 'path'), 'path', i);
    if (op === 'remove') return { op, path };
    if (op === 'move' || op === 'copy')
      return { op, from: pointerMember(getOwn(entry, 'from'), 'from', i), path };
    if (op === 'add' || op === 'replace' || op === 'test') {
      const value = getOwn(entry, 'value');
      if (value === undefined) throw badRequest(`json patch operation ${i} (${op}) is missing "value"`);
      return { op, path, value };
    }
    throw badRequest(
      `json patch operation ${i} has unknown op ${JSON.stringify(op)}; want one of ${OPS.join(', ')}`,
    );
  });
}

/** Applies a JSON Patch to a copy of `target` and returns it; the whole patch applies or none of it. */
export function applyJsonPatch(target: unknown, patch: unknown): JsonValue {
  let doc = toJson(target, 'target');
  for (const operation of parseJsonPatch(patch)) doc = applyOperation(doc, operation);
  return doc;
}

/** Splits a JSON Pointer into unescaped reference tokens (`~1` is `/`, `~0` is `~`). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw badRequest(`json pointer ${JSON.stringify(pointer)} must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token))
        throw badRequest(`json pointer ${JSON.stringify(pointer)} has a bad "~" escape`);
      // Order matters: "~01" means "~1" literally, so "~1" is decoded before "~0".
      return token.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

function pointerMember(value: JsonValue | undefined, name: string, i: number): string {
  if (typeof value !== 'string') throw badRequest(`json patch operation ${i} is missing "${name}"`);
  parsePointer(value);
  return value;
}

function applyOperation(doc: JsonValue, operation: JsonPatchOperation): JsonValue {
  switch (operation.op) {
    case 'add':
      return add(doc, operation.path, cloneJson(operation.value), 'add');
    case 'remove':
      return remove(doc, operation.path, 'remove').doc;
    case 'replace':
      // Replacing the root swaps the document; anywhere else the target must exist first.
      if (operation.path === '') return cloneJson(operation.value);
      return add(
        remove(doc, operation.path, 'replace').doc,
        operation.path,
        cloneJson(operation.value),
        'replace',
      );
    case 'move': {
      if (operation.path.startsWith(`${operation.from}/`)) {
        throw notApplicable(operation.path, `cannot move ${operation.from} into its own child`);
      }
      const taken = remove(doc, operation.from, 'move');
      return add(taken.doc, operation.path, taken.value, 'move');
    }
    case 'copy':
      return add(doc, operation.path, cloneJson(resolve(doc, operation.from, 'copy')), 'copy');
    case 'test':
      if (!jsonEqual(resolve(doc, operation.path, 'test'), operation.value)) {
        throw notApplicable(operation.path, `testing value ${operation.path} failed: test failed`);
      }
      return doc;
  }
}

/** The value at `pointer`, or a 422 when any token on the way is missing. */
function resolve(doc: JsonValue, pointer: string, op: string): JsonValue {
  let here = doc;
  for (const token of parsePointer(pointer)) {
    const next = child(here, token);
    if (next === undefined) throw missing(op, pointer);
    here = next;
  }
  return here;
}

function child(parent: JsonValue, token: string): JsonValue | undefined {
  if (Array.isArray(parent)) {
    const index = arrayIndex(token);
    return index === undefined ? undefined : parent[index];
  }
  return isJsonObject(parent) ? getOwn(parent, token) : undefined;
}

/** A decimal array index without leading zeros, as RFC 6901 requires; `-` and others are not. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

function splitParent(pointer: string): { parent: string; last: string | undefined } {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  const parent = tokens.map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
  return { parent, last };
}

/** RFC 6902 "add": sets an object member, or inserts into an array (`-` appends). */
function add(doc: JsonValue, pointer: string, value: JsonValue, op: string): JsonValue {
  const { parent, last } = splitParent(pointer);
  if (last === undefined) return value;
  const container = resolve(doc, parent, op);
  if (Array.isArray(container)) {
    const index = last === '-' ? container.length : arrayIndex(last);
    if (index === undefined || index > container.length) {
      throw notApplicable(pointer, `${op} operation does not apply: index ${last} is out of range`);
    }
    container.splice(index, 0, value);
  } else if (isJsonObject(container)) {
    setOwn(container, last, value);
  } else {
    throw missing(op, pointer);
  }
  return doc;
}

/** RFC 6902 "remove": deletes an existing member or array element and returns it. */
function remove(doc: JsonValue, pointer: string, op: string): { doc: JsonValue; value: JsonValue } {
  const { parent, last } = splitParent(pointer);
  if (last === undefined) {
    throw notApplicable(pointer, `${op} operation does not apply: cannot remove the whole document`);
  }
  const container = resolve(doc, parent, op);
  const value = child(container, last);
  if (value === undefined) throw missing(op, pointer);
  if (Array.isArray(container)) container.splice(arrayIndex(last) as number, 1);
  else if (isJsonObject(container)) delete container[last];
  return { doc, value };
}

function missing(op: string, pointer: string): ApiError {
  return notApplicable(
    pointer,
    `${op} operation does not apply: doc is missing path: "${pointer}": missing value`,
  );
}

/** A 422, as Kubernetes answers when a well-formed JSON patch does not apply to the object. */
function notApplicable(pointer: string, message: string): ApiError {
  return new ApiError('Invalid', message, {
    causes: [{ reason: 'FieldValueInvalid', message, field: pointer }],
  });
}
