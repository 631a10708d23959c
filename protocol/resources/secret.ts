/**
 * Secret (`v1`): sensitive key/value data, base64 in `data`, at most 1 MiB in all, optionally
 * immutable. `type` says what the data must hold (`kubernetes.io/tls` needs `tls.crt` and
 * `tls.key`); any other type string is allowed and checked no further, as in Kubernetes.
 *
 * `stringData` is a write-only convenience: plain strings merged into `data` (base64-encoded,
 * overriding keys of the same name) on every write, never stored nor returned. Kubernetes merges
 * it when it converts a v1 object to its internal form, before validation; Skiff validates the
 * document as written (every check below reads the merged view) and the API server merges it
 * with `mergeStringData` before storing.
 */
import { z } from 'zod';
import { objectMetaSchema } from '../meta.js';
import {
  type FieldError,
  forbiddenField,
  invalidValue,
  required,
  tooLong,
} from '../validation/field-errors.js';
import { isConfigMapKey } from '../validation/names.js';
import { keyPath, withChecks } from '../validation/zod-errors.js';
import { decodedLength, isBase64, NOT_BASE64, stringMap } from './fields.js';
import { deepEqual, validateImmutable } from './immutable.js';

/** Kubernetes' MaxSecretSize: everything must fit in one etcd value. */
export const MAX_SECRET_SIZE = 1024 * 1024;

// Kubernetes' SecretType constants and the data keys each requires.
export const SECRET_TYPE_OPAQUE = 'Opaque';
export const SECRET_TYPE_SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
export const SECRET_TYPE_DOCKERCFG = 'kubernetes.io/dockercfg';
export const SECRET_TYPE_DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const SECRET_TYPE_BASIC_AUTH = 'kubernetes.io/basic-auth';
export const SECRET_TYPE_SSH_AUTH = 'kubernetes.io/ssh-auth';
export const SECRET_TYPE_TLS = 'kubernetes.io/tls';

export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const DOCKERCFG_KEY = '.dockercfg';
export const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';
export const BASIC_AUTH_USERNAME_KEY = 'username';
export const BASIC_AUTH_PASSWORD_KEY = 'password';
export const SSH_AUTH_PRIVATE_KEY = 'ssh-privatekey';
export const TLS_CERT_KEY = 'tls.crt';
export const TLS_PRIVATE_KEY_KEY = 'tls.key';

/** What Kubernetes prints instead of a secret value in an error message. */
export const REDACTED = '<secret contents redacted>';

const secretObject = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  data: stringMap.optional(),
  stringData: stringMap.optional(),
  // Kubernetes defaults an absent or empty type to Opaque.
  type: z
    .string()
    .optional()
    .transform((type) => (type === undefined || type === '' ? SECRET_TYPE_OPAQUE : type)),
  immutable: z.boolean().optional(),
});

type SecretFields = z.output<typeof secretObject>;

/**
 * Kubernetes' ValidateSecret, on the data as it will be stored (`data` with `stringData` merged
 * in): valid keys, base64 values, 1 MiB in all, and the keys the type requires.
 */
export function validateSecret(secret: SecretFields): FieldError[] {
  const errors: FieldError[] = [];
  // Decoded sizes per key, stringData overriding data: the merged map Kubernetes validates.
  const sizes = new Map<string, number>();
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    const path = keyPath('data', key);
    errors.push(...isConfigMapKey(key).map((msg) => invalidValue(path, key, msg)));
    // The value is never quoted: an error message must not echo a secret.
    if (isBase64(value)) sizes.set(key, decodedLength(value));
    else errors.push(invalidValue(path, REDACTED, NOT_BASE64));
  }
  // Kubernetes reports a bad stringData key at `data[key]`, where conversion put it; Skiff names
  // the field the user wrote.
  for (const [key, value] of Object.entries(secret.stringData ?? {})) {
    errors.push(...isConfigMapKey(key).map((msg) => invalidValue(keyPath('stringData', key), key, msg)));
    sizes.set(key, Buffer.byteLength(value, 'utf8'));
  }
  let total = 0;
  for (const size of sizes.values()) total += size;
  if (total > MAX_SECRET_SIZE) errors.push(tooLong('data', MAX_SECRET_SIZE));
  errors.push(...validateSecretType(secret, new Set(sizes.keys())));
  return errors;
}

