/**
 * The one entry point the API server calls on every write: `validateObject` checks an incoming
 * document against the resource table and its kind's schema, applies defaults, and returns either
 * the object and its warnings or every problem found, each with its field path.
 * `validateUpdate` adds the rules that compare a new version with the stored one.
 *
 * The input is untrusted JSON. It is first copied, with `__proto__` keys left out (and reported
 * as unknown fields) so that no key can ever reach a prototype, and with `null` fields dropped,
 * since Kubernetes reads `null` as "unset" (`creationTimestamp: null` in many manifests).
 */
import {
  type FieldError,
  fieldPath,
  invalidValue,
  notSupported,
  required,
  typeInvalid,
} from '../validation/field-errors.js';
import {
  atPath,
  fieldErrorsFromIssues,
  unknownFields,
  unknownFieldWarning,
} from '../validation/zod-errors.js';
import { validateConfigMapUpdate } from './configmap.js';
import { validateDaemonSetUpdate } from './daemonset.js';
import { validateDeploymentUpdate } from './deployment.js';
import { IMMUTABLE, validateObjectMetaUpdate } from './immutable.js';
import { validateJobUpdate } from './job.js';
import { validateNodeUpdate } from './node.js';
import { validatePodUpdate } from './pod.js';
import {
  type AnyObject,
  type ResourceType,
  resourceByPlural,
  resourceForKind,
  supportedKinds,
} from './registry.js';
import { validateReplicaSetUpdate } from './replicaset.js';
import { validateSecretUpdate } from './secret.js';
import { validateServiceUpdate } from './service.js';

export interface ValidateOptions {
  /**
   * The resource the request addressed (`pods` in `skiff.api.create.pods`): the document must be of
   * that kind, and may leave out `apiVersion` and `kind`, which are then taken from it.
   */
  readonly resource?: string;
}

