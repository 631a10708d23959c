/**
 * The merge half of strategic merge patch: a port of apimachinery's `mergeMap` with its map
 * directives (`$patch`, `$retainKeys`, `$setElementOrder`, `$deleteFromPrimitiveList`); lists are
 * merged in `strategic-lists.ts`.
 *
 * It runs in two modes. Applying a patch to an object (`mergeParallelList`) consumes the parallel
 * directive lists and drops nulls that match nothing. Merging one patch into another (how the
 * three-way patch joins its deletions and its changes) keeps every directive and null, because the
 * result is still a patch. Both mutate the values they are given, so callers pass private copies.
 */
import { badRequest } from '../errors.js';
import {
  DELETE_DIRECTIVE,
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  DIRECTIVE_MARKER,
  discardNulls,
  errBadArgType,
  errBadPatchType,
  errBadRetainKeys,
  extractKey,
  REPLACE_DIRECTIVE,
  RETAIN_KEYS_DIRECTIVE,
  removeDirectives,
  SET_ELEMENT_ORDER_PREFIX,
} from './directives.js';
import {
  getOwn,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  jsonEqual,
  jsonKind,
  setOwn,
} from './json.js';
import {
  elementKind,
  normalizeElementOrder,
  partitionByPresence,
  validatePatchWithSetOrderList,
} from './list-order.js';
import { mergeSliceHandler } from './strategic-lists.js';
import { childSchema, fieldStrategy, type Schema } from './strategies.js';

/** The mode of a merge: apply a patch to an object, or merge two patches into one. */
export interface MergeOptions {
  /** True when applying to an object: parallel lists act and unmatched nulls vanish. */
  readonly mergeParallelList: boolean;
}

/** Merges `patch` into `original` (both owned by the caller and edited in place) and returns the result. */
export function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  schema: Schema,
  options: MergeOptions,
): JsonObject {
  const directive = getOwn(patch, DIRECTIVE_MARKER);
  if (directive !== undefined) return handleDirectiveInMergeMap(directive, patch);
  applyRetainKeysDirective(original, patch, options);
  mergeSetElementOrder(original, patch, schema, options);

  for (const key of Object.keys(patch)) {
    const patchValue = patch[key] as JsonValue;
    // Step 1: a `$deleteFromPrimitiveList/<field>` list acts on <field>, or travels on in a patch.
    let field = key;
    const isDeleteList = key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
    if (isDeleteList) {
      if (!options.mergeParallelList) {
        setOwn(original, key, patchValue);
        continue;
      }
      field = extractKey(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
    }
    // Step 2: null deletes; a patch being merged keeps the null so that it still deletes later.
    if (patchValue === null) {
      delete original[field];
      if (options.mergeParallelList) continue;
    }
    // Step 3: nothing to merge with (absent, or a different JSON type): the patch value lands as is.
    const originalValue = getOwn(original, field);
    if (originalValue === undefined || jsonKind(originalValue) !== jsonKind(patchValue)) {
      if (!isDeleteList) place(original, field, patchValue, options);
      continue;
    }
    // Step 4: maps merge (unless their strategy is replace); lists follow their strategy.
    const strategy = fieldStrategy(schema, field);
    const sub = childSchema(schema, field);
    if (isJsonObject(originalValue)) {
      const merged =
        strategy.strategy === REPLACE_DIRECTIVE
          ? patchValue
          : mergeMap(originalValue, patchValue as JsonObject, sub, options);
      setOwn(original, field, merged);
    } else if (Array.isArray(originalValue)) {
      const listOptions = { ...options, isDeleteList };
      const merged = mergeSliceHandler(
        originalValue,
        patchValue as JsonValue[],
        sub,
        strategy,
        listOptions,
        mergeMap,
      );
      setOwn(original, field, merged.list);
    } else {
      place(original, field, patchValue, options);
    }
  }
  return original;
}

/**
 * Sets a patch value where there is nothing to merge it with, without the directives it carries.
 * As in apimachinery, a map carrying `$patch` (even `replace`) is dropped here rather than applied:
 * kube-apiserver does the same, and kubectl never sends such a map for an absent field.
 */
function place(target: JsonObject, field: string, value: JsonValue, options: MergeOptions): void {
  if (options.mergeParallelList) discardNulls(value);
  const kept = removeDirectives(value);
  if (kept === undefined) delete target[field];
  else setOwn(target, field, kept);
}

/** `$patch` on a map: `replace` takes the patch as the whole new map, `delete` empties it. */
function handleDirectiveInMergeMap(directive: JsonValue, patch: JsonObject): JsonObject {
  if (directive === REPLACE_DIRECTIVE) {
    delete patch[DIRECTIVE_MARKER];
    return patch;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  throw errBadPatchType(directive, patch);
}

/** `$retainKeys`: clears the fields the list omits (switching a one-of, such as a Deployment strategy). */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject, options: MergeOptions): void {
  const retain = getOwn(patch, RETAIN_KEYS_DIRECTIVE);
  if (retain === undefined) return;
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!options.mergeParallelList) {
    // Merging two patches: both halves were computed from the same config, so they must agree.
    const existing = getOwn(original, RETAIN_KEYS_DIRECTIVE);
    if (existing !== undefined && !jsonEqual(existing, retain)) throw errBadRetainKeys();
    setOwn(original, RETAIN_KEYS_DIRECTIVE, retain);
    return;
  }
  if (!Array.isArray(retain)) throw errBadRetainKeys();
  const kept = new Set(retain.filter((k): k is string => typeof k === 'string'));
  for (const [key, value] of Object.entries(patch)) {
    const parallel =
      key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || key.startsWith(SET_ELEMENT_ORDER_PREFIX);
    if (value !== null && !parallel && !kept.has(key)) throw errBadRetainKeys();
  }
  for (const key of Object.keys(original)) {
    if (!kept.has(key)) delete original[key];
  }
}

