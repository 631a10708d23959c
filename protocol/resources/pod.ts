/**
 * Pod (`v1`): the pod spec every workload embeds, its defaults and checks, and the Pod object.
 *
 * `PodSpecSchema` is shared by Pods and by every pod template, so a template's problems are
 * reported under the template's own path (`spec.template.spec.containers[0].image`).
 */
import { z } from 'zod';
import { labelsSchema, objectMetaSchema, TemplateMetaSchema } from '../meta.js';
import {
  duplicate,
  type FieldError,
  forbiddenField,
  invalidValue,
  required,
} from '../validation/field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names.js';
import { childPath, withChecks } from '../validation/zod-errors.js';
import { type Container, ContainerSchema, PodSecurityContextSchema } from './container.js';
import { inclusiveRangeError, int32, int64, nonNegativeInt64, rule } from './fields.js';
import { deepEqual } from './immutable.js';
import { PodStatusSchema } from './pod-status.js';
import {
  AffinitySchema,
  TolerationSchema,
  TopologySpreadConstraintSchema,
  validateSpreadConstraints,
} from './scheduling.js';
import { VolumeSchema } from './volume.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];
export const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

const MAX_INT32 = 2147483647;

const podSpecObject = z.object({
  // Defaulted to [] so that a missing list is reported as `containers: Required value` by the
  // spec's own check, which then still runs its other checks.
  containers: z.array(ContainerSchema).default(() => []),
  initContainers: z.array(ContainerSchema).optional(),
  volumes: z.array(VolumeSchema).optional(),
  restartPolicy: z.enum(RESTART_POLICIES).default('Always'),
  terminationGracePeriodSeconds: nonNegativeInt64.default(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS),
  activeDeadlineSeconds: rule(
    int64,
    (v) => v >= 1 && v <= MAX_INT32,
    inclusiveRangeError(1, MAX_INT32),
  ).optional(),
  dnsPolicy: z.enum(DNS_POLICIES).default('ClusterFirst'),
  nodeSelector: labelsSchema.optional(),
  serviceAccountName: z.string().optional(),
  nodeName: z.string().optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  securityContext: PodSecurityContextSchema.optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
  affinity: AffinitySchema.optional(),
  schedulerName: z.string().default(DEFAULT_SCHEDULER_NAME),
  tolerations: z.array(TolerationSchema).optional(),
  priorityClassName: z.string().optional(),
  priority: int32.optional(),
  topologySpreadConstraints: z.array(TopologySpreadConstraintSchema).optional(),
  enableServiceLinks: z.boolean().optional(),
});
type PodSpecFields = z.output<typeof podSpecObject>;

/** A container of the spec with where it sits: `containers[2]` or `initContainers[0]`. */
function eachContainer(spec: PodSpecFields): { container: Container; path: string }[] {
  return [
    ...(spec.initContainers ?? []).map((container, i) => ({
      container,
      path: childPath('initContainers', i),
    })),
    ...spec.containers.map((container, i) => ({ container, path: childPath('containers', i) })),
  ];
}

function nameErrors(value: string | undefined, path: string, check: (v: string) => string[]): FieldError[] {
  return value ? check(value).map((msg) => invalidValue(path, value, msg)) : [];
}

/**
 * The pod-spec checks that span containers and volumes (Kubernetes' ValidatePodSpec): at least one
 * container, unique container and volume names, mounts naming real volumes, unique ports, host
 * networking rules and valid referenced names. Paths are relative to the spec.
 */
export function validatePodSpec(spec: PodSpecFields): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.containers.length === 0) errors.push(required('containers'));

  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((volume, i) => {
    if (volumes.has(volume.name)) errors.push(duplicate(childPath('volumes', i, 'name'), volume.name));
    volumes.add(volume.name);
  });

  // Init containers and app containers share one namespace of names.
  const names = new Set<string>();
  const containerPorts = new Set<string>();
  const hostPorts = new Set<string>();
  for (const { container, path } of eachContainer(spec)) {
    if (container.name !== '' && names.has(container.name)) {
      errors.push(duplicate(childPath(path, 'name'), container.name));
    }
    names.add(container.name);
    (container.volumeMounts ?? []).forEach((mount, i) => {
      if (mount.name !== '' && !volumes.has(mount.name)) {
        errors.push(
          invalidValue(
            childPath(path, 'volumeMounts', i, 'name'),
            mount.name,
            'must match the name of a volume',
          ),
        );
      }
    });
    errors.push(...validatePorts(spec, container, path, { containerPorts, hostPorts }));
  }

  errors.push(...nameErrors(spec.nodeName, 'nodeName', isDNS1123Subdomain));
  errors.push(...nameErrors(spec.serviceAccountName, 'serviceAccountName', isDNS1123Subdomain));
  errors.push(...nameErrors(spec.schedulerName, 'schedulerName', isDNS1123Subdomain));
  errors.push(...nameErrors(spec.priorityClassName, 'priorityClassName', isDNS1123Subdomain));
  errors.push(...nameErrors(spec.hostname, 'hostname', isDNS1123Label));
  errors.push(...nameErrors(spec.subdomain, 'subdomain', isDNS1123Label));
  errors.push(
    ...validateSpreadConstraints(spec.topologySpreadConstraints ?? [], 'topologySpreadConstraints'),
  );
  return errors;
}

