/**
 * The metadata every object carries (Kubernetes `meta/v1`): TypeMeta, ObjectMeta, owner
 * references, conditions and label selectors, with their schemas and rules.
 *
 * `objectMetaSchema(rule)` builds the metadata schema of one kind, because the rule for
 * `metadata.name` differs per kind (a Service name is a DNS-1035 label, a Pod name a subdomain).
 */
import { z } from 'zod';
import { nonNegativeInt64, requiredString, stringList, timestamp } from './resources/fields.js';
import { type FieldError, forbiddenField, invalidValue, required } from './validation/field-errors.js';
import {
  isDNS1123Label,
  isValidLabelValue,
  type NameRule,
  validateAnnotations,
  validateFinalizerName,
  validateLabelName,
  validateLabels,
  validateName,
} from './validation/names.js';
import { childPath, withChecks } from './validation/zod-errors.js';

/** `apiVersion` and `kind`, as every object and every list carries them. */
export interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
}

/** A label map, checked as Kubernetes does (qualified-name keys, ≤ 63-character values). */
export const labelsSchema = withChecks(z.record(z.string(), z.string()), (labels) =>
  validateLabels(labels, ''),
);
/** An annotation map: qualified-name keys (any case), 256 KiB in all. */
export const annotationsSchema = withChecks(z.record(z.string(), z.string()), (annotations) =>
  validateAnnotations(annotations, ''),
);

// ---------------------------------------------------------------------------------------------
// Owner references.

export const OwnerReferenceSchema = withChecks(
  z.object({
    apiVersion: requiredString,
    kind: requiredString,
    name: requiredString,
    uid: requiredString,
    controller: z.boolean().optional(),
    blockOwnerDeletion: z.boolean().optional(),
  }),
  (ref) => {
    // Kubernetes' validateOwnerReference: every identifying field must be present and non-empty.
    const errors: FieldError[] = [];
    const version = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[1] : ref.apiVersion;
    if (!version) errors.push(invalidValue('apiVersion', ref.apiVersion, 'version must not be empty'));
    if (ref.kind === '') errors.push(invalidValue('kind', ref.kind, 'kind must not be empty'));
    if (ref.name === '') errors.push(invalidValue('name', ref.name, 'name must not be empty'));
    if (ref.uid === '') errors.push(invalidValue('uid', ref.uid, 'uid must not be empty'));
    return errors;
  },
);
export type OwnerReference = z.output<typeof OwnerReferenceSchema>;

/** A reference to another object (core `ObjectReference`): events and endpoints point with it. */
export const ObjectReferenceSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});
export type ObjectReference = z.output<typeof ObjectReferenceSchema>;

// ---------------------------------------------------------------------------------------------
// Object metadata.

const objectMetaShape = z.object({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: nonNegativeInt64.optional(),
  creationTimestamp: timestamp.optional(),
  deletionTimestamp: timestamp.optional(),
  deletionGracePeriodSeconds: nonNegativeInt64.optional(),
  labels: labelsSchema.optional(),
  annotations: annotationsSchema.optional(),
  ownerReferences: z.array(OwnerReferenceSchema).optional(),
  finalizers: stringList.optional(),
});
export type ObjectMeta = z.output<typeof objectMetaShape>;
/** Metadata as a client writes it. */
export type ObjectMetaInput = z.input<typeof objectMetaShape>;

/** The metadata schema of a kind whose names follow `nameRule`. */
export function objectMetaSchema(nameRule: NameRule) {
  return withChecks(objectMetaShape, (meta) => validateObjectMeta(meta, nameRule));
}

/**
 * Kubernetes' `ValidateObjectMeta` rules that span fields: a name or generateName, each valid for
 * the kind; a valid namespace; at most one controller owner; valid finalizers. Labels and
 * annotations are checked by their own schemas.
 */