/**
 * `$setElementOrder/<list>`: merges <list> now, then orders it by the directive (patch items) and
 * by the live order (server-only items), and removes both keys from the patch.
 */
function mergeSetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  schema: Schema,
  options: MergeOptions,
): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const order = patch[key] as JsonValue;
    if (!options.mergeParallelList) {
      const existing = getOwn(original, key);
      if (existing !== undefined && !jsonEqual(existing, order)) {
        throw badRequest('invalid patch format of setElementOrder list');
      }
      setOwn(original, key, order);
    }
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType('list', order);

    const field = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const originalList = listOrUndefined(getOwn(original, field));
    const patchList = listOrUndefined(getOwn(patch, field));
    const strategy = fieldStrategy(schema, field);
    const mergeKey = strategy.mergeKey ?? '';
    validatePatchWithSetOrderList(patchList ?? [], order, mergeKey);

    if (originalList === undefined && patchList === undefined) continue;
    let merged: JsonValue[];
    let liveOrder: readonly JsonValue[] = originalList ?? [];
    if (patchList === undefined) merged = originalList as JsonValue[];
    else if (originalList === undefined) merged = removeDirectives(patchList) as JsonValue[];
    else {
      const sub = childSchema(schema, field);
      const result = mergeSliceHandler(
        originalList,
        patchList,
        sub,
        strategy,
        { ...options, isDeleteList: false },
        mergeMap,
      );
      merged = result.list;
      liveOrder = result.liveView;
    }

    const kind = elementKind(originalList ?? [], patchList ?? []);
    if (kind !== undefined) {
      const [inOrder, serverOnly] = partitionByPresence(merged, order, mergeKey);
      merged = normalizeElementOrder(inOrder, serverOnly, order, liveOrder, mergeKey, kind);
    }
    setOwn(original, field, merged);
    delete patch[field];
  }
}

function listOrUndefined(value: JsonValue | undefined): JsonValue[] | undefined {
  if (value === undefined || Array.isArray(value)) return value;
  throw errBadArgType('list', value);
}
