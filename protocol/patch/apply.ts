/**
 * Client-side apply, as `kubectl apply` does it: the CLI uses it for `skiff apply`, and the API
 * server for desired-state events, so both agree on what "apply this object" means.
 *
 * The object's last applied configuration travels in an annotation. Next time, a three-way patch
 * between that record, the new config and the live object deletes what the user removed from the
 * config, sets what the config says, and keeps what others (controllers, admission, `skiff scale`)
 * set on the live object. When the patch would change nothing, apply is a no-op, so re-applying
 * the same file keeps the same resourceVersion and wakes no watcher.
 */
import { badRequest } from '../errors.js';
import { canonicalJson, getOwn, isJsonObject, type JsonObject, jsonEqual, toJson } from './json.js';
import { applyStrategicMergePatch, createThreeWayMergePatch } from './strategic.js';

/** The annotation kubectl keeps the last applied configuration in (same name, so kubectl interoperates). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Metadata the server sets; a config that carries them (say, from `get -o yaml`) must not fight the server. */
const SERVER_SET_METADATA = [
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** What applying a config takes: create it, patch the live object, or nothing at all. */
export type ApplyPlan =
  | { readonly action: 'create'; readonly object: JsonObject }
  | { readonly action: 'patch'; readonly patch: JsonObject }
  | { readonly action: 'unchanged' };

/** Plans `kubectl apply` of `desired` over `live` (undefined when the object does not exist yet). */
export function planApply(kind: string, desired: object, live: object | undefined): ApplyPlan {
  const config = appliedConfiguration(desired);
  const modified = withLastApplied(config);
  if (live === undefined) return { action: 'create', object: modified };

  const current = toJson(live, 'live');
  if (!isJsonObject(current)) throw badRequest('live object must be a JSON object');
  const patch = createThreeWayMergePatch(kind, lastAppliedOf(current), modified, current);
  if (Object.keys(patch).length === 0) return { action: 'unchanged' };
  // A patch can be non-empty yet change nothing: `$setElementOrder` when live holds an extra
  // (injected) container restates an order live already has. Only the result decides.
  const result = applyStrategicMergePatch(kind, current, patch);
  return jsonEqual(result, current) ? { action: 'unchanged' } : { action: 'patch', patch };
}

/**
 * The configuration apply records for `desired`: the object without status, server-set metadata
 * and the last-applied annotation itself (whose map is dropped when it becomes empty, as kubectl does).
 */
export function appliedConfiguration(desired: object): JsonObject {
  const config = toJson(desired, 'desired');
  if (!isJsonObject(config)) throw badRequest('desired object must be a JSON object');
  delete config.status;
  const metadata = getOwn(config, 'metadata');
  if (isJsonObject(metadata)) {
    for (const field of SERVER_SET_METADATA) delete metadata[field];
    const annotations = getOwn(metadata, 'annotations');
    if (isJsonObject(annotations)) {
      delete annotations[LAST_APPLIED_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete metadata.annotations;
    }
  }
  return config;
}

/** The last applied configuration recorded on a live object, if it has a readable one. */
export function lastAppliedOf(live: JsonObject): JsonObject | undefined {
  const metadata = getOwn(live, 'metadata');
  const annotations = isJsonObject(metadata) ? getOwn(metadata, 'annotations') : undefined;
  const text = isJsonObject(annotations) ? getOwn(annotations, LAST_APPLIED_ANNOTATION) : undefined;
  if (typeof text !== 'string') return undefined;
  // An unreadable record (hand-edited, truncated) is treated as absent, as for an object made by
  // `create`: the patch then deletes nothing, and this apply writes a fresh record.
  const parsed = parseJsonOrUndefined(text);
  return isJsonObject(parsed) ? parsed : undefined;
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return toJson(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** `config` with its own canonical JSON in the last-applied annotation (keys sorted, newline-ended like kubectl's). */
function withLastApplied(config: JsonObject): JsonObject {
  const object = toJson(config) as JsonObject;
  const record = `${canonicalJson(config)}\n`;
  const metadata = getOwn(object, 'metadata');
  const meta: JsonObject = isJsonObject(metadata) ? metadata : {};
  const annotations = getOwn(meta, 'annotations');
  const notes: JsonObject = isJsonObject(annotations) ? annotations : {};
  notes[LAST_APPLIED_ANNOTATION] = record;
  meta.annotations = notes;
  object.metadata = meta;
  return object;
}