export type ValidationResult =
  | {
      readonly ok: true;
      /** The parsed object, with every default applied. */
      readonly object: AnyObject;
      readonly type: ResourceType;
      /** `unknown field "spec.foo"` for each field the schema does not know, and other notices. */
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

/** Deeper than any real manifest (a Deployment's deepest field is about 12 levels down). */
export const MAX_NESTING_DEPTH = 64;

/** Validates and defaults one document, returning every problem with its path; never throws. */
export function validateObject(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const dropped: string[] = [];
  const copied = copyInput(input, 0, [], dropped);
  if (copied === TOO_DEEP) {
    return {
      ok: false,
      errors: [rootError(invalidValue('', '', `object nesting exceeds ${MAX_NESTING_DEPTH} levels`))],
    };
  }
  if (!isRecord(copied)) return { ok: false, errors: [rootError(typeInvalid('', copied ?? null, 'object'))] };

  const resolved = resolveType(copied, options);
  if (!('type' in resolved)) return { ok: false, errors: resolved.errors };
  const { type } = resolved;
  const warnings = dropped.map(unknownFieldWarning);
  // Kubernetes clears the namespace of a cluster-scoped object rather than refusing the manifest.
  const metadata = copied.metadata;
  if (!type.namespaced && isRecord(metadata) && metadata.namespace !== undefined) {
    delete metadata.namespace;
    warnings.push(`metadata.namespace: ignored, ${type.kind} is cluster-scoped`);
  }

  const parsed = type.schema.safeParse(copied);
  if (!parsed.success) {
    // Bad values are quoted in messages, which needs `reportInput`; it makes zod's parse markedly
    // slower, so only the (rarer) failing documents are parsed a second time with it.
    const reported = type.schema.safeParse(copied, { reportInput: true });
    return { ok: false, errors: fieldErrorsFromIssues(reported.error?.issues ?? parsed.error.issues) };
  }
  warnings.push(...unknownFields(copied, parsed.data).map(unknownFieldWarning));
  return { ok: true, object: parsed.data, type, warnings };
}

type Doc = Record<string, unknown>;

// An error about the whole document: no field path, so no `: ` prefix in its message.
function rootError(error: FieldError): FieldError {
  return atPath(error, '');
}

function isRecord(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the table row for the document's apiVersion and kind, filling them from `resource`. */
function resolveType(doc: Doc, options: ValidateOptions): { type: ResourceType } | { errors: FieldError[] } {
  const expected = options.resource === undefined ? undefined : resourceByPlural(options.resource);
  if (options.resource !== undefined && expected === undefined) {
    return {
      errors: [invalidValue('kind', doc.kind ?? '', `unknown resource ${JSON.stringify(options.resource)}`)],
    };
  }
  if (expected !== undefined) {
    doc.apiVersion ??= expected.apiVersion;
    doc.kind ??= expected.kind;
  }
  const errors: FieldError[] = [];
  const { apiVersion, kind } = doc;
  if (apiVersion === undefined) errors.push(required('apiVersion'));
  else if (typeof apiVersion !== 'string') errors.push(typeInvalid('apiVersion', apiVersion, 'string'));
  if (kind === undefined) errors.push(required('kind'));
  else if (typeof kind !== 'string') errors.push(typeInvalid('kind', kind, 'string'));
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') return { errors };

  const type = resourceForKind(kind);
  if (type === undefined) return { errors: [...errors, notSupported('kind', kind, supportedKinds())] };
  if (type.apiVersion !== apiVersion) errors.push(notSupported('apiVersion', apiVersion, [type.apiVersion]));
  if (expected !== undefined && expected !== type) {
    errors.push(
      invalidValue('kind', kind, `must be ${expected.kind} for resource ${JSON.stringify(expected.plural)}`),
    );
  }
  return errors.length > 0 ? { errors } : { type };
}

const TOO_DEEP = Symbol('too deep');

/**
 * A copy of JSON-like input without null-valued fields and without `__proto__` keys, whose paths
 * are added to `dropped` (no schema has such a field; a JSON `__proto__` key is an own property
 * that a naive copy would turn into the copy's prototype). Values that are not JSON (functions,
 * class instances) are kept as they are, for the schema to refuse by type.
 */
function copyInput(value: unknown, depth: number, path: (string | number)[], dropped: string[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_NESTING_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of Array.from(value).entries()) {
      path.push(i);
      const copy = copyInput(item, depth + 1, path, dropped);
      path.pop();
      if (copy === TOO_DEEP) return TOO_DEEP;
      out.push(copy);
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  // A plain object, not a prototype-free one: V8 keeps those in slow dictionary mode, and zod then
  // parses the whole document several times slower.
  const out: Doc = {};
  for (const key of Object.keys(value)) {
    const field = (value as Doc)[key];
    if (field === null || field === undefined) continue;
    path.push(key);
    if (key === '__proto__') dropped.push(fieldPath(path));
    const copy = key === '__proto__' ? undefined : copyInput(field, depth + 1, path, dropped);
    path.pop();
    if (copy === TOO_DEEP) return TOO_DEEP;
    if (copy !== undefined) out[key] = copy;
  }
  return out;
}

/**
 * The rules that compare an update with the stored object: identity (kind, name, namespace, uid)
 * never changes, and each kind's immutable fields keep their values. Both objects are validated.
 */
export function validateUpdate(old: AnyObject, next: AnyObject): FieldError[] {
  if (old.kind !== next.kind || old.apiVersion !== next.apiVersion) {
    return [invalidValue('kind', next.kind, IMMUTABLE)];
  }
  const errors = validateObjectMetaUpdate(old.metadata, next.metadata);
  // Each case re-checks `old.kind` so TypeScript narrows both sides; the check above makes it true.
  switch (next.kind) {
    case 'Pod':
      if (old.kind === 'Pod') errors.push(...validatePodUpdate(old, next));
      break;
    case 'Service':
      if (old.kind === 'Service') errors.push(...validateServiceUpdate(old, next));
      break;
    case 'Node':
      if (old.kind === 'Node') errors.push(...validateNodeUpdate(old, next));
      break;
    case 'ConfigMap':
      if (old.kind === 'ConfigMap') errors.push(...validateConfigMapUpdate(old, next));
      break;
    case 'Secret':
      if (old.kind === 'Secret') errors.push(...validateSecretUpdate(old, next));
      break;
    case 'Deployment':
      if (old.kind === 'Deployment') errors.push(...validateDeploymentUpdate(old, next));
      break;
    case 'ReplicaSet':
      if (old.kind === 'ReplicaSet') errors.push(...validateReplicaSetUpdate(old, next));
      break;
    case 'DaemonSet':
      if (old.kind === 'DaemonSet') errors.push(...validateDaemonSetUpdate(old, next));
      break;
    case 'Job':
      if (old.kind === 'Job') errors.push(...validateJobUpdate(old, next));
      break;
    case 'Namespace':
    case 'Endpoints':
    case 'Event':
    case 'Lease':
      break;
  }
  return errors;
}
