/**
 * Deployment (`apps/v1`): a replicated pod template rolled out through ReplicaSets, with
 * Kubernetes' defaults (1 replica, RollingUpdate 25%/25%, 10 old ReplicaSets kept, 600s
 * progress deadline) and checks.
 */
import { z } from 'zod';
import { ConditionSchema, LabelSelectorSchema, objectMetaSchema } from '../meta.js';
import { type FieldError, forbiddenField, invalidValue } from '../validation/field-errors.js';
import { withChecks } from '../validation/zod-errors.js';
import { type IntOrString, intOrString, nonNegativeInt32, nonNegativeInt64 } from './fields.js';
import { validateImmutable } from './immutable.js';
import { PodTemplateSpecSchema } from './pod.js';
import { intOrPercentValue, validateRollingBounds, validateSelectorAndTemplate } from './workload.js';

export const DEFAULT_MAX_SURGE = '25%';
/** The label a Deployment adds to each ReplicaSet, its selector and its pods: the template's hash. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** The revision of a ReplicaSet (and, on the Deployment, of its current ReplicaSet). */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** The Deployment's replicas when it last scaled a ReplicaSet (proportional scaling reads it). */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** The Deployment's replicas + maxSurge when it last scaled a ReplicaSet. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** What `kubectl rollout restart` sets in the pod template: a template change like any other. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Why a revision was made (`rollout history` shows it); copied from the Deployment to its ReplicaSets. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

const strategyObject = z.object({
  type: z.enum(['Recreate', 'RollingUpdate']).default('RollingUpdate'),
  rollingUpdate: z
    .object({ maxUnavailable: intOrString.optional(), maxSurge: intOrString.optional() })
    .optional(),
});
type StrategyFields = z.output<typeof strategyObject>;

/** Kubernetes' ValidateDeploymentStrategy, on the bounds as they will be once defaulted. */
function validateStrategy(strategy: StrategyFields): FieldError[] {
  if (strategy.type === 'Recreate') {
    return strategy.rollingUpdate === undefined
      ? []
      : [forbiddenField('rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")];
  }
  const bounds = rollingBounds(strategy);
  const errors = validateRollingBounds(bounds, 'rollingUpdate');
  if (intOrPercentValue(bounds.maxUnavailable) === 0 && intOrPercentValue(bounds.maxSurge) === 0) {
    // Neither surging nor removing: a rollout could never make progress.
    errors.push(
      invalidValue(
        'rollingUpdate.maxUnavailable',
        bounds.maxUnavailable,
        'may not be 0 when `maxSurge` is 0',
      ),
    );
  }
  return errors;
}

/** The strategy with its defaults; a rolling update always has both bounds afterwards. */
export type DeploymentStrategy =
  | {
      readonly type: 'RollingUpdate';
      readonly rollingUpdate: { maxUnavailable: IntOrString; maxSurge: IntOrString };
    }
  | { readonly type: 'Recreate' };

function rollingBounds(strategy: StrategyFields): { maxUnavailable: IntOrString; maxSurge: IntOrString } {
  return {
    maxUnavailable: strategy.rollingUpdate?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
    maxSurge: strategy.rollingUpdate?.maxSurge ?? DEFAULT_MAX_SURGE,
  };
}

/** Fills rollingUpdate.maxSurge and maxUnavailable (25% each) for a RollingUpdate strategy. */
export function defaultStrategy(strategy: StrategyFields): DeploymentStrategy {
  return strategy.type === 'Recreate'
    ? { type: 'Recreate' }
    : { type: 'RollingUpdate', rollingUpdate: rollingBounds(strategy) };
}

export const DeploymentStrategySchema = withChecks(strategyObject, validateStrategy).transform(
  (s): DeploymentStrategy => defaultStrategy(s),
);

const specObject = z.object({
  replicas: nonNegativeInt32.default(1),
  // Optional to the parser so that a missing selector is one error among the others (see the check).
  selector: LabelSelectorSchema.optional(),
  template: PodTemplateSpecSchema.prefault({}),
  strategy: DeploymentStrategySchema.prefault({}),
  minReadySeconds: nonNegativeInt32.default(0),
  revisionHistoryLimit: nonNegativeInt32.default(10),
  progressDeadlineSeconds: nonNegativeInt32.default(600),
  paused: z.boolean().optional(),
});
type SpecFields = z.output<typeof specObject>;

/** Deployment-spec checks across fields: selector and template, and the progress deadline. */
export function validateDeploymentSpec(spec: SpecFields): FieldError[] {
  const errors = validateSelectorAndTemplate(spec, { kind: 'deployment', restartPolicies: ['Always'] });
  if (spec.progressDeadlineSeconds <= spec.minReadySeconds) {
    errors.push(
      invalidValue(
        'progressDeadlineSeconds',
        spec.progressDeadlineSeconds,
        'must be greater than minReadySeconds',
      ),
    );
  }
  return errors;
}

export const DeploymentSpecSchema = withChecks(specObject, validateDeploymentSpec).transform(
  // The check refuses a missing selector, and a transform runs only after every check passed:
  // the fallback never applies; it only tells the type system the selector is there.
  (spec) => ({ ...spec, selector: spec.selector ?? {} }),
);
export type DeploymentSpec = z.output<typeof DeploymentSpecSchema>;

export const DeploymentStatusSchema = z.object({
  observedGeneration: nonNegativeInt64.optional(),
  replicas: nonNegativeInt32.optional(),
  updatedReplicas: nonNegativeInt32.optional(),
  readyReplicas: nonNegativeInt32.optional(),
  availableReplicas: nonNegativeInt32.optional(),
  unavailableReplicas: nonNegativeInt32.optional(),
  conditions: z.array(ConditionSchema).optional(),
  collisionCount: nonNegativeInt32.optional(),
});
export type DeploymentStatus = z.output<typeof DeploymentStatusSchema>;
export type DeploymentStatusInput = z.input<typeof DeploymentStatusSchema>;

export const DeploymentSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  spec: DeploymentSpecSchema.prefault({}),
  status: DeploymentStatusSchema.optional(),
});
export type Deployment = z.output<typeof DeploymentSchema>;
export type DeploymentInput = z.input<typeof DeploymentSchema>;

/** apps/v1 forbids changing a Deployment's selector: its ReplicaSets and pods would be orphaned. */
export function validateDeploymentUpdate(old: Deployment, next: Deployment): FieldError[] {
  return validateImmutable(old.spec.selector, next.spec.selector, 'spec.selector');
}
