/**
 * The diff half of strategic merge patch: a port of apimachinery's `diffMaps` and `diffLists`,
 * which compute the patch between two objects (kubectl's side of `apply`).
 *
 * The options let one diff serve the three-way patch: "changes and additions only" (config
 * against live: never delete what others added) and "deletions only" (last-applied against
 * config: delete only what the user removed from the config).
 */

import { badRequest } from '../errors.js';
import {
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  DIRECTIVE_MARKER,
  deleteDirective,
  errNoMergeKey,
  MERGE_DIRECTIVE,
  REPLACE_DIRECTIVE,
  RETAIN_KEYS_DIRECTIVE,
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
import { deduplicateScalars, elementKind, normalizeSliceOrder, sortScalars } from './list-order.js';
import { childSchema, fieldStrategy, type Schema } from './strategies.js';

/** What a diff leaves out or adds; the defaults make a plain two-way diff without directives. */
export interface DiffOptions {
  /** Emit `$setElementOrder/<list>` for merged lists whose content or order changed. */
  readonly setElementOrder?: boolean;
  /** Leave out fields that modified adds or changes (the "deletions" half of three-way). */
  readonly ignoreChangesAndAdditions?: boolean;
  /** Leave out fields that modified removes (the "delta" half of three-way). */
  readonly ignoreDeletions?: boolean;
  /** Emit `$retainKeys` for this map (its field has the retainKeys strategy). */
  readonly buildRetainKeysDirective?: boolean;
}

/** The strategic merge patch that turns `original` into `modified`, within the limits of `options`. */
export function diffMaps(
  original: JsonObject,
  modified: JsonObject,
  schema: Schema,
  options: DiffOptions,
): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: string[] = [];
  for (const key of Object.keys(modified)) {
    const modifiedValue = modified[key] as JsonValue;
    if (options.buildRetainKeysDirective && modifiedValue !== null) retainKeys.push(key);
    const originalValue = getOwn(original, key);
    if (originalValue === undefined) {
      if (!options.ignoreChangesAndAdditions) setOwn(patch, key, modifiedValue);
      continue;
    }
    if (key === DIRECTIVE_MARKER) {
      if (typeof originalValue !== 'string' || typeof modifiedValue !== 'string') {
        throw badRequest(`invalid value for special key: ${DIRECTIVE_MARKER}`);
      }
      if (originalValue !== modifiedValue) setOwn(patch, key, modifiedValue);
      continue;
    }
    if (jsonKind(originalValue) !== jsonKind(modifiedValue)) {
      if (!options.ignoreChangesAndAdditions) setOwn(patch, key, modifiedValue);
    } else if (isJsonObject(originalValue)) {
      diffMapField(key, originalValue, modifiedValue as JsonObject, patch, schema, options);
    } else if (Array.isArray(originalValue)) {
      diffListField(key, originalValue, modifiedValue as JsonValue[], patch, schema, options);
    } else if (!options.ignoreChangesAndAdditions && !jsonEqual(originalValue, modifiedValue)) {
      setOwn(patch, key, modifiedValue);
    }
  }
  if (!options.ignoreDeletions) {
    for (const key of Object.keys(original)) {
      if (!Object.hasOwn(modified, key)) setOwn(patch, key, null);
    }
  }
  // $retainKeys only when it has work to do: a change here, or a field to clear.
  const clears = Object.keys(original).some((k) => original[k] !== null && !Object.hasOwn(modified, k));
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || clears)) {
    setOwn(patch, RETAIN_KEYS_DIRECTIVE, sortScalars(retainKeys));
  }
  return patch;
}

function diffMapField(
  key: string,
  original: JsonObject,
  modified: JsonObject,
  patch: JsonObject,
  schema: Schema,
  options: DiffOptions,
): void {
  const strategy = fieldStrategy(schema, key);
  if (strategy.strategy === REPLACE_DIRECTIVE) {
    if (!options.ignoreChangesAndAdditions) setOwn(patch, key, modified);
    return;
  }
  const sub = diffMaps(original, modified, childSchema(schema, key), {
    ...options,
    buildRetainKeysDirective: strategy.retainKeys === true,
  });
  if (Object.keys(sub).length > 0) setOwn(patch, key, sub);
}

function diffListField(
  key: string,
  original: JsonValue[],
  modified: JsonValue[],
  patch: JsonObject,
  schema: Schema,
  options: DiffOptions,
): void {
  const strategy = fieldStrategy(schema, key);
  if (strategy.strategy !== MERGE_DIRECTIVE) {
    // Lists without a strategy are atomic: any difference sends the whole new list.
    if (!options.ignoreChangesAndAdditions && !jsonEqual(original, modified)) setOwn(patch, key, modified);
    return;
  }
  const listOptions = { ...options, buildRetainKeysDirective: strategy.retainKeys === true };
  const { changes, deletions, order } = diffLists(
    original,
    modified,
    childSchema(schema, key),
    strategy.mergeKey ?? '',
    listOptions,
  );
  if (changes.length > 0) setOwn(patch, key, changes);
  if (deletions.length > 0) setOwn(patch, `${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/${key}`, deletions);
  if (order.length > 0) setOwn(patch, `${SET_ELEMENT_ORDER_PREFIX}/${key}`, order);
}