export function validateObjectMeta(meta: ObjectMeta, nameRule: NameRule): FieldError[] {
  const errors: FieldError[] = [];
  if (meta.generateName) {
    for (const msg of validateName(nameRule, meta.generateName, { prefix: true })) {
      errors.push(invalidValue('generateName', meta.generateName, msg));
    }
  }
  if (!meta.name) {
    // On create the API server fills `name` from `generateName` before it stores the object.
    if (!meta.generateName) errors.push(required('name', 'name or generateName is required'));
  } else {
    for (const msg of validateName(nameRule, meta.name)) errors.push(invalidValue('name', meta.name, msg));
  }
  if (meta.namespace) {
    for (const msg of isDNS1123Label(meta.namespace))
      errors.push(invalidValue('namespace', meta.namespace, msg));
  }
  let firstController: string | undefined;
  for (const ref of meta.ownerReferences ?? []) {
    if (ref.controller !== true) continue;
    const current = `${ref.kind}/${ref.name}`;
    if (firstController === undefined) firstController = current;
    else
      errors.push(
        invalidValue(
          'ownerReferences',
          firstController,
          `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
        ),
      );
  }
  (meta.finalizers ?? []).forEach((finalizer, i) => {
    errors.push(...validateFinalizerName(finalizer, childPath('finalizers', i)));
  });
  return errors;
}

/**
 * The metadata of a pod template: Kubernetes checks only its labels and annotations there (the
 * controller names the pods it creates).
 */
export const TemplateMetaSchema = objectMetaShape;

/** The fields every Skiff object has, whatever its kind. */
export interface KubeObject extends TypeMeta {
  readonly metadata: ObjectMeta;
}

// ---------------------------------------------------------------------------------------------
// Conditions.

export const ConditionStatusSchema = z.enum(['True', 'False', 'Unknown']);
export type ConditionStatus = z.output<typeof ConditionStatusSchema>;

/**
 * One condition, in the union of the shapes core kinds use (pods: lastProbeTime, nodes:
 * lastHeartbeatTime, deployments: lastUpdateTime), so every kind shares one type.
 */
export const ConditionSchema = z.object({
  type: z.string(),
  status: ConditionStatusSchema,
  observedGeneration: nonNegativeInt64.optional(),
  lastTransitionTime: timestamp.optional(),
  lastUpdateTime: timestamp.optional(),
  lastProbeTime: timestamp.optional(),
  lastHeartbeatTime: timestamp.optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type Condition = z.output<typeof ConditionSchema>;

// ---------------------------------------------------------------------------------------------
// Label selectors.

export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

export const LabelSelectorRequirementSchema = withChecks(
  z.object({
    key: requiredString,
    operator: z.enum(LABEL_SELECTOR_OPERATORS),
    values: stringList.optional(),
  }),
  (req) => {
    // Kubernetes' ValidateLabelSelectorRequirement.
    const errors: FieldError[] = [];
    const values = req.values ?? [];
    if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
      errors.push(required('values', "must be specified when `operator` is 'In' or 'NotIn'"));
    }
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) {
      errors.push(
        forbiddenField('values', "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
      );
    }
    errors.push(...validateLabelName(req.key, 'key'));
    values.forEach((value, i) => {
      for (const msg of isValidLabelValue(value))
        errors.push(invalidValue(childPath('values', i), value, msg));
    });
    return errors;
  },
);
export type LabelSelectorRequirement = z.output<typeof LabelSelectorRequirementSchema>;

export const LabelSelectorSchema = z.object({
  matchLabels: labelsSchema.optional(),
  matchExpressions: z.array(LabelSelectorRequirementSchema).optional(),
});
export type LabelSelector = z.output<typeof LabelSelectorSchema>;
export type LabelSelectorInput = z.input<typeof LabelSelectorSchema>;

/** True when a selector has no terms (it would select everything, which workloads refuse). */
export function isEmptySelector(selector: LabelSelector): boolean {
  return (
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0
  );
}

/**
 * True when `labels` satisfy `selector` (every matchLabels pair and every expression). This small
 * evaluator serves validation (`selector` must match the template labels); the selector engine
 * with parsing and field selectors is `protocol/selectors`.
 */
export function labelSelectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(have, key) || have[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const value = present ? have[req.key] : undefined;
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}
