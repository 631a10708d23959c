/**
 * DaemonSet (`apps/v1`): one pod per eligible node, updated RollingUpdate (maxUnavailable 1,
 * maxSurge 0 by default) or OnDelete.
 */
import { z } from 'zod';
import { ConditionSchema, LabelSelectorSchema, objectMetaSchema } from '../meta.js';
import { type FieldError, forbiddenField, invalidValue } from '../validation/field-errors.js';
import { withChecks } from '../validation/zod-errors.js';
import { type IntOrString, intOrString, nonNegativeInt32, nonNegativeInt64 } from './fields.js';
import { validateImmutable } from './immutable.js';
import { PodTemplateSpecSchema } from './pod.js';
import {
  intOrPercentValue,
  validateAtMost100Percent,
  validateRollingBounds,
  validateSelectorAndTemplate,
} from './workload.js';

const updateStrategyObject = z.object({
  type: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'),
  rollingUpdate: z
    .object({ maxUnavailable: intOrString.optional(), maxSurge: intOrString.optional() })
    .optional(),
});
type UpdateStrategyFields = z.output<typeof updateStrategyObject>;

function rollingBounds(strategy: UpdateStrategyFields): {
  maxUnavailable: IntOrString;
  maxSurge: IntOrString;
} {
  return {
    maxUnavailable: strategy.rollingUpdate?.maxUnavailable ?? 1,
    maxSurge: strategy.rollingUpdate?.maxSurge ?? 0,
  };
}

/** Kubernetes' ValidateDaemonSetUpdateStrategy: exactly one of maxSurge and maxUnavailable is non-zero. */
function validateUpdateStrategy(strategy: UpdateStrategyFields): FieldError[] {
  if (strategy.type === 'OnDelete') {
    return strategy.rollingUpdate === undefined
      ? []
      : [forbiddenField('rollingUpdate', "may not be specified when strategy `type` is 'OnDelete'")];
  }
  const bounds = rollingBounds(strategy);
  const errors = validateRollingBounds(bounds, 'rollingUpdate');
  errors.push(...validateAtMost100Percent(bounds.maxSurge, 'rollingUpdate.maxSurge'));
  const hasUnavailable = intOrPercentValue(bounds.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(bounds.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) {
    errors.push(
      invalidValue(
        'rollingUpdate.maxSurge',
        bounds.maxSurge,
        'may not be set when maxUnavailable is non-zero',
      ),
    );
  } else if (!hasUnavailable && !hasSurge) {
    errors.push(
      invalidValue('rollingUpdate.maxUnavailable', bounds.maxUnavailable, 'cannot be 0 when maxSurge is 0'),
    );
  }
  return errors;
}

/** The update strategy with its defaults: a rolling update always has both bounds afterwards. */
export type DaemonSetUpdateStrategy =
  | {
      readonly type: 'RollingUpdate';
      readonly rollingUpdate: { maxUnavailable: IntOrString; maxSurge: IntOrString };
    }
  | { readonly type: 'OnDelete' };

/** Fills rollingUpdate.maxUnavailable (1) and maxSurge (0) for a RollingUpdate strategy. */
export function defaultUpdateStrategy(strategy: UpdateStrategyFields): DaemonSetUpdateStrategy {
  return strategy.type === 'OnDelete'
    ? { type: 'OnDelete' }
    : { type: 'RollingUpdate', rollingUpdate: rollingBounds(strategy) };
}

export const DaemonSetUpdateStrategySchema = withChecks(
  updateStrategyObject,
  validateUpdateStrategy,
).transform(defaultUpdateStrategy);

const specObject = z.object({
  // Optional to the parser so that a missing selector is one error among the others.
  selector: LabelSelectorSchema.optional(),
  template: PodTemplateSpecSchema.prefault({}),
  updateStrategy: DaemonSetUpdateStrategySchema.prefault({}),
  minReadySeconds: nonNegativeInt32.default(0),
  revisionHistoryLimit: nonNegativeInt32.default(10),
});

/** DaemonSet-spec checks across fields: a selector that matches an Always-restarting template. */
export function validateDaemonSetSpec(spec: z.output<typeof specObject>): FieldError[] {
  return validateSelectorAndTemplate(spec, { kind: 'daemonset', restartPolicies: ['Always'] });
}

export const DaemonSetSpecSchema = withChecks(specObject, validateDaemonSetSpec).transform(
  // The check refuses a missing selector and transforms run only after all checks passed: the
  // fallback never applies, it only tells the type system the selector is there.
  (spec) => ({ ...spec, selector: spec.selector ?? {} }),
);
export type DaemonSetSpec = z.output<typeof DaemonSetSpecSchema>;

export const DaemonSetStatusSchema = z.object({
  currentNumberScheduled: nonNegativeInt32.default(0),
  numberMisscheduled: nonNegativeInt32.default(0),
  desiredNumberScheduled: nonNegativeInt32.default(0),
  numberReady: nonNegativeInt32.default(0),
  updatedNumberScheduled: nonNegativeInt32.optional(),
  numberAvailable: nonNegativeInt32.optional(),
  numberUnavailable: nonNegativeInt32.optional(),
  observedGeneration: nonNegativeInt64.optional(),
  collisionCount: nonNegativeInt32.optional(),
  conditions: z.array(ConditionSchema).optional(),
});
export type DaemonSetStatus = z.output<typeof DaemonSetStatusSchema>;
export type DaemonSetStatusInput = z.input<typeof DaemonSetStatusSchema>;

export const DaemonSetSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('DaemonSet'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  spec: DaemonSetSpecSchema.prefault({}),
  status: DaemonSetStatusSchema.optional(),
});
export type DaemonSet = z.output<typeof DaemonSetSchema>;
export type DaemonSetInput = z.input<typeof DaemonSetSchema>;

/** apps/v1 forbids changing a DaemonSet's selector: its pods would be orphaned. */
export function validateDaemonSetUpdate(old: DaemonSet, next: DaemonSet): FieldError[] {
  return validateImmutable(old.spec.selector, next.spec.selector, 'spec.selector');
}
