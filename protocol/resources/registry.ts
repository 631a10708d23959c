/**
 * The resource table: for each kind its REST names (plural, singular, short names), group and
 * version, scope, subresources, field selectors and schema, in one literal, kubectl-style.
 *
 * `resourceTypes()` returns the literal; the lookups below index one copy of it, built once at
 * load (immutable, derived: nothing registers itself by side effect).
 */
import type { z } from 'zod';
import type { NameRule } from '../validation/names.js';
import { type ConfigMap, ConfigMapSchema } from './configmap.js';
import { type DaemonSet, DaemonSetSchema } from './daemonset.js';
import { type Deployment, DeploymentSchema } from './deployment.js';
import { type Endpoints, EndpointsSchema } from './endpoints.js';
import { type Event, EventSchema } from './event.js';
import {
  commonField,
  eventField,
  jobField,
  namespaceField,
  nodeField,
  podField,
  replicaSetField,
  secretField,
  serviceField,
} from './field-values.js';
import { type Job, JobSchema } from './job.js';
import { type Lease, LeaseSchema } from './lease.js';
import { type Namespace, NamespaceSchema } from './namespace.js';
import { type Node, NodeSchema } from './node.js';
import { type Pod, PodSchema } from './pod.js';
import { type ReplicaSet, ReplicaSetSchema } from './replicaset.js';
import { type Secret, SecretSchema } from './secret.js';
import { type Service, ServiceSchema } from './service.js';

/** Any object Skiff stores, discriminated by `kind`. */
export type AnyObject =
  | Pod
  | Service
  | Endpoints
  | Node
  | Namespace
  | Event
  | ConfigMap
  | Secret
  | Deployment
  | ReplicaSet
  | DaemonSet
  | Job
  | Lease;
/** The kinds Skiff serves. */
export type Kind = AnyObject['kind'];

/** Field selectors every resource supports. */
export const COMMON_FIELD_SELECTORS: readonly string[] = ['metadata.name', 'metadata.namespace'];

/** One row of the resource table. */
export interface ResourceType {
  readonly kind: Kind;
  /** REST name: `pods`, as in `/api/v1/namespaces/{ns}/pods` and `skiff.api.get.pods`. */
  readonly plural: string;
  /** Lower-case kind: `pod`. */
  readonly singular: string;
  /** API group, '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** `v1`, `apps/v1`: what objects carry. */
  readonly apiVersion: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** `all` for what `skiff get all` lists, as kubectl does. */
  readonly categories: readonly string[];
  /** Field selectors beyond COMMON_FIELD_SELECTORS. */
  readonly fieldSelectors: readonly string[];
  readonly subresources: { readonly status: boolean; readonly scale: boolean };
  /** How `metadata.name` is checked for this kind. */
  readonly nameRule: NameRule;
  /** Parses, checks and defaults one object of this kind (use with `reportInput: true`). */
  readonly schema: z.ZodType<AnyObject>;
  /**
   * The value of a field for field selectors (`''` when unset, as Kubernetes compares it), or
   * undefined when this resource does not support selecting on `field`.
   */
  fieldValue(obj: AnyObject, field: string): string | undefined;
}

