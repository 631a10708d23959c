/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`) for Skiff's kinds.
 *
 * It is JSON merge patch plus knowledge of lists: a list with a merge key (containers by `name`,
 * ports by `containerPort`, ...) merges element by element instead of being replaced, so a patch
 * can change one container's image without restating the others, and kubectl apply can keep a
 * sidecar that someone else injected. The knowledge is the table in `strategies.ts`; the
 * algorithms are ports of apimachinery's `strategicpatch` (`strategic-merge.ts`,
 * `strategic-lists.ts`, `strategic-diff.ts`), kept close to the original so that behaviour matches
 * a real cluster: `strategic-conformance.test.ts` runs apimachinery's own test cases against them.
 *
 *   createThreeWayMergePatch(lastApplied, config, live)
 *     = merge( diff(lastApplied → config, deletions only),     what the user removed
 *              diff(live → config, changes and additions only)) what the user set
 */
import { badRequest } from '../errors.js';
import { stripDirectiveKeys } from './directives.js';
import { isJsonObject, type JsonObject, toJson } from './json.js';
import { diffMaps } from './strategic-diff.js';
import { mergeMap } from './strategic-merge.js';
import { rootSchema, type Schema } from './strategies.js';

/** Applies a strategic merge patch to an object of `kind` and returns the patched copy. */
export function applyStrategicMergePatch(kind: string, original: object, patch: unknown): JsonObject {
  return strategicMergeFor(rootSchema(kind)).apply(original, patch);
}

/** Returns the strategic merge patch that turns `original` into `modified` (a two-way diff). */
export function createStrategicMergePatch(kind: string, original: object, modified: object): JsonObject {
  return strategicMergeFor(rootSchema(kind)).twoWay(original, modified);
}

/**
 * Returns the patch kubectl apply sends: fields removed from the config since `lastApplied` are
 * deleted, fields the config sets are set, and fields only `live` has (set by others) are kept.
 */
export function createThreeWayMergePatch(
  kind: string,
  lastApplied: object | undefined,
  modified: object,
  live: object,
): JsonObject {
  return strategicMergeFor(rootSchema(kind)).threeWay(lastApplied, modified, live);
}

/** The three strategic merge operations bound to one schema. */
export interface StrategicMerge {
  apply(original: object, patch: unknown): JsonObject;
  twoWay(original: object, modified: object): JsonObject;
  threeWay(lastApplied: object | undefined, modified: object, live: object): JsonObject;
}

/** The three operations for any schema; the tests also run apimachinery's own cases through it. */
export function strategicMergeFor(schema: Schema): StrategicMerge {
  return {
    apply(original: object, patch: unknown): JsonObject {
      const merged = mergeMap(objectOf(original, 'original'), objectOf(patch, 'patch'), schema, {
        mergeParallelList: true,
      });
      return stripDirectiveKeys(merged) as JsonObject;
    },
    twoWay(original: object, modified: object): JsonObject {
      return diffMaps(objectOf(original, 'original'), objectOf(modified, 'modified'), schema, {
        setElementOrder: true,
      });
    },
    threeWay(lastApplied: object | undefined, modified: object, live: object): JsonObject {
      const original = lastApplied === undefined ? {} : objectOf(lastApplied, 'last-applied configuration');
      const config = objectOf(modified, 'modified');
      const current = objectOf(live, 'live');
      // What the config sets that live lacks or has differently; never deletes what others added.
      const delta = diffMaps(current, config, schema, { ignoreDeletions: true, setElementOrder: true });
      // What the user removed from the config since the last apply; nothing else.
      const deletions = diffMaps(original, config, schema, {
        ignoreChangesAndAdditions: true,
        setElementOrder: true,
      });
      // The halves touch disjoint fields, so merging them as patches (directives kept) joins them.
      return mergeMap(deletions, delta, schema, { mergeParallelList: false });
    },
  };
}

/** A private, prototype-safe JSON copy of a caller's object; anything but an object is a bad request. */
function objectOf(value: unknown, what: string): JsonObject {
  const json = toJson(value, what);
  if (!isJsonObject(json)) throw badRequest(`${what} must be a JSON object`);
  return json;
}