interface ListDiff {
  /** Changed and added elements, then `$patch: delete` elements (lists of objects). */
  readonly changes: JsonValue[];
  /** Primitives to remove, sent as `$deleteFromPrimitiveList/<list>`. */
  readonly deletions: JsonValue[];
  /** The `$setElementOrder/<list>` value (merge keys only, for lists of objects). */
  readonly order: JsonValue[];
}

function diffLists(
  original: JsonValue[],
  modified: JsonValue[],
  schema: Schema,
  mergeKey: string,
  options: DiffOptions,
): ListDiff {
  if (original.length === 0) {
    const changes = modified.length === 0 || options.ignoreChangesAndAdditions ? [] : modified;
    return { changes, deletions: [], order: [] };
  }
  const kind = elementKind(original, modified) ?? 'scalar';
  if (kind === 'object') {
    const [changed, deleted] = diffListsOfMaps(original, modified, schema, mergeKey, options);
    const changes = [...normalizeSliceOrder(changed, modified, mergeKey, kind), ...deleted];
    const orderSame =
      original.length === modified.length &&
      modified.every((item, i) =>
        jsonEqual(mergeKeyOf(original[i] as JsonValue, mergeKey), mergeKeyOf(item, mergeKey)),
      );
    // Sent whenever the list changes at all, so the server can restore the config's order.
    const wantOrder =
      (!options.ignoreChangesAndAdditions && (changes.length > 0 || !orderSame)) ||
      (!options.ignoreDeletions && changes.length > 0);
    const order = options.setElementOrder && wantOrder ? modified.map((item) => keyOnly(item, mergeKey)) : [];
    return { changes, deletions: [], order };
  }
  const [added, deletions] = diffListsOfScalars(original, modified, options);
  const changes = normalizeSliceOrder(added, modified, mergeKey, kind);
  const wantOrder =
    (!options.ignoreDeletions && deletions.length > 0) ||
    (!options.ignoreChangesAndAdditions && !jsonEqual(original, modified));
  return { changes, deletions, order: options.setElementOrder && wantOrder ? modified : [] };
}

function mergeKeyOf(item: JsonValue, mergeKey: string): JsonValue {
  const value = isJsonObject(item) ? getOwn(item, mergeKey) : undefined;
  if (value === undefined) throw errNoMergeKey(item, mergeKey);
  return value;
}

function keyOnly(item: JsonValue, mergeKey: string): JsonObject {
  const element: JsonObject = {};
  setOwn(element, mergeKey, mergeKeyOf(item, mergeKey));
  return element;
}

/** Sorted by printed merge key, as apimachinery sorts before walking both lists in step. */
function sortByMergeKey(list: readonly JsonValue[], mergeKey: string): JsonObject[] {
  const keyed = list.map((item) => ({ item: item as JsonObject, key: String(mergeKeyOf(item, mergeKey)) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ item }) => item);
}

/** Walks both lists sorted by merge key: same key recurses, new key adds, missing key deletes. */
function diffListsOfMaps(
  original: JsonValue[],
  modified: JsonValue[],
  schema: Schema,
  mergeKey: string,
  options: DiffOptions,
): [JsonValue[], JsonValue[]] {
  const from = sortByMergeKey(original, mergeKey);
  const to = sortByMergeKey(modified, mergeKey);
  const changes: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < from.length || j < to.length) {
    const a = from[i];
    const b = to[j];
    const aKey = a === undefined ? undefined : String(mergeKeyOf(a, mergeKey));
    const bKey = b === undefined ? undefined : String(mergeKeyOf(b, mergeKey));
    if (a !== undefined && b !== undefined && aKey === bKey) {
      const sub = diffMaps(a, b, schema, options);
      if (Object.keys(sub).length > 0) {
        setOwn(sub, mergeKey, mergeKeyOf(b, mergeKey));
        changes.push(sub);
      }
      i++;
      j++;
    } else if (b !== undefined && (a === undefined || (aKey as string) > (bKey as string))) {
      if (!options.ignoreChangesAndAdditions) changes.push(b);
      j++;
    } else {
      if (!options.ignoreDeletions)
        deletions.push(deleteDirective(mergeKey, mergeKeyOf(a as JsonValue, mergeKey)));
      i++;
    }
  }
  return [changes, deletions];
}

/** The same walk for primitives, compared by printed value: additions and deletions. */
function diffListsOfScalars(
  original: JsonValue[],
  modified: JsonValue[],
  options: DiffOptions,
): [JsonValue[], JsonValue[]] {
  const from = sortScalars(original);
  const to = sortScalars(modified);
  const added: JsonValue[] = [];
  const deleted: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < from.length || j < to.length) {
    const a = i < from.length ? String(from[i]) : undefined;
    const b = j < to.length ? String(to[j]) : undefined;
    if (a !== undefined && a === b) {
      i++;
      j++;
    } else if (b !== undefined && (a === undefined || a > b)) {
      if (!options.ignoreChangesAndAdditions) added.push(to[j] as JsonValue);
      j++;
    } else {
      if (!options.ignoreDeletions) deleted.push(from[i] as JsonValue);
      i++;
    }
  }
  return [added, deduplicateScalars(deleted)];
}
