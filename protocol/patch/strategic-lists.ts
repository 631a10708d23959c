/**
 * Merging of lists for strategic merge patch: a port of apimachinery's `mergeSliceHandler`,
 * `mergeSlice` and `mergeSliceWithSpecialElements`.
 *
 * Lists with the merge strategy merge: primitives as a set, objects element by element on their
 * merge key, with `$patch: delete` and `$patch: replace` elements acting on the whole list. Every
 * other list is replaced by the patch's list.
 */
import { badRequest } from '../errors.js';
import {
  DELETE_DIRECTIVE,
  DIRECTIVE_MARKER,
  errBadPatchType,
  errNoMergeKey,
  MERGE_DIRECTIVE,
  REPLACE_DIRECTIVE,
} from './directives.js';
import { getOwn, type JsonObject, type JsonValue, jsonEqual } from './json.js';
import {
  deduplicateScalars,
  elementKind,
  indexOf,
  normalizeElementOrder,
  partitionByPresence,
} from './list-order.js';
import type { FieldStrategy, Schema } from './strategies.js';

/** How a list merge runs: the map merge's mode, plus whether the patch list is a delete list. */
export interface ListMergeOptions {
  /** True when applying to an object (see `MergeOptions`). */
  readonly mergeParallelList: boolean;
  /** The patch list is a `$deleteFromPrimitiveList`: its values are removed. */
  readonly isDeleteList: boolean;
}

/** Merges one list element into its live counterpart: `mergeMap`, passed in to avoid an import cycle. */
export type MergeElement = (
  original: JsonObject,
  patch: JsonObject,
  schema: Schema,
  options: { readonly mergeParallelList: boolean },
) => JsonObject;

/** The result of merging one list. */
export interface ListMerge {
  /** The merged list. */
  readonly list: JsonValue[];
  /**
   * The live list as apimachinery's caller sees it after the merge. Go deletes elements in place
   * (`append(s[:i], s[i+1:]...)`) and appends new ones into the slots that frees, in the array the
   * caller's slice still points at; `$setElementOrder` then orders server-only items by that view.
   * Reproducing it keeps list order identical to kube-apiserver's (apimachinery's own test "add map
   * and delete map from merging list" depends on it), so do not "simplify" it to the live list.
   */
  readonly liveView: readonly JsonValue[];
}

/** Lists with the merge strategy merge (and any delete list acts); every other list is replaced. */
export function mergeSliceHandler(
  original: JsonValue[],
  patch: JsonValue[],
  schema: Schema,
  strategy: FieldStrategy,
  options: ListMergeOptions,
  mergeElement: MergeElement,
): ListMerge {
  if (strategy.strategy !== MERGE_DIRECTIVE && !options.isDeleteList)
    return { list: patch, liveView: original };
  const kind = elementKind(original, patch);
  if (kind === undefined) return { list: original, liveView: original };
  if (kind === 'scalar') {
    if (options.mergeParallelList && options.isDeleteList) {
      const list = original.filter((item) => !patch.some((gone) => jsonEqual(gone, item)));
      return { list, liveView: original };
    }
    const merged = deduplicateScalars([...original, ...patch]);
    const [inPatch, serverOnly] = partitionByPresence(merged, patch, '');
    return {
      list: normalizeElementOrder(inPatch, serverOnly, patch, original, '', kind),
      liveView: original,
    };
  }

  const mergeKey = strategy.mergeKey ?? '';
  if (mergeKey === '') throw badRequest(`cannot merge lists without merge key for ${schema.path}`);
  const slots = [...original];
  let length = original.length;
  const { items, replace } = applySpecialElements(patch, mergeKey, (deleted) => {
    for (
      let at = findIndex(slots, length, deleted, mergeKey);
      at >= 0;
      at = findIndex(slots, length, deleted, mergeKey)
    ) {
      slots.copyWithin(at, at + 1, length);
      length--;
    }
  });
  // `$patch: replace` makes the patch's own elements the list; Go then appends elsewhere.
  const base = replace ? items : slots.slice(0, length);
  const merged = [...base];
  for (const item of replace ? [] : items) {
    const at = indexOf(merged, item, mergeKey, kind);
    if (at >= 0) {
      merged[at] = mergeElement(merged[at] as JsonObject, item as JsonObject, schema, options);
      slots[at] = merged[at] as JsonValue;
    } else {
      merged.push(item);
      if (length < slots.length) slots[length] = item;
      length++;
    }
  }
  const patchItems = replace ? [] : items;
  const [inPatch, serverOnly] = partitionByPresence(merged, patchItems, mergeKey);
  return {
    list: normalizeElementOrder(inPatch, serverOnly, patchItems, base, mergeKey, kind),
    liveView: slots,
  };
}

function findIndex(slots: readonly JsonValue[], length: number, item: JsonValue, mergeKey: string): number {
  return indexOf(slots.slice(0, length), item, mergeKey, 'object');
}

/** Acts on `$patch` elements: each `delete` removes by key (via `remove`), `replace` flags the list. */
function applySpecialElements(
  patch: readonly JsonValue[],
  mergeKey: string,
  remove: (element: JsonObject) => void,
): { items: JsonValue[]; replace: boolean } {
  const items: JsonValue[] = [];
  let replace = false;
  for (const item of patch as JsonObject[]) {
    const directive = getOwn(item, DIRECTIVE_MARKER);
    if (directive === undefined) {
      items.push(item);
    } else if (directive === DELETE_DIRECTIVE) {
      if (getOwn(item, mergeKey) === undefined) throw errNoMergeKey(item, mergeKey);
      remove(item);
    } else if (directive === REPLACE_DIRECTIVE) {
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw badRequest('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, item);
    }
  }
  // Elements merge by key, so each needs one; a replaced list is checked when it is ordered.
  const keyless = replace
    ? undefined
    : items.find((item) => getOwn(item as JsonObject, mergeKey) === undefined);
  if (keyless !== undefined) throw errNoMergeKey(keyless, mergeKey);
  return { items, replace };
}
