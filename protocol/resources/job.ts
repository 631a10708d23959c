/**
 * Job (`batch/v1`): pods that run to completion, with Kubernetes' defaults (parallelism and
 * completions 1 when both are unset, backoffLimit 6, NonIndexed) and its rule that the template
 * restarts OnFailure or Never.
 *
 * Unless `manualSelector` is true, the API server owns the selector: `generateJobSelector` sets it
 * (and the matching template labels) from the Job's uid, on create and on every update.
 */
import { z } from 'zod';
import { ConditionSchema, LabelSelectorSchema, objectMetaSchema } from '../meta.js';
import { type FieldError, invalidValue, required } from '../validation/field-errors.js';
import { LABEL_VALUE_MAX_LENGTH, maxLenError } from '../validation/names.js';
import { withChecks } from '../validation/zod-errors.js';
import { nonNegativeInt32, nonNegativeInt64, timestamp } from './fields.js';
import { validateImmutable } from './immutable.js';
import { PodTemplateSpecSchema } from './pod.js';
import { validateSelectorAndTemplate } from './workload.js';

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
// The unprefixed labels Kubernetes still sets for tools written before the prefixed ones.
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';

const specObject = z.object({
  // Left unset by the parser: whether completions defaults depends on whether parallelism was set.
  parallelism: nonNegativeInt32.optional(),
  completions: nonNegativeInt32.optional(),
  activeDeadlineSeconds: nonNegativeInt64.optional(),
  backoffLimit: nonNegativeInt32.default(6),
  ttlSecondsAfterFinished: nonNegativeInt32.optional(),
  completionMode: z.enum(['NonIndexed', 'Indexed']).default('NonIndexed'),
  suspend: z.boolean().default(false),
  manualSelector: z.boolean().optional(),
  selector: LabelSelectorSchema.optional(),
  template: PodTemplateSpecSchema.prefault({}),
});
type JobSpecFields = z.output<typeof specObject>;

/** Job-spec checks across fields: selector and template, restart policy, Indexed completions. */
export function validateJobSpec(spec: JobSpecFields): FieldError[] {
  const errors = validateSelectorAndTemplate(
    spec,
    { kind: 'job', restartPolicies: ['OnFailure', 'Never'], allowActiveDeadline: true },
    { selectorRequired: spec.manualSelector === true },
  );
  // Both unset defaults completions to 1; parallelism alone means a work queue, which Indexed cannot be.
  if (spec.completionMode === 'Indexed' && spec.completions === undefined && spec.parallelism !== undefined) {
    errors.push(required('completions', 'when completion mode is Indexed'));
  }
  return errors;
}

/** Kubernetes' Job defaults: both counts 1 when neither is set; otherwise parallelism 1 if unset. */
export function defaultJobSpec<S extends JobSpecFields>(spec: S): S & { parallelism: number } {
  if (spec.parallelism === undefined && spec.completions === undefined) {
    return { ...spec, parallelism: 1, completions: 1 };
  }
  return { ...spec, parallelism: spec.parallelism ?? 1 };
}

export const JobSpecSchema = withChecks(specObject, validateJobSpec).transform(defaultJobSpec);
export type JobSpec = z.output<typeof JobSpecSchema>;

export const JobStatusSchema = z.object({
  active: nonNegativeInt32.optional(),
  succeeded: nonNegativeInt32.optional(),
  failed: nonNegativeInt32.optional(),
  ready: nonNegativeInt32.optional(),
  terminating: nonNegativeInt32.optional(),
  startTime: timestamp.optional(),
  completionTime: timestamp.optional(),
  completedIndexes: z.string().optional(),
  conditions: z.array(ConditionSchema).optional(),
});
export type JobStatus = z.output<typeof JobStatusSchema>;
export type JobStatusInput = z.input<typeof JobStatusSchema>;

const jobObject = z.object({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  spec: JobSpecSchema.prefault({}),
  status: JobStatusSchema.optional(),
});

export const JobSchema = withChecks(jobObject, (job) => {
  // The name becomes the value of the job-name label on every pod, so it must fit a label value.
  const name = job.metadata.name ?? '';
  return name.length > LABEL_VALUE_MAX_LENGTH
    ? [invalidValue('metadata.name', name, maxLenError(LABEL_VALUE_MAX_LENGTH))]
    : [];
});
export type Job = z.output<typeof JobSchema>;
export type JobInput = z.input<typeof JobSchema>;

/**
 * The Job with the selector and template labels the API server generates for it (unless
 * `manualSelector`): `batch.kubernetes.io/controller-uid: <uid>`, so that two Jobs of the same
 * name, one deleted and one new, never claim each other's pods.
 */
export function generateJobSelector(job: Job, uid: string): Job {
  if (job.spec.manualSelector === true) return job;
  const name = job.metadata.name ?? '';
  const labels = {
    ...job.spec.template.metadata.labels,
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
    [LEGACY_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
  };
  const template = { ...job.spec.template, metadata: { ...job.spec.template.metadata, labels } };
  return {
    ...job,
    spec: { ...job.spec, selector: { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } }, template },
  };
}

/**
 * Kubernetes' ValidateJobUpdate: the selector, the pod template, completions and the completion
 * mode are fixed once the Job exists; parallelism, suspend and deadlines may change.
 */
export function validateJobUpdate(old: Job, next: Job): FieldError[] {
  return [
    ...validateImmutable(old.spec.selector, next.spec.selector, 'spec.selector'),
    ...validateImmutable(old.spec.template, next.spec.template, 'spec.template'),
    ...validateImmutable(old.spec.completions, next.spec.completions, 'spec.completions'),
    ...validateImmutable(old.spec.completionMode, next.spec.completionMode, 'spec.completionMode'),
  ];
}
