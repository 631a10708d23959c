/**
 * Event (`v1` core Event): a record of something that happened to an object, as controllers and
 * kubelets report them (`Scheduled`, `FailedScheduling`, `BackOff`...). Events repeat by bumping
 * `count` and `lastTimestamp` rather than by creating new objects.
 */
import { z } from 'zod';
import { ObjectReferenceSchema, objectMetaSchema } from '../meta.js';
import { type FieldError, invalidValue } from '../validation/field-errors.js';
import { withChecks } from '../validation/zod-errors.js';
import { microTimestamp, nonNegativeInt32, timestamp } from './fields.js';

export const EVENT_TYPES = ['Normal', 'Warning'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const eventObject = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Event'),
  metadata: objectMetaSchema('dns1123-subdomain').prefault({}),
  involvedObject: ObjectReferenceSchema.prefault({}),
  reason: z.string().optional(),
  message: z.string().optional(),
  source: z.object({ component: z.string().optional(), host: z.string().optional() }).optional(),
  firstTimestamp: timestamp.optional(),
  lastTimestamp: timestamp.optional(),
  count: nonNegativeInt32.optional(),
  type: z.enum(EVENT_TYPES).optional(),
  eventTime: microTimestamp.optional(),
  series: z.object({ count: nonNegativeInt32, lastObservedTime: microTimestamp }).optional(),
  action: z.string().optional(),
  related: ObjectReferenceSchema.optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
});

/**
 * Kubernetes' legacy event rule: an event lives in its object's namespace, and an event about a
 * cluster-scoped object lives in `default` (or nowhere). Checked once the event's namespace is known.
 */
export function validateEvent(event: z.output<typeof eventObject>): FieldError[] {
  const namespace = event.metadata.namespace;
  if (namespace === undefined || event.eventTime !== undefined) return [];
  const involved = event.involvedObject.namespace ?? '';
  const ok = involved === '' ? namespace === '' || namespace === 'default' : namespace === involved;
  return ok ? [] : [invalidValue('involvedObject.namespace', involved, 'does not match event.namespace')];
}

export const EventSchema = withChecks(eventObject, validateEvent);
export type Event = z.output<typeof EventSchema>;
export type EventInput = z.input<typeof EventSchema>;
