/**
 * What Deployments, ReplicaSets, DaemonSets and Jobs share: a selector that must match the pod
 * template's labels, a template whose restart policy suits the controller, and int-or-percent
 * rollout bounds (`maxSurge`, `maxUnavailable`).
 */
import { isEmptySelector, type LabelSelector, labelSelectorMatches } from '../meta.js';
import { type FieldError, invalidValue, notSupported, required } from '../validation/field-errors.js';
import { isValidPercent } from '../validation/names.js';
import { childPath } from '../validation/zod-errors.js';
import { type IntOrString, NON_NEGATIVE } from './fields.js';
import type { PodTemplateSpec, RestartPolicy } from './pod.js';

/** How a controller wants its template checked. */
export interface TemplateRules {
  /** Lower-case kind for messages: `empty selector is invalid for deployment`. */
  readonly kind: string;
  /** Restart policies the controller supports, in the order the message lists them. */
  readonly restartPolicies: readonly RestartPolicy[];
  /** Whether the template may set activeDeadlineSeconds (only Jobs). */
  readonly allowActiveDeadline?: boolean;
}

/**
 * Kubernetes' ValidatePodTemplateSpecForReplicaSet and its Job twin, from the workload spec: the
 * selector is present and non-empty, it matches the template labels (else the controller would
 * never see the pods it creates), and the template's restart policy fits the controller.
 */
export function validateSelectorAndTemplate(
  spec: { readonly selector?: LabelSelector | undefined; readonly template: PodTemplateSpec },
  rules: TemplateRules,
  options: { selectorRequired: boolean } = { selectorRequired: true },
): FieldError[] {
  const errors: FieldError[] = [];
  const { selector, template } = spec;
  if (selector === undefined) {
    if (options.selectorRequired) errors.push(required('selector'));
  } else if (isEmptySelector(selector)) {
    errors.push(invalidValue('selector', selector, `empty selector is invalid for ${rules.kind}`));
  } else if (!labelSelectorMatches(selector, template.metadata.labels)) {
    errors.push(
      invalidValue(
        'template.metadata.labels',
        template.metadata.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  const policy = template.spec.restartPolicy;
  if (!rules.restartPolicies.includes(policy)) {
    errors.push(notSupported('template.spec.restartPolicy', policy, rules.restartPolicies));
  }
  const deadline = template.spec.activeDeadlineSeconds;
  if (deadline !== undefined && !rules.allowActiveDeadline) {
    errors.push(
      invalidValue(
        'template.spec.activeDeadlineSeconds',
        deadline,
        'activeDeadlineSeconds in ReplicaSet is not Supported',
      ),
    );
  }
  return errors;
}

/**
 * The number an int-or-percent stands for when comparing with zero: `25%` → 25, `3` → 3. An
 * invalid string is NaN, so that it is reported once (as invalid) and not again as "zero".
 */
export function intOrPercentValue(value: IntOrString): number {
  if (typeof value === 'number') return value;
  return isValidPercent(value).length === 0 ? Number(value.slice(0, -1)) : Number.NaN;
}

/** Kubernetes' ValidatePositiveIntOrPercent: a non-negative integer or a `N%` string. */
export function validateIntOrPercent(value: IntOrString, path: string): FieldError[] {
  if (typeof value === 'number') return value < 0 ? [invalidValue(path, value, NON_NEGATIVE)] : [];
  return isValidPercent(value).map((msg) => invalidValue(path, value, msg));
}

/** Kubernetes' IsNotMoreThan100Percent. */
export function validateAtMost100Percent(value: IntOrString, path: string): FieldError[] {
  if (typeof value !== 'string' || isValidPercent(value).length > 0) return [];
  return intOrPercentValue(value) > 100 ? [invalidValue(path, value, 'must not be greater than 100%')] : [];
}

/** The checks of a rolling update's bounds shared by Deployments and DaemonSets. */
export function validateRollingBounds(
  bounds: { maxUnavailable: IntOrString; maxSurge: IntOrString },
  path: string,
): FieldError[] {
  const unavailablePath = childPath(path, 'maxUnavailable');
  const surgePath = childPath(path, 'maxSurge');
  return [
    ...validateIntOrPercent(bounds.maxUnavailable, unavailablePath),
    ...validateIntOrPercent(bounds.maxSurge, surgePath),
    ...validateAtMost100Percent(bounds.maxUnavailable, unavailablePath),
  ];
}
