/**
 * The strategic-merge metadata of Skiff's kinds: for each field path, the `patchStrategy` and
 * `patchMergeKey` struct tags that k8s.io/api (core/v1, apps/v1, batch/v1) and apimachinery's
 * ObjectMeta declare. Kubernetes reads these tags from Go structs by reflection; Skiff has no Go
 * structs, so this one literal table is the whole of that knowledge.
 *
 * A path names fields only, from the object's root: a list element adds no segment, so the
 * `ports` of any container of a Pod is `spec.containers.ports`. A field absent from the table has
 * no strategy: maps merge key by key and lists are replaced whole. That is exactly what
 * Kubernetes does for fields such as tolerations, node taints, endpoint subsets and namespace
 * finalizers, which carry no tag in k8s.io/api (they are `listType=atomic`): do not "fix" them by
 * adding merge keys here, or kubectl apply would stop matching what a real cluster does.
 */
import { ApiError } from '../errors.js';

/** How one field is patched; the absence of an entry means "replace lists, merge maps". */
export interface FieldStrategy {
  /** `merge`: lists merge by `mergeKey` (or as a set of primitives); `replace`: maps are replaced. */
  readonly strategy?: 'merge' | 'replace';
  /** The field that identifies an element of a merged list of objects. */
  readonly mergeKey?: string;
  /** `retainKeys`: fields missing from the patch's `$retainKeys` list are cleared (one-of unions). */
  readonly retainKeys?: boolean;
}

/** Field path (for example `spec.template.spec.containers.env`) to its strategy. */
export type StrategyTable = Readonly<Record<string, FieldStrategy>>;

const byKey = (mergeKey: string): FieldStrategy => ({ strategy: 'merge', mergeKey });
const byKeyRetaining = (mergeKey: string): FieldStrategy => ({
  strategy: 'merge',
  mergeKey,
  retainKeys: true,
});
const asSet: FieldStrategy = { strategy: 'merge' };
const conditions = { 'status.conditions': byKey('type') };

/** Prefixes every path of `table` with `prefix`, to reuse one table at several places. */
function under(prefix: string, table: StrategyTable): StrategyTable {
  return Object.fromEntries(Object.entries(table).map(([path, strategy]) => [`${prefix}.${path}`, strategy]));
}

/** The table of every kind Skiff serves, keyed by kind; the pod spec is one table used at two depths. */
export function strategyTables(): Readonly<Record<string, StrategyTable>> {
  // metav1.ObjectMeta: finalizers are a set, owner references merge by uid.
  const objectMeta: StrategyTable = { finalizers: asSet, ownerReferences: byKey('uid') };
  // core/v1.Container (and EphemeralContainerCommon). envFrom, command and args have no tag.
  const container: StrategyTable = {
    ports: byKey('containerPort'),
    env: byKey('name'),
    volumeMounts: byKey('mountPath'),
    volumeDevices: byKey('devicePath'),
  };
  // core/v1.PodSpec. tolerations and readinessGates have no tag: they are replaced whole.
  const podSpec: StrategyTable = {
    volumes: byKeyRetaining('name'),
    containers: byKey('name'),
    ...under('containers', container),
    initContainers: byKey('name'),
    ...under('initContainers', container),
    ephemeralContainers: byKey('name'),
    ...under('ephemeralContainers', container),
    imagePullSecrets: byKey('name'),
    hostAliases: byKey('ip'),
    topologySpreadConstraints: byKey('topologyKey'),
    schedulingGates: byKey('name'),
    resourceClaims: byKeyRetaining('name'),
  };
  const workload = (extra: StrategyTable): StrategyTable => ({
    ...under('metadata', objectMeta),
    ...under('spec.template.metadata', objectMeta),
    ...under('spec.template.spec', podSpec),
    ...conditions,
    ...extra,
  });
  const plain: StrategyTable = under('metadata', objectMeta);
  return {
    Pod: {
      ...plain,
      ...under('spec', podSpec),
      ...conditions,
      'status.podIPs': byKey('ip'),
      'status.hostIPs': byKey('ip'),
    },
    Service: { ...plain, 'spec.ports': byKey('port'), ...conditions },
    // subsets, addresses and notReadyAddresses have no tag in core/v1: an Endpoints patch replaces them.
    Endpoints: plain,
    // spec.taints has no tag (atomic); spec.podCIDRs is a set.
    Node: {
      ...plain,
      'spec.podCIDRs': asSet,
      ...conditions,
      'status.addresses': byKey('type'),
    },
    // spec.finalizers has no tag, unlike metadata.finalizers.
    Namespace: { ...plain, ...conditions },
    ConfigMap: plain,
    Secret: plain,
    Event: plain,
    Lease: plain,
    // spec.strategy is a one-of (rollingUpdate only with RollingUpdate), hence retainKeys.
    Deployment: workload({ 'spec.strategy': { retainKeys: true } }),
    ReplicaSet: workload({}),
    DaemonSet: workload({}),
    Job: workload({}),
  };
}

/** A position inside one kind's table: the path of the map being patched (`''` at the root). */
export interface Schema {
  readonly kind: string;
  readonly table: StrategyTable;
  readonly path: string;
}

/** The root of `kind`'s table; a kind without one cannot take a strategic merge patch (415, as for CRDs). */
export function rootSchema(kind: string): Schema {
  const tables = strategyTables();
  const table = Object.hasOwn(tables, kind) ? tables[kind] : undefined;
  if (!table) {
    throw new ApiError(
      'UnsupportedMediaType',
      `strategic merge patch format is not supported for kind "${kind}"`,
    );
  }
  return { kind, table, path: '' };
}

/** The strategy of field `key` of the map at `schema`. */
export function fieldStrategy(schema: Schema, key: string): FieldStrategy {
  const path = fieldPathOf(schema, key);
  return Object.hasOwn(schema.table, path) ? (schema.table[path] as FieldStrategy) : {};
}

/** The schema of field `key`'s value, and of every element when that value is a list. */
export function childSchema(schema: Schema, key: string): Schema {
  return { ...schema, path: fieldPathOf(schema, key) };
}

function fieldPathOf(schema: Schema, key: string): string {
  return schema.path === '' ? key : `${schema.path}.${key}`;
}
