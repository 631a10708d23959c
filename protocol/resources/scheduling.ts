/**
 * What a pod tells the scheduler about where it may run: node affinity, pod (anti-)affinity,
 * tolerations, topology spread, and the taints nodes carry. Messages follow Kubernetes'
 * `ValidateAffinity`, `ValidateTolerations` and `validateTopologySpreadConstraints`.
 */
import { z } from 'zod';
import { LabelSelectorSchema } from '../meta.js';
import {
  duplicate,
  type FieldError,
  forbiddenField,
  invalidValue,
  required,
} from '../validation/field-errors.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidLabelValue,
  validateLabelName,
} from '../validation/names.js';
import { childPath, withChecks } from '../validation/zod-errors.js';
import { int32, int64, requiredString, stringList, timestamp } from './fields.js';

// ---------------------------------------------------------------------------------------------
// Node affinity.

export const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
export type NodeSelectorOperator = (typeof NODE_SELECTOR_OPERATORS)[number];

const requirementObject = z.object({
  key: requiredString,
  operator: z.enum(NODE_SELECTOR_OPERATORS),
  values: stringList.optional(),
});
type Requirement = z.output<typeof requirementObject>;

/** Kubernetes' ValidateNodeSelectorRequirement (a `matchExpressions` entry, against node labels). */
function validateExpression(req: Requirement): FieldError[] {
  const errors: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errors.push(required('values', "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errors.push(
          forbiddenField('values', "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errors.push(required('values', "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      } else if (!/^-?[0-9]+$/.test(values[0] as string)) {
        errors.push(invalidValue(childPath('values', 0), values[0], 'must be an integer'));
      }
      break;
  }
  errors.push(...validateLabelName(req.key, 'key'));
  return errors;
}

/** Kubernetes' validateNodeFieldSelectorRequirement: only `metadata.name In/NotIn [one name]`. */
function validateFieldExpression(req: Requirement): FieldError[] {
  const errors: FieldError[] = [];
  const values = req.values ?? [];
  if (req.operator !== 'In' && req.operator !== 'NotIn') {
    errors.push(invalidValue('operator', req.operator, 'not a valid selector operator'));
  } else if (values.length !== 1) {
    errors.push(
      required('values', "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"),
    );
  }
  if (req.key !== 'metadata.name')
    errors.push(invalidValue('key', req.key, 'not a valid field selector key'));
  values.forEach((value, i) => {
    for (const msg of isDNS1123Subdomain(value))
      errors.push(invalidValue(childPath('values', i), value, msg));
  });
  return errors;
}

export const NodeSelectorRequirementSchema = withChecks(requirementObject, validateExpression);
export type NodeSelectorRequirement = z.output<typeof NodeSelectorRequirementSchema>;

export const NodeSelectorTermSchema = z.object({
  matchExpressions: z.array(NodeSelectorRequirementSchema).optional(),
  matchFields: z.array(withChecks(requirementObject, validateFieldExpression)).optional(),
});
export type NodeSelectorTerm = z.output<typeof NodeSelectorTermSchema>;

export const NodeSelectorSchema = withChecks(
  z.object({ nodeSelectorTerms: z.array(NodeSelectorTermSchema) }),
  (s) =>
    s.nodeSelectorTerms.length === 0
      ? [required('nodeSelectorTerms', 'must have at least one node selector term')]
      : [],
);

const WEIGHT_MESSAGE = 'must be in the range 1-100';
const weight = withChecks(int32, (w) => (w >= 1 && w <= 100 ? [] : [invalidValue('', w, WEIGHT_MESSAGE)]));

export const PreferredSchedulingTermSchema = z.object({ weight, preference: NodeSelectorTermSchema });

export const NodeAffinitySchema = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: NodeSelectorSchema.optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(PreferredSchedulingTermSchema).optional(),
});
export type NodeAffinity = z.output<typeof NodeAffinitySchema>;

// ---------------------------------------------------------------------------------------------
// Pod affinity.

export const PodAffinityTermSchema = withChecks(
  z.object({
    labelSelector: LabelSelectorSchema.optional(),
    namespaceSelector: LabelSelectorSchema.optional(),
    namespaces: stringList.optional(),
    topologyKey: requiredString,
  }),
  (term) => {
    const errors: FieldError[] = [];
    if (term.topologyKey === '') errors.push(required('topologyKey', 'can not be empty'));
    else errors.push(...validateLabelName(term.topologyKey, 'topologyKey'));
    (term.namespaces ?? []).forEach((ns, i) => {
      for (const msg of isDNS1123Label(ns)) errors.push(invalidValue(childPath('namespaces', i), ns, msg));
    });
    return errors;
  },
);
export type PodAffinityTerm = z.output<typeof PodAffinityTermSchema>;

export const WeightedPodAffinityTermSchema = z.object({ weight, podAffinityTerm: PodAffinityTermSchema });

