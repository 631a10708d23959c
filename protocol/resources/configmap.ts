/**
 * ConfigMap (`v1`): configuration as key/value data (UTF-8 in `data`, base64 in `binaryData`),
 * at most 1 MiB in all, optionally immutable.
 */
import { z } from 'zod';
import { objectMetaSchema } from '../meta.js';
import { type FieldError, forbiddenField, invalidValue, tooLong } from '../validation/field-errors.js';
import { isConfigMapKey } from '../validation/names.js';
import { keyPath, withChecks } from '../validation/zod-errors.js';
import { decodedLength, isBase64, NOT_BASE64, stringMap } from './fields.js';

/** Kubernetes' MaxSecretSize, which also bounds ConfigMaps: everything must fit in one etcd value. */
export const MAX_CONFIG_MAP_SIZE = 1024 * 1024;

const configMapObject = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  data: stringMap.optional(),
  binaryData: stringMap.optional(),
  immutable: z.boolean().optional(),
});

/** Kubernetes' ValidateConfigMap: valid keys, no key in both maps, 1 MiB in all. */
export function validateConfigMapData(cm: z.output<typeof configMapObject>): FieldError[] {
  const errors: FieldError[] = [];
  let total = 0;
  const binary = cm.binaryData ?? {};
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    const path = keyPath('data', key);
    errors.push(...isConfigMapKey(key).map((msg) => invalidValue(path, key, msg)));
    if (Object.hasOwn(binary, key))
      errors.push(invalidValue(path, key, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(value, 'utf8');
  }
  for (const [key, value] of Object.entries(binary)) {
    const path = keyPath('binaryData', key);
    errors.push(...isConfigMapKey(key).map((msg) => invalidValue(path, key, msg)));
    if (isBase64(value)) total += decodedLength(value);
    else errors.push(invalidValue(path, value, NOT_BASE64));
  }
  // Kubernetes reports the size on the whole object; Skiff names `data`, where the bulk usually is.
  if (total > MAX_CONFIG_MAP_SIZE) errors.push(tooLong('data', MAX_CONFIG_MAP_SIZE));
  return errors;
}

export const ConfigMapSchema = withChecks(configMapObject, validateConfigMapData);
export type ConfigMap = z.output<typeof ConfigMapSchema>;
export type ConfigMapInput = z.input<typeof ConfigMapSchema>;

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

/** An immutable ConfigMap keeps its data and its immutability for life (kubelets stop watching it). */
export function validateConfigMapUpdate(old: ConfigMap, next: ConfigMap): FieldError[] {
  if (old.immutable !== true) return [];
  const errors: FieldError[] = [];
  if (next.immutable !== true) errors.push(forbiddenField('immutable', IMMUTABLE_SET));
  if (!sameMap(old.data, next.data)) errors.push(forbiddenField('data', IMMUTABLE_SET));
  if (!sameMap(old.binaryData, next.binaryData)) errors.push(forbiddenField('binaryData', IMMUTABLE_SET));
  return errors;
}

function sameMap(
  a: Readonly<Record<string, string>> = {},
  b: Readonly<Record<string, string>> = {},
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
