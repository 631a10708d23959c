/**
 * ReplicaSet (`apps/v1`): keeps `replicas` copies of a pod template running. Deployments own
 * them; users rarely write one by hand.
 */
import { z } from 'zod';
import { ConditionSchema, LabelSelectorSchema, objectMetaSchema } from '../meta.js';
import type { FieldError } from '../validation/field-errors.js';
import { withChecks } from '../validation/zod-errors.js';
import { nonNegativeInt32, nonNegativeInt64 } from './fields.js';
import { validateImmutable } from './immutable.js';
import { PodTemplateSpecSchema } from './pod.js';
import { validateSelectorAndTemplate } from './workload.js';

const specObject = z.object({
  replicas: nonNegativeInt32.default(1),
  // Optional to the parser so that a missing selector is one error among the others.
  selector: LabelSelectorSchema.optional(),
  template: PodTemplateSpecSchema.prefault({}),
  minReadySeconds: nonNegativeInt32.default(0),
});

/** ReplicaSet-spec checks across fields: a selector that matches an Always-restarting template. */
export function validateReplicaSetSpec(spec: z.output<typeof specObject>): FieldError[] {
  return validateSelectorAndTemplate(spec, { kind: 'replicaset', restartPolicies: ['Always'] });
}

export const ReplicaSetSpecSchema = withChecks(specObject, validateReplicaSetSpec).transform(
  // The check refuses a missing selector and transforms run only after all checks passed: the
  // fallback never applies, it only tells the type system the selector is there.
  (spec) => ({ ...spec, selector: spec.selector ?? {} }),
);
export type ReplicaSetSpec = z.output<typeof ReplicaSetSpecSchema>;

export const ReplicaSetStatusSchema = z.object({
  replicas: nonNegativeInt32.default(0),
  fullyLabeledReplicas: nonNegativeInt32.optional(),
  readyReplicas: nonNegativeInt32.optional(),
  availableReplicas: nonNegativeInt32.optional(),
  observedGeneration: nonNegativeInt64.optional(),
  conditions: z.array(ConditionSchema).optional(),
});
export type ReplicaSetStatus = z.output<typeof ReplicaSetStatusSchema>;
export type ReplicaSetStatusInput = z.input<typeof ReplicaSetStatusSchema>;

export const ReplicaSetSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('ReplicaSet'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  spec: ReplicaSetSpecSchema.prefault({}),
  status: ReplicaSetStatusSchema.optional(),
});
export type ReplicaSet = z.output<typeof ReplicaSetSchema>;
export type ReplicaSetInput = z.input<typeof ReplicaSetSchema>;

/** apps/v1 forbids changing a ReplicaSet's selector: its pods would be orphaned. */
export function validateReplicaSetUpdate(old: ReplicaSet, next: ReplicaSet): FieldError[] {
  return validateImmutable(old.spec.selector, next.spec.selector, 'spec.selector');
}
