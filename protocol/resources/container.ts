/**
 * Containers: image, command, environment, ports, resources, mounts, probes and security context,
 * with the defaults that depend on other fields (imagePullPolicy from the image tag, requests
 * from limits) applied by `defaultContainer`.
 */
import { z } from 'zod';
import {
  duplicate,
  type FieldError,
  invalidValue,
  notSupported,
  required,
} from '../validation/field-errors.js';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidPortName,
} from '../validation/names.js';
import { childPath, keyPath, withChecks } from '../validation/zod-errors.js';
import {
  approximateQuantity,
  inclusiveRangeError,
  int32,
  int64,
  MAX_PORT,
  protocol,
  quantity,
  requiredString,
  resourceList,
  rule,
  stringList,
  validateIP,
} from './fields.js';
import { LifecycleSchema, ProbeSchema } from './probe.js';

// ---------------------------------------------------------------------------------------------
// Environment.

/** Pod fields a container may read through `env[].valueFrom.fieldRef` (the downward API). */
export const ENV_FIELD_PATHS: readonly string[] = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const SUBSCRIPTED_FIELD_PATH = /^(metadata\.labels|metadata\.annotations)\['(.*)'\]$/;

const ObjectFieldSelectorSchema = withChecks(
  z.object({ apiVersion: z.string().default('v1'), fieldPath: z.string() }),
  ({ fieldPath }) => {
    const subscripted = SUBSCRIPTED_FIELD_PATH.exec(fieldPath);
    if (subscripted) {
      const [, path, key = ''] = subscripted;
      const checked = path === 'metadata.annotations' ? key.toLowerCase() : key;
      return isQualifiedName(checked).map((msg) => invalidValue('fieldPath', fieldPath, msg));
    }
    return ENV_FIELD_PATHS.includes(fieldPath) ? [] : [notSupported('fieldPath', fieldPath, ENV_FIELD_PATHS)];
  },
);

const ConfigMapKeySelectorSchema = withChecks(
  z.object({ name: requiredString, key: requiredString, optional: z.boolean().optional() }),
  (ref) => [
    ...(ref.name === '' ? [required('name')] : []),
    ...(ref.key === ''
      ? [required('key')]
      : isConfigMapKey(ref.key).map((msg) => invalidValue('key', ref.key, msg))),
  ],
);

/** `secretKeyRef`: the same shape and rules as `configMapKeyRef`, naming a Secret. */
const SecretKeySelectorSchema = ConfigMapKeySelectorSchema;

const ENV_RESOURCES = [
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
] as const;

const ResourceFieldSelectorSchema = z.object({
  containerName: z.string().optional(),
  resource: z.enum(ENV_RESOURCES),
  divisor: quantity.optional(),
});