// Ports are keyed `80/TCP` (container side) and `TCP/0.0.0.0/8080` (host side, Kubernetes' format).
function validatePorts(
  spec: PodSpecFields,
  container: Container,
  path: string,
  seen: { containerPorts: Set<string>; hostPorts: Set<string> },
): FieldError[] {
  const errors: FieldError[] = [];
  (container.ports ?? []).forEach((port, i) => {
    const portPath = childPath(path, 'ports', i);
    const key = `${port.containerPort}/${port.protocol}`;
    if (seen.containerPorts.has(key)) errors.push(duplicate(childPath(portPath, 'containerPort'), key));
    seen.containerPorts.add(key);
    if (port.hostPort) {
      const hostKey = `${port.protocol}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.hostPorts.has(hostKey)) errors.push(duplicate(childPath(portPath, 'hostPort'), hostKey));
      seen.hostPorts.add(hostKey);
      if (spec.hostNetwork && port.hostPort !== port.containerPort) {
        errors.push(
          invalidValue(
            childPath(portPath, 'containerPort'),
            port.containerPort,
            'must match `hostPort` when `hostNetwork` is true',
          ),
        );
      }
    }
  });
  return errors;
}

/** Pod-spec defaults that depend on other fields: with host networking, hostPort = containerPort. */
export function defaultPodSpec<S extends PodSpecFields>(spec: S): S {
  if (!spec.hostNetwork) return spec;
  const withHostPorts = (c: Container): Container =>
    c.ports === undefined
      ? c
      : { ...c, ports: c.ports.map((p) => (p.hostPort ? p : { ...p, hostPort: p.containerPort })) };
  return {
    ...spec,
    containers: spec.containers.map(withHostPorts),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(withHostPorts) } : {}),
  };
}

export const PodSpecSchema = withChecks(podSpecObject, validatePodSpec).transform(defaultPodSpec);
export type PodSpec = z.output<typeof PodSpecSchema>;
/** A pod spec as a client writes it (before defaults). */
export type PodSpecInput = z.input<typeof PodSpecSchema>;

/** A pod template inside a workload: labels and annotations checked, and a full pod spec. */
export const PodTemplateSpecSchema = z.object({
  metadata: TemplateMetaSchema.prefault({}),
  spec: PodSpecSchema.prefault({}),
});
export type PodTemplateSpec = z.output<typeof PodTemplateSpecSchema>;
export type PodTemplateSpecInput = z.input<typeof PodTemplateSpecSchema>;

export const PodSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  spec: PodSpecSchema.prefault({}),
  status: PodStatusSchema.optional(),
});
export type Pod = z.output<typeof PodSchema>;
export type PodInput = z.input<typeof PodSchema>;

// ---------------------------------------------------------------------------------------------
// Updates.

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, ' +
  '`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) and ' +
  '`spec.nodeName` (only from unset, when the pod is bound)';

/**
 * Kubernetes' ValidatePodUpdate: a pod's spec is fixed once created, except container images, a
 * shorter active deadline, added tolerations, and the binding that sets `nodeName` once.
 */
export function validatePodUpdate(old: Pod, next: Pod): FieldError[] {
  const errors: FieldError[] = [];
  const oldDeadline = old.spec.activeDeadlineSeconds;
  const newDeadline = next.spec.activeDeadlineSeconds;
  if (oldDeadline !== undefined) {
    if (newDeadline === undefined) {
      errors.push(
        invalidValue(
          'spec.activeDeadlineSeconds',
          null,
          'must not update from a positive integer to nil value',
        ),
      );
    } else if (newDeadline > oldDeadline) {
      errors.push(
        invalidValue(
          'spec.activeDeadlineSeconds',
          newDeadline,
          'must be less than or equal to previous value',
        ),
      );
    }
  }
  const nextTolerations = next.spec.tolerations ?? [];
  const keptAll = (old.spec.tolerations ?? []).every((t) => nextTolerations.some((n) => deepEqual(t, n)));
  if (!keptAll)
    errors.push(
      forbiddenField(
        'spec.tolerations',
        'existing toleration can not be modified except its tolerationSeconds',
      ),
    );

  // Put the old values of every mutable field into the new spec: anything left different is forbidden.
  const sameImages = (olds: readonly Container[] | undefined, news: readonly Container[] | undefined) =>
    news?.map((c, i) => ({ ...c, image: olds?.[i]?.image ?? c.image }));
  const comparable = {
    ...next.spec,
    containers: sameImages(old.spec.containers, next.spec.containers),
    initContainers: sameImages(old.spec.initContainers, next.spec.initContainers),
    activeDeadlineSeconds: old.spec.activeDeadlineSeconds,
    tolerations: old.spec.tolerations,
    nodeName:
      old.spec.nodeName === undefined || old.spec.nodeName === '' ? old.spec.nodeName : next.spec.nodeName,
  };
  if (!deepEqual(comparable, old.spec)) errors.push(forbiddenField('spec', POD_UPDATE_MESSAGE));
  return errors;
}
