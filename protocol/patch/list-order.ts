/**
 * Element identity and ordering for merged lists, ported from apimachinery's `strategicpatch`
 * (see the design note "preserve order in strategic merge patch").
 *
 * The order rule, in precedence: `$setElementOrder` > the order of the patch list > the order of
 * the live list. Elements only the server has (a sidecar an admission hook injected) keep their
 * place relative to their live neighbours, which is why this is more than a sort.
 */

import { badRequest } from '../errors.js';
import {
  DELETE_DIRECTIVE,
  DIRECTIVE_MARKER,
  errBadArgType,
  errNoMergeKey,
  hasDirectiveMarker,
} from './directives.js';
import { getOwn, isJsonObject, type JsonValue, jsonEqual } from './json.js';

/** What a list holds, as far as merging cares: objects (merged by key) or primitives (a set). */
export type ElementKind = 'object' | 'scalar';

/** The kind shared by every element of the lists, undefined when all are empty; mixed kinds are an error. */
export function elementKind(...lists: readonly JsonValue[][]): ElementKind | undefined {
  let seen: string | undefined;
  for (const item of lists.flat()) {
    const kind = Array.isArray(item) ? 'array' : item === null ? 'null' : typeof item;
    if (kind === 'array') throw badRequest('lists of lists are not supported');
    if (seen !== undefined && seen !== kind) throw badRequest('list element types are not identical');
    seen = kind;
  }
  if (seen === undefined) return undefined;
  return seen === 'object' ? 'object' : 'scalar';
}

/** The value that identifies an element: its merge key for objects, the element itself otherwise. */
export function identity(item: JsonValue, mergeKey: string, kind: ElementKind): JsonValue {
  if (kind !== 'object') return item;
  return isJsonObject(item) ? (getOwn(item, mergeKey) ?? null) : null;
}

/** Index of the element of `list` with the same identity as `item`, or -1. */
export function indexOf(
  list: readonly JsonValue[],
  item: JsonValue,
  mergeKey: string,
  kind: ElementKind,
): number {
  const id = identity(item, mergeKey, kind);
  return list.findIndex((other) => jsonEqual(identity(other, mergeKey, kind), id));
}

/** Throws unless every element of every list is an object holding `mergeKey`. */
export function validateMergeKeyInLists(mergeKey: string, ...lists: readonly JsonValue[][]): void {
  for (const item of lists.flat()) {
    if (!isJsonObject(item)) throw errBadArgType('map', item);
    if (getOwn(item, mergeKey) === undefined) throw errNoMergeKey(item, mergeKey);
  }
}

/** Splits off the `$patch: delete` elements, which always travel at the end of a patch list. */
export function extractToDeleteItems(list: readonly JsonValue[]): [JsonValue[], JsonValue[]] {
  const keep: JsonValue[] = [];
  const toDelete: JsonValue[] = [];
  for (const item of list) {
    if (!isJsonObject(item)) throw errBadArgType('map', item);
    (getOwn(item, DIRECTIVE_MARKER) === DELETE_DIRECTIVE ? toDelete : keep).push(item);
  }
  return [keep, toDelete];
}

/** Sorts `toSort` by the position of each element in `order` (stable; unknown elements go last). */
export function normalizeSliceOrder(
  toSort: readonly JsonValue[],
  order: readonly JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): JsonValue[] {
  let items = [...toSort];
  let toDelete: JsonValue[] = [];
  if (kind === 'object') {
    validateMergeKeyInLists(mergeKey, items, [...order]);
    [items, toDelete] = extractToDeleteItems(items);
  }
  const position = (item: JsonValue): number => {
    const i = indexOf(order, item, mergeKey, kind);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  const sorted = items
    .map((item, i) => ({ item, i, at: position(item) }))
    .sort((a, b) => (a.at === b.at ? a.i - b.i : a.at < b.at ? -1 : 1))
    .map(({ item }) => item);
  return [...sorted, ...toDelete];
}

/**
 * Orders patch items by `patchOrder` and server-only items by `serverOrder`, then interleaves them:
 * each server-only item goes before the first patch item that the live list has after it.
 */
export function normalizeElementOrder(
  patch: readonly JsonValue[],
  serverOnly: readonly JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): JsonValue[] {
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const right = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++] as JsonValue);
    else if (j >= right.length) out.push(left[i++] as JsonValue);
    else {
      // Both are placed by their live positions when both have one; otherwise the patch item wins.
      const li = indexOf(serverOrder, left[i] as JsonValue, mergeKey, kind);
      const ri = indexOf(serverOrder, right[j] as JsonValue, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++] as JsonValue);
      else out.push(right[j++] as JsonValue);
    }
  }
  return out;
}

/** Splits `list` into the elements present in `partitionBy` (by identity) and the rest. */
export function partitionByPresence(
  list: readonly JsonValue[],
  partitionBy: readonly JsonValue[],
  mergeKey: string,
): [JsonValue[], JsonValue[]] {
  const kind: ElementKind = mergeKey === '' ? 'scalar' : 'object';
  if (kind === 'object') validateMergeKeyInLists(mergeKey, [...list]);
  const inPatch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const item of list)
    (indexOf(partitionBy, item, mergeKey, kind) >= 0 ? inPatch : serverOnly).push(item);
  return [inPatch, serverOnly];
}

/** Removes repeated primitives, keeping the first occurrence (a merged primitive list is a set). */
export function deduplicateScalars(list: readonly JsonValue[]): JsonValue[] {
  return list.filter((item, i) => list.findIndex((other) => jsonEqual(other, item)) === i);
}

/** Sorts primitives by their printed form, as apimachinery's `sortScalars` does with `%v`. */
export function sortScalars(list: readonly JsonValue[]): JsonValue[] {
  return [...list].sort((a, b) => {
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * Checks that the patch list is ordered as `$setElementOrder` says (deletions aside), so that a
 * patch cannot ask for two contradictory orders.
 */
export function validatePatchWithSetOrderList(
  patchList: readonly JsonValue[],
  setOrderList: readonly JsonValue[],
  mergeKey: string,
): void {
  if (setOrderList.length === 0 || patchList.length === 0) return;
  const items = mergeKey === '' ? patchList : extractToDeleteItems(patchList)[0];
  let p = 0;
  let s = 0;
  while (p < items.length && s < setOrderList.length) {
    const item = items[p] as JsonValue;
    if (hasDirectiveMarker(item)) {
      p++;
      continue;
    }
    if (sameMergeKey(item, setOrderList[s] as JsonValue, mergeKey)) p++;
    s++;
  }
  if (p < items.length) {
    throw badRequest(
      `The order in patch list: ${JSON.stringify(patchList)} doesn't match $setElementOrder list: ${JSON.stringify(setOrderList)}`,
    );
  }
}

function sameMergeKey(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === '') return jsonEqual(left, right);
  validateMergeKeyInLists(mergeKey, [left, right]);
  return jsonEqual(identity(left, mergeKey, 'object'), identity(right, mergeKey, 'object'));
}