const EnvVarSourceSchema = withChecks(
  z.object({
    fieldRef: ObjectFieldSelectorSchema.optional(),
    configMapKeyRef: ConfigMapKeySelectorSchema.optional(),
    secretKeyRef: SecretKeySelectorSchema.optional(),
    resourceFieldRef: ResourceFieldSelectorSchema.optional(),
  }),
  (source) => {
    const count = [
      source.fieldRef,
      source.configMapKeyRef,
      source.secretKeyRef,
      source.resourceFieldRef,
    ].filter(Boolean).length;
    if (count === 0) {
      return [
        invalidValue(
          '',
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      ];
    }
    return count > 1 ? [invalidValue('', '', 'may not have more than one field specified at a time')] : [];
  },
);

export const EnvVarSchema = withChecks(
  z.object({ name: requiredString, value: z.string().optional(), valueFrom: EnvVarSourceSchema.optional() }),
  (env) => {
    const errors: FieldError[] = [];
    if (env.name === '') errors.push(required('name'));
    else errors.push(...isEnvVarName(env.name).map((msg) => invalidValue('name', env.name, msg)));
    if (env.valueFrom !== undefined && (env.value ?? '') !== '') {
      errors.push(invalidValue('valueFrom', '', 'may not be specified when `value` is not empty'));
    }
    return errors;
  },
);
export type EnvVar = z.output<typeof EnvVarSchema>;

export const EnvFromSourceSchema = withChecks(
  z.object({
    prefix: z.string().optional(),
    configMapRef: z.object({ name: requiredString, optional: z.boolean().optional() }).optional(),
    secretRef: z.object({ name: requiredString, optional: z.boolean().optional() }).optional(),
  }),
  (source) => {
    const errors: FieldError[] = [];
    if (source.prefix)
      errors.push(...isEnvVarName(source.prefix).map((m) => invalidValue('prefix', source.prefix, m)));
    const refs = (['configMapRef', 'secretRef'] as const).filter((r) => source[r] !== undefined);
    if (refs.length === 0)
      errors.push(invalidValue('', '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (refs.length > 1)
      errors.push(invalidValue('', '', 'may not have more than one field specified at a time'));
    for (const ref of refs) {
      const name = source[ref]?.name ?? '';
      if (name === '') errors.push(required(`${ref}.name`));
      else errors.push(...isDNS1123Subdomain(name).map((m) => invalidValue(`${ref}.name`, name, m)));
    }
    return errors;
  },
);
export type EnvFromSource = z.output<typeof EnvFromSourceSchema>;

// ---------------------------------------------------------------------------------------------
// Ports and resources.

export const ContainerPortSchema = withChecks(
  z.object({
    name: z.string().optional(),
    // 0 reads as absent, like Go's zero value, and is reported as `Required value`.
    containerPort: int32.default(0),
    hostPort: int32.optional(),
    hostIP: z.string().optional(),
    protocol: protocol.default('TCP'),
  }),
  (port) => {
    const errors: FieldError[] = [];
    if (port.name)
      errors.push(...isValidPortName(port.name).map((msg) => invalidValue('name', port.name, msg)));
    if (port.containerPort === 0) errors.push(required('containerPort'));
    else if (port.containerPort < 0 || port.containerPort > MAX_PORT) {
      errors.push(invalidValue('containerPort', port.containerPort, inclusiveRangeError(1, MAX_PORT)));
    }
    // hostPort 0 means "none", as in Kubernetes.
    if (port.hostPort !== undefined && (port.hostPort < 0 || port.hostPort > MAX_PORT)) {
      errors.push(invalidValue('hostPort', port.hostPort, inclusiveRangeError(1, MAX_PORT)));
    }
    if (port.hostIP) errors.push(...validateIP(port.hostIP, 'hostIP'));
    return errors;
  },
);
export type ContainerPort = z.output<typeof ContainerPortSchema>;
export type ContainerPortInput = z.input<typeof ContainerPortSchema>;

const STANDARD_CONTAINER_RESOURCES: readonly string[] = ['cpu', 'memory', 'ephemeral-storage'];

/** Problems with a resource name in a container's requests or limits. */
function validateResourceName(name: string, path: string): FieldError[] {
  const errors = isQualifiedName(name).map((msg) => invalidValue(path, name, msg));
  const standard = STANDARD_CONTAINER_RESOURCES.includes(name) || name.startsWith('hugepages-');
  if (!name.includes('/') && !standard)
    errors.push(invalidValue(path, name, 'must be a standard resource for containers'));
  return errors;
}

export const ResourceRequirementsSchema = withChecks(
  z.object({ limits: resourceList.optional(), requests: resourceList.optional() }),
  ({ limits = {}, requests = {} }) => {
    const errors: FieldError[] = [];
    for (const [which, list] of [
      ['limits', limits],
      ['requests', requests],
    ] as const) {
      for (const [name, value] of Object.entries(list)) {
        const path = keyPath(which, name);
        errors.push(...validateResourceName(name, path));
        if (approximateQuantity(value) < 0)
          errors.push(invalidValue(path, value, 'must be greater than or equal to 0'));
      }
    }
    for (const [name, request] of Object.entries(requests)) {
      const limit = limits[name];
      if (limit !== undefined && approximateQuantity(request) > approximateQuantity(limit)) {
        errors.push(
          invalidValue('requests', request, `must be less than or equal to ${name} limit of ${limit}`),
        );
      }
    }
    return errors;
  },
);
export type ResourceRequirements = z.output<typeof ResourceRequirementsSchema>;

// ---------------------------------------------------------------------------------------------
// Mounts and security.

export const VolumeMountSchema = withChecks(
  z.object({
    name: requiredString,
    mountPath: requiredString,
    readOnly: z.boolean().optional(),
    subPath: z.string().optional(),
    mountPropagation: z.enum(['None', 'HostToContainer', 'Bidirectional']).optional(),
  }),
  (mount) => {
    const errors: FieldError[] = [];
    if (mount.name === '') errors.push(required('name'));
    if (mount.mountPath === '') errors.push(required('mountPath'));
    if (mount.subPath !== undefined) errors.push(...validateRelativePath(mount.subPath, 'subPath'));
    return errors;
  },
);
export type VolumeMount = z.output<typeof VolumeMountSchema>;

/** Kubernetes' validateLocalNonReservedPath: relative, and never stepping out with `..`. */
export function validateRelativePath(value: string, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (value.startsWith('/')) errors.push(invalidValue(path, value, 'must be a relative path'));
  if (value.split('/').includes('..')) errors.push(invalidValue(path, value, "must not contain '..'"));
  return errors;
}

const userId = rule(int64, (v) => v >= 0 && v <= 2147483647, inclusiveRangeError(0, 2147483647));

export const SecurityContextSchema = z.object({
  privileged: z.boolean().optional(),
  runAsUser: userId.optional(),
  runAsGroup: userId.optional(),
  runAsNonRoot: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  capabilities: z.object({ add: stringList.optional(), drop: stringList.optional() }).optional(),
});
export type SecurityContext = z.output<typeof SecurityContextSchema>;

export const PodSecurityContextSchema = z.object({
  runAsUser: userId.optional(),
  runAsGroup: userId.optional(),
  runAsNonRoot: z.boolean().optional(),
  fsGroup: userId.optional(),
  supplementalGroups: z.array(userId).optional(),
});
export type PodSecurityContext = z.output<typeof PodSecurityContextSchema>;

// ---------------------------------------------------------------------------------------------
// The container.

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

const containerObject = z.object({
  name: requiredString,
  image: requiredString,
  command: stringList.optional(),
  args: stringList.optional(),
  workingDir: z.string().optional(),
  env: z.array(EnvVarSchema).optional(),
  envFrom: z.array(EnvFromSourceSchema).optional(),
  ports: z.array(ContainerPortSchema).optional(),
  resources: ResourceRequirementsSchema.optional(),
  volumeMounts: z.array(VolumeMountSchema).optional(),
  livenessProbe: ProbeSchema.optional(),
  readinessProbe: ProbeSchema.optional(),
  startupProbe: ProbeSchema.optional(),
  lifecycle: LifecycleSchema.optional(),
  terminationMessagePath: z.string().default('/dev/termination-log'),
  terminationMessagePolicy: z.enum(['File', 'FallbackToLogsOnError']).default('File'),
  imagePullPolicy: z.enum(PULL_POLICIES).optional(),
  securityContext: SecurityContextSchema.optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
});
type ContainerFields = z.output<typeof containerObject>;

/** The checks within one container that span its fields (names, uniqueness, probe rules). */
export function validateContainer(c: ContainerFields): FieldError[] {
  const errors: FieldError[] = [];
  if (c.name === '') errors.push(required('name'));
  else errors.push(...isDNS1123Label(c.name).map((msg) => invalidValue('name', c.name, msg)));
  if (c.image === '') errors.push(required('image'));
  else if (c.image.trim() !== c.image) {
    errors.push(invalidValue('image', c.image, 'must not have leading or trailing whitespace'));
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    if (!port.name) return;
    if (portNames.has(port.name)) errors.push(duplicate(childPath('ports', i, 'name'), port.name));
    portNames.add(port.name);
  });
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((mount, i) => {
    if (mountPaths.has(mount.mountPath)) {
      errors.push(invalidValue(childPath('volumeMounts', i, 'mountPath'), mount.mountPath, 'must be unique'));
    }
    mountPaths.add(mount.mountPath);
  });
  // Only readiness may need several successes: a liveness or startup probe acts on the first.
  for (const probe of ['livenessProbe', 'startupProbe'] as const) {
    const threshold = c[probe]?.successThreshold;
    if (threshold !== undefined && threshold !== 1) {
      errors.push(invalidValue(childPath(probe, 'successThreshold'), threshold, 'must be 1'));
    }
  }
  return errors;
}

/**
 * The pull policy Kubernetes defaults from the image: `Always` for `:latest` or no tag (the
 * image may have moved), else `IfNotPresent`. A digest pins the image, so no tag then means
 * `IfNotPresent`.
 */
export function imagePullPolicyFor(image: string): PullPolicy {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  // A colon before the last slash belongs to a registry host (`localhost:5000/app`), not a tag.
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  if (tag === undefined) return at >= 0 ? 'IfNotPresent' : 'Always';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Fills the defaults that depend on other fields: imagePullPolicy, and requests from limits. */
export function defaultContainer<C extends ContainerFields>(c: C): C & { imagePullPolicy: PullPolicy } {
  const imagePullPolicy = c.imagePullPolicy ?? imagePullPolicyFor(c.image);
  const limits = c.resources?.limits;
  if (limits === undefined) return { ...c, imagePullPolicy };
  // A limit with no request means "request exactly the limit", which is what the scheduler counts.
  const requests = { ...limits, ...c.resources?.requests };
  return { ...c, imagePullPolicy, resources: { ...c.resources, requests } };
}

export const ContainerSchema = withChecks(containerObject, validateContainer).transform(defaultContainer);
export type Container = z.output<typeof ContainerSchema>;
/** A container as a client writes it (before defaults). */
export type ContainerInput = z.input<typeof ContainerSchema>;