/** The per-type rules of Kubernetes' ValidateSecret, with its paths and messages. */
function validateSecretType(secret: SecretFields, keys: ReadonlySet<string>): FieldError[] {
  const data = (key: string) => keyPath('data', key);
  switch (secret.type) {
    case SECRET_TYPE_SERVICE_ACCOUNT_TOKEN:
      // Only the annotation: the token itself is filled in later by a controller.
      return secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION]
        ? []
        : [required(keyPath('metadata.annotations', SERVICE_ACCOUNT_NAME_ANNOTATION))];
    case SECRET_TYPE_DOCKERCFG:
    case SECRET_TYPE_DOCKER_CONFIG_JSON: {
      const key = secret.type === SECRET_TYPE_DOCKERCFG ? DOCKERCFG_KEY : DOCKER_CONFIG_JSON_KEY;
      if (!keys.has(key)) return [required(data(key))];
      const problem = jsonObjectProblem(decodedValue(secret, key));
      return problem === undefined ? [] : [invalidValue(data(key), REDACTED, problem)];
    }
    case SECRET_TYPE_BASIC_AUTH:
      // Either may be empty, and one alone will do, but not neither.
      return keys.has(BASIC_AUTH_USERNAME_KEY) || keys.has(BASIC_AUTH_PASSWORD_KEY)
        ? []
        : [required(data(BASIC_AUTH_USERNAME_KEY)), required(data(BASIC_AUTH_PASSWORD_KEY))];
    case SECRET_TYPE_SSH_AUTH:
      return decodedValue(secret, SSH_AUTH_PRIVATE_KEY) ? [] : [required(data(SSH_AUTH_PRIVATE_KEY))];
    case SECRET_TYPE_TLS:
      return [TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY].filter((k) => !keys.has(k)).map((k) => required(data(k)));
    default:
      return [];
  }
}

/** The decoded value of `key` in the merged data, '' when absent or not base64. */
function decodedValue(secret: SecretFields, key: string): string {
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  return encoded !== undefined && isBase64(encoded) ? Buffer.from(encoded, 'base64').toString('utf8') : '';
}

/**
 * Why `text` does not unmarshal into a Go `map[string]interface{}`, or undefined when it does
 * (`null` does too). Syntax errors carry JavaScript's wording, not Go's: both name the problem.
 */
function jsonObjectProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
  const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

export const SecretSchema = withChecks(secretObject, validateSecret);
export type Secret = z.output<typeof SecretSchema>;
export type SecretInput = z.input<typeof SecretSchema>;

/**
 * The Secret as the server stores it: `stringData` encoded into `data` (overriding keys of the same
 * name) and removed. Returns `secret` itself when there is nothing to merge.
 */
export function mergeStringData(secret: Secret): Secret {
  if (secret.stringData === undefined) return secret;
  const { stringData, ...rest } = secret;
  const data = { ...(secret.data ?? {}) };
  for (const [key, value] of Object.entries(stringData))
    data[key] = Buffer.from(value, 'utf8').toString('base64');
  return secret.data === undefined && Object.keys(stringData).length === 0 ? rest : { ...rest, data };
}

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

/** Kubernetes' ValidateSecretUpdate: `type` never changes; an immutable Secret keeps its data for life. */
export function validateSecretUpdate(old: Secret, next: Secret): FieldError[] {
  const errors = validateImmutable(old.type, next.type, 'type');
  if (old.immutable !== true) return errors;
  if (next.immutable !== true) errors.push(forbiddenField('immutable', IMMUTABLE_SET));
  // Compares the merged data: by now the server has folded any stringData into it.
  if (!deepEqual(mergeStringData(old).data ?? {}, mergeStringData(next).data ?? {}))
    errors.push(forbiddenField('data', IMMUTABLE_SET));
  return errors;
}
