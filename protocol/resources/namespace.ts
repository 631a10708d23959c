/**
 * Namespace (`v1`, cluster-scoped): a scope for names. Its name is a DNS-1123 label, it carries
 * the `kubernetes.io/metadata.name` label (so selectors can pick namespaces by name), and it is
 * Active until deleted, then Terminating while its contents go.
 */
import { z } from 'zod';
import { ConditionSchema, objectMetaSchema } from '../meta.js';
import { duplicate, type FieldError } from '../validation/field-errors.js';
import { validateFinalizerName } from '../validation/names.js';
import { childPath, withChecks } from '../validation/zod-errors.js';
import { stringList } from './fields.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
export const NAMESPACE_PHASES = ['Active', 'Terminating'] as const;
/** The finalizer a deleted namespace keeps until the namespace controller has emptied it. */
export const NAMESPACE_FINALIZER = 'kubernetes';

export const NamespaceSpecSchema = withChecks(z.object({ finalizers: stringList.optional() }), (spec) => {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  (spec.finalizers ?? []).forEach((finalizer, i) => {
    const path = childPath('finalizers', i);
    errors.push(...validateFinalizerName(finalizer, path));
    if (seen.has(finalizer)) errors.push(duplicate(path, finalizer));
    seen.add(finalizer);
  });
  return errors;
});

export const NamespaceStatusSchema = z.object({
  phase: z.enum(NAMESPACE_PHASES).default('Active'),
  conditions: z.array(ConditionSchema).optional(),
});

const namespaceObject = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: objectMetaSchema('dns1123-label').prefault({}),
  spec: NamespaceSpecSchema.prefault({}),
  status: NamespaceStatusSchema.prefault({}),
});

/** Kubernetes' SetDefaults_Namespace: the name is mirrored into the `kubernetes.io/metadata.name` label. */
export function defaultNamespace<N extends z.output<typeof namespaceObject>>(ns: N): N {
  const name = ns.metadata.name;
  if (!name || ns.metadata.labels?.[NAMESPACE_NAME_LABEL] === name) return ns;
  return {
    ...ns,
    metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: name } },
  };
}

export const NamespaceSchema = namespaceObject.transform(defaultNamespace);
export type Namespace = z.output<typeof NamespaceSchema>;
export type NamespaceInput = z.input<typeof NamespaceSchema>;
