/**
 * Pod volumes: the subset Skiff's kubelets can provide (emptyDir, configMap, secret, hostPath), each
 * with Kubernetes' exactly-one-source rule.
 */
import { z } from 'zod';
import { type FieldError, forbiddenField, invalidValue, required } from '../validation/field-errors.js';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain } from '../validation/names.js';
import { withChecks } from '../validation/zod-errors.js';
import { validateRelativePath } from './container.js';
import { int32, quantity, requiredString, rule } from './fields.js';

// File modes are octal in Kubernetes' messages because users write them in octal.
const fileMode = rule(
  int32,
  (v) => v >= 0 && v <= 0o777,
  'must be a number between 0 and 0777 (octal), both inclusive',
);

export const KeyToPathSchema = withChecks(
  z.object({ key: requiredString, path: requiredString, mode: fileMode.optional() }),
  (item) => {
    const errors: FieldError[] = [];
    if (item.key === '') errors.push(required('key'));
    else errors.push(...isConfigMapKey(item.key).map((msg) => invalidValue('key', item.key, msg)));
    if (item.path === '') errors.push(required('path'));
    else errors.push(...validateRelativePath(item.path, 'path'));
    return errors;
  },
);

export const EmptyDirVolumeSourceSchema = z.object({
  medium: z.enum(['', 'Memory']).optional(),
  sizeLimit: quantity.optional(),
});

export const ConfigMapVolumeSourceSchema = withChecks(
  z.object({
    name: requiredString,
    items: z.array(KeyToPathSchema).optional(),
    defaultMode: fileMode.optional(),
    optional: z.boolean().optional(),
  }),
  (source) => {
    if (source.name === '') return [required('name')];
    return isDNS1123Subdomain(source.name).map((msg) => invalidValue('name', source.name, msg));
  },
);

export const HOST_PATH_TYPES = [
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
] as const;

export const HostPathVolumeSourceSchema = withChecks(
  z.object({ path: requiredString, type: z.enum(HOST_PATH_TYPES).optional() }),
  (source) => {
    if (source.path === '') return [required('path')];
    return source.path.split('/').includes('..')
      ? [invalidValue('path', source.path, "must not contain '..'")]
      : [];
  },
);

/** A Secret's keys as files: as `configMap`, with the Secret named by `secretName`. */
export const SecretVolumeSourceSchema = withChecks(
  z.object({
    secretName: requiredString,
    items: z.array(KeyToPathSchema).optional(),
    defaultMode: fileMode.optional(),
    optional: z.boolean().optional(),
  }),
  (source) => {
    if (source.secretName === '') return [required('secretName')];
    return isDNS1123Subdomain(source.secretName).map((msg) =>
      invalidValue('secretName', source.secretName, msg),
    );
  },
);

const VOLUME_SOURCES = ['emptyDir', 'configMap', 'secret', 'hostPath'] as const;

const volumeObject = z.object({
  name: requiredString,
  emptyDir: EmptyDirVolumeSourceSchema.optional(),
  configMap: ConfigMapVolumeSourceSchema.optional(),
  secret: SecretVolumeSourceSchema.optional(),
  hostPath: HostPathVolumeSourceSchema.optional(),
});

/** Kubernetes' ValidateVolumes for one volume: a DNS-1123 label name and exactly one source. */
export function validateVolume(volume: z.output<typeof volumeObject>): FieldError[] {
  const errors: FieldError[] = [];
  if (volume.name === '') errors.push(required('name'));
  else errors.push(...isDNS1123Label(volume.name).map((msg) => invalidValue('name', volume.name, msg)));
  const sources = VOLUME_SOURCES.filter((source) => volume[source] !== undefined);
  if (sources.length === 0) errors.push(required('', 'must specify a volume type'));
  for (const extra of sources.slice(1)) {
    errors.push(forbiddenField(extra, 'may not specify more than 1 volume type'));
  }
  return errors;
}

export const VolumeSchema = withChecks(volumeObject, validateVolume);
export type Volume = z.output<typeof VolumeSchema>;
export type VolumeInput = z.input<typeof VolumeSchema>;