export const PodAffinitySchema = z.object({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(PodAffinityTermSchema).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(WeightedPodAffinityTermSchema).optional(),
});
export type PodAffinity = z.output<typeof PodAffinitySchema>;

export const AffinitySchema = z.object({
  nodeAffinity: NodeAffinitySchema.optional(),
  podAffinity: PodAffinitySchema.optional(),
  podAntiAffinity: PodAffinitySchema.optional(),
});
export type Affinity = z.output<typeof AffinitySchema>;
export type AffinityInput = z.input<typeof AffinitySchema>;

// ---------------------------------------------------------------------------------------------
// Taints and tolerations.

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export const TaintEffectSchema = z.enum(TAINT_EFFECTS);
export type TaintEffect = z.output<typeof TaintEffectSchema>;

export const TaintSchema = withChecks(
  z.object({
    key: requiredString,
    value: z.string().optional(),
    effect: TaintEffectSchema,
    timeAdded: timestamp.optional(),
  }),
  (taint) => {
    const errors = validateLabelName(taint.key, 'key');
    const valueErrors = isValidLabelValue(taint.value ?? '');
    if (valueErrors.length > 0) errors.push(invalidValue('value', taint.value, valueErrors.join(';')));
    return errors;
  },
);
export type Taint = z.output<typeof TaintSchema>;
export type TaintInput = z.input<typeof TaintSchema>;

/** Problems with a node's taint list beyond each taint: Kubernetes wants one taint per key and effect. */
export function validateTaints(taints: readonly Taint[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  taints.forEach((taint, i) => {
    const id = `${taint.key}:${taint.effect}`;
    if (seen.has(id)) errors.push(duplicate(childPath(path, i), id));
    seen.add(id);
  });
  return errors;
}

export const TolerationSchema = withChecks(
  z.object({
    key: z.string().optional(),
    operator: z.enum(['Equal', 'Exists']).default('Equal'),
    value: z.string().optional(),
    effect: TaintEffectSchema.optional(),
    tolerationSeconds: int64.optional(),
  }),
  (t) => {
    // Kubernetes' ValidateTolerations, including its choice of `operator` as the path for value errors.
    const errors: FieldError[] = [];
    if (t.key) errors.push(...validateLabelName(t.key, 'key'));
    if (!t.key && t.operator !== 'Exists') {
      errors.push(
        invalidValue(
          'operator',
          t.operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errors.push(
        invalidValue('effect', t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"),
      );
    }
    if (t.operator === 'Equal') {
      const valueErrors = isValidLabelValue(t.value ?? '');
      if (valueErrors.length > 0) errors.push(invalidValue('operator', t.value, valueErrors.join(';')));
    } else if (t.value) {
      errors.push(invalidValue('operator', t.value, "value must be empty when `operator` is 'Exists'"));
    }
    return errors;
  },
);
export type Toleration = z.output<typeof TolerationSchema>;
export type TolerationInput = z.input<typeof TolerationSchema>;

// ---------------------------------------------------------------------------------------------
// Topology spread.

export const TopologySpreadConstraintSchema = withChecks(
  z.object({
    maxSkew: int32,
    topologyKey: requiredString,
    whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
    labelSelector: LabelSelectorSchema.optional(),
    minDomains: int32.optional(),
    matchLabelKeys: stringList.optional(),
  }),
  (c) => {
    const errors: FieldError[] = [];
    if (c.maxSkew <= 0) errors.push(invalidValue('maxSkew', c.maxSkew, 'must be greater than zero'));
    if (c.topologyKey === '') errors.push(required('topologyKey', 'can not be empty'));
    else errors.push(...validateLabelName(c.topologyKey, 'topologyKey'));
    if (c.minDomains !== undefined) {
      if (c.minDomains <= 0)
        errors.push(invalidValue('minDomains', c.minDomains, 'must be greater than zero'));
      if (c.whenUnsatisfiable !== 'DoNotSchedule') {
        errors.push(
          invalidValue(
            'minDomains',
            c.minDomains,
            'can only use minDomains if whenUnsatisfiable=DoNotSchedule',
          ),
        );
      }
    }
    return errors;
  },
);
export type TopologySpreadConstraint = z.output<typeof TopologySpreadConstraintSchema>;
export type TopologySpreadConstraintInput = z.input<typeof TopologySpreadConstraintSchema>;

/** Kubernetes refuses two constraints with the same topologyKey and whenUnsatisfiable. */
export function validateSpreadConstraints(
  constraints: readonly TopologySpreadConstraint[],
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  constraints.forEach((c, i) => {
    const id = `{${c.topologyKey}, ${c.whenUnsatisfiable}}`;
    if (seen.has(id)) errors.push(duplicate(`${childPath(path, i)}.{topologyKey, whenUnsatisfiable}`, id));
    seen.add(id);
  });
  return errors;
}
