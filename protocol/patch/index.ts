/**
 * Object patching as the Kubernetes API server and kubectl do it: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902), strategic merge patch, and client-side apply.
 *
 * `applyPatch` is what the API server's PATCH verb calls once it has the live object; the result
 * is a plain JSON object that the caller decodes and validates like any created object.
 */
import { ApiError, badRequest } from '../errors.js';
import { isJsonObject, type JsonObject } from './json.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge.js';
import { applyStrategicMergePatch } from './strategic.js';

export {
  type ApplyPlan,
  appliedConfiguration,
  LAST_APPLIED_ANNOTATION,
  lastAppliedOf,
  planApply,
} from './apply.js';
export {
  canonicalJson,
  type JsonArray,
  type JsonObject,
  type JsonPrimitive,
  type JsonValue,
  jsonEqual,
} from './json.js';
export { applyJsonPatch, type JsonPatchOperation, parseJsonPatch, parsePointer } from './json-patch.js';
export { applyMergePatch, createMergePatch } from './merge.js';
export {
  applyStrategicMergePatch,
  createStrategicMergePatch,
  createThreeWayMergePatch,
} from './strategic.js';
export { type FieldStrategy, type StrategyTable, strategyTables } from './strategies.js';

/** The patch content types Skiff accepts; server-side apply (`application/apply-patch+yaml`) is not one. */
export type PatchType =
  | 'application/merge-patch+json'
  | 'application/strategic-merge-patch+json'
  | 'application/json-patch+json';

/** Every supported patch type, in the order error messages list them. */
export const PATCH_TYPES: readonly PatchType[] = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

/** The patch type of a `Content-Type` header, or a 415 UnsupportedMediaType naming the accepted ones. */
export function parsePatchType(contentType: string): PatchType {
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const known = PATCH_TYPES.find((type) => type === mediaType);
  if (known) return known;
  throw new ApiError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
  );
}

/** Applies a patch of the given type to a copy of `target` (an object of `kind`) and returns the result. */
export function applyPatch(type: PatchType, kind: string, target: object, patch: unknown): JsonObject {
  switch (type) {
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(kind, target, patch);
    case 'application/merge-patch+json':
      return objectResult(applyMergePatch(target, patch), type);
    case 'application/json-patch+json':
      return objectResult(applyJsonPatch(target, patch), type);
  }
}

/** A merge or JSON patch may turn the document into anything; an API object must stay an object. */
function objectResult(value: unknown, type: PatchType): JsonObject {
  if (isJsonObject(value)) return value;
  throw badRequest(`${type}: the patched document is not a JSON object`);
}
