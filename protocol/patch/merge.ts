/**
 * JSON Merge Patch (RFC 7386), the `application/merge-patch+json` patch type.
 *
 * A patch is a partial document: objects merge recursively, `null` deletes a member, and any other
 * value (arrays included) replaces what was there. It is the patch kubectl falls back to for kinds
 * without strategic merge metadata, and the simplest one for a script to write by hand:
 *
 *   skiff patch deployment web --type merge -p '{"spec":{"replicas":5,"paused":null}}'
 *     sets replicas, removes paused, leaves every other field as it was
 *   ... -p '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.26"}]}}}}'
 *     REPLACES the whole containers list (a sidecar is lost): lists have no merge key here,
 *     which is exactly why Kubernetes has strategic merge patch (`strategic.ts`)
 */
import { getOwn, isJsonObject, type JsonObject, type JsonValue, jsonEqual, setOwn, toJson } from './json.js';

/** Applies a JSON merge patch to a target and returns the patched copy (the inputs are not touched). */
export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  return mergeValue(toJson(target, 'target'), toJson(patch, 'patch'));
}

/**
 * Returns the merge patch that turns `original` into `modified`.
 *
 * RFC 7386 cannot say "set this member to null" (null means delete), so an object member whose
 * modified value is null is deleted by the patch; every other JSON pair round-trips exactly.
 */
export function createMergePatch(original: unknown, modified: unknown): JsonValue {
  const from = toJson(original, 'original');
  const to = toJson(modified, 'modified');
  if (!isJsonObject(from) || !isJsonObject(to)) return to;
  return diffObjects(from, to);
}

/** The RFC 7386 MergePatch(Target, Patch) function, on values this module owns (it edits `target`). */
function mergeValue(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  // A non-object target is replaced by an empty object first: the patch's members build it anew.
  const result: JsonObject = isJsonObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      delete result[key];
    } else {
      setOwn(result, key, mergeValue(getOwn(result, key), value));
    }
  }
  return result;
}

/** The smallest object patch between two objects: changed members, and null for removed ones. */
function diffObjects(from: JsonObject, to: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) setOwn(patch, key, null);
  }
  for (const key of Object.keys(to)) {
    const next = to[key] as JsonValue;
    const prev = getOwn(from, key);
    if (prev === undefined) {
      setOwn(patch, key, next);
    } else if (isJsonObject(prev) && isJsonObject(next)) {
      // Recurse so that a one-field change inside a large object stays a one-field patch.
      const inner = diffObjects(prev, next);
      if (Object.keys(inner).length > 0) setOwn(patch, key, inner);
    } else if (!jsonEqual(prev, next)) {
      setOwn(patch, key, next);
    }
  }
  return patch;
}