/** The resource table, as one literal. */
export function resourceTypes(): readonly ResourceType[] {
  const none = { status: false, scale: false } as const;
  const status = { status: true, scale: false } as const;
  const scaled = { status: true, scale: true } as const;
  return [
    {
      kind: 'Pod',
      plural: 'pods',
      singular: 'pod',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      fieldSelectors: [
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        'status.nominatedNodeName',
      ],
      subresources: status,
      nameRule: 'dns1123-subdomain',
      schema: PodSchema,
      fieldValue: podField,
    },
    {
      kind: 'Service',
      plural: 'services',
      singular: 'service',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: true,
      shortNames: ['svc'],
      categories: ['all'],
      fieldSelectors: ['spec.clusterIP', 'spec.type'],
      subresources: status,
      nameRule: 'dns1035-label',
      schema: ServiceSchema,
      fieldValue: serviceField,
    },
    {
      kind: 'Endpoints',
      plural: 'endpoints',
      singular: 'endpoints',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: true,
      shortNames: ['ep'],
      categories: [],
      fieldSelectors: [],
      subresources: none,
      nameRule: 'dns1123-subdomain',
      schema: EndpointsSchema,
      fieldValue: commonField,
    },
    {
      kind: 'Node',
      plural: 'nodes',
      singular: 'node',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: false,
      shortNames: ['no'],
      categories: [],
      fieldSelectors: ['spec.unschedulable'],
      subresources: status,
      nameRule: 'dns1123-subdomain',
      schema: NodeSchema,
      fieldValue: nodeField,
    },
    {
      kind: 'Namespace',
      plural: 'namespaces',
      singular: 'namespace',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: false,
      shortNames: ['ns'],
      categories: [],
      fieldSelectors: ['status.phase'],
      subresources: status,
      nameRule: 'dns1123-label',
      schema: NamespaceSchema,
      fieldValue: namespaceField,
    },
    {
      kind: 'Event',
      plural: 'events',
      singular: 'event',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: true,
      shortNames: ['ev'],
      categories: [],
      fieldSelectors: [
        'involvedObject.kind',
        'involvedObject.namespace',
        'involvedObject.name',
        'involvedObject.uid',
        'involvedObject.apiVersion',
        'involvedObject.resourceVersion',
        'involvedObject.fieldPath',
        'reason',
        'reportingComponent',
        'source',
        'type',
      ],
      subresources: none,
      nameRule: 'dns1123-subdomain',
      schema: EventSchema,
      fieldValue: eventField,
    },
    {
      kind: 'ConfigMap',
      plural: 'configmaps',
      singular: 'configmap',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: true,
      shortNames: ['cm'],
      categories: [],
      fieldSelectors: [],
      subresources: none,
      nameRule: 'dns1123-subdomain',
      schema: ConfigMapSchema,
      fieldValue: commonField,
    },
    {
      kind: 'Secret',
      plural: 'secrets',
      singular: 'secret',
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      namespaced: true,
      shortNames: [],
      categories: [],
      fieldSelectors: ['type'],
      subresources: none,
      nameRule: 'dns1123-subdomain',
      schema: SecretSchema,
      fieldValue: secretField,
    },
    {
      kind: 'Deployment',
      plural: 'deployments',
      singular: 'deployment',
      group: 'apps',
      version: 'v1',
      apiVersion: 'apps/v1',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ['all'],
      fieldSelectors: [],
      subresources: scaled,
      nameRule: 'dns1123-subdomain',
      schema: DeploymentSchema,
      fieldValue: commonField,
    },
    {
      kind: 'ReplicaSet',
      plural: 'replicasets',
      singular: 'replicaset',
      group: 'apps',
      version: 'v1',
      apiVersion: 'apps/v1',
      namespaced: true,
      shortNames: ['rs'],
      categories: ['all'],
      fieldSelectors: ['status.replicas'],
      subresources: scaled,
      nameRule: 'dns1123-subdomain',
      schema: ReplicaSetSchema,
      fieldValue: replicaSetField,
    },
    {
      kind: 'DaemonSet',
      plural: 'daemonsets',
      singular: 'daemonset',
      group: 'apps',
      version: 'v1',
      apiVersion: 'apps/v1',
      namespaced: true,
      shortNames: ['ds'],
      categories: ['all'],
      fieldSelectors: [],
      subresources: status,
      nameRule: 'dns1123-subdomain',
      schema: DaemonSetSchema,
      fieldValue: commonField,
    },
    {
      kind: 'Job',
      plural: 'jobs',
      singular: 'job',
      group: 'batch',
      version: 'v1',
      apiVersion: 'batch/v1',
      namespaced: true,
      shortNames: [],
      categories: ['all'],
      fieldSelectors: ['status.successful'],
      subresources: status,
      nameRule: 'dns1123-subdomain',
      schema: JobSchema,
      fieldValue: jobField,
    },
    {
      kind: 'Lease',
      plural: 'leases',
      singular: 'lease',
      group: 'coordination.k8s.io',
      version: 'v1',
      apiVersion: 'coordination.k8s.io/v1',
      namespaced: true,
      shortNames: [],
      categories: [],
      fieldSelectors: [],
      subresources: none,
      nameRule: 'dns1123-subdomain',
      schema: LeaseSchema,
      fieldValue: commonField,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Lookups, over one copy of the table indexed at load.

const TABLE = resourceTypes();
const BY_PLURAL = new Map(TABLE.map((t) => [t.plural, t]));
const BY_SINGULAR = new Map(TABLE.map((t) => [t.singular, t]));
const BY_SHORT_NAME = new Map(TABLE.flatMap((t) => t.shortNames.map((s) => [s, t] as const)));
const BY_KIND = new Map(TABLE.map((t) => [t.kind as string, t]));

/** The resource served at `plural` (`pods`), exactly as it appears in API paths and subjects. */
export function resourceByPlural(plural: string): ResourceType | undefined {
  return BY_PLURAL.get(plural);
}

/** The resource whose singular name is `singular` (`pod`), ignoring case as kubectl does. */
export function resourceBySingular(singular: string): ResourceType | undefined {
  return BY_SINGULAR.get(singular.toLowerCase());
}

/** The resource with the short name `short` (`po`, `svc`, `deploy`), ignoring case as kubectl does. */
export function resourceByShortName(short: string): ResourceType | undefined {
  return BY_SHORT_NAME.get(short.toLowerCase());
}

/** The resource for an object's `apiVersion` and `kind` (both exact, as the API is). */
export function resourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  const type = BY_KIND.get(kind);
  return type !== undefined && type.apiVersion === apiVersion ? type : undefined;
}

/** The resource for a `kind` whatever the apiVersion, to tell "unknown kind" from "wrong version". */
export function resourceForKind(kind: string): ResourceType | undefined {
  return BY_KIND.get(kind);
}

/**
 * The resource a user means, kubectl-style and case-insensitive: `pods`, `pod`, `po`, `Pod`,
 * `deployments.apps`, `deploy.v1.apps`.
 */
export function resolveResource(name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const qualifier = dot < 0 ? undefined : lower.slice(dot + 1);
  const type = BY_PLURAL.get(base) ?? BY_SINGULAR.get(base) ?? BY_SHORT_NAME.get(base);
  if (type === undefined || qualifier === undefined) return type;
  // `deployments.apps` and `deployments.v1.apps` qualify by group, and by version then group.
  const group = type.group === '' ? '' : type.group.toLowerCase();
  return qualifier === group || qualifier === `${type.version}.${group}` ? type : undefined;
}

/** The resources in a category (`all`), as `skiff get all` lists them. */
export function resourcesInCategory(category: string): ResourceType[] {
  return TABLE.filter((t) => t.categories.includes(category));
}

/** Every kind Skiff serves, for "supported values" messages. */
export function supportedKinds(): string[] {
  return TABLE.map((t) => t.kind);
}
