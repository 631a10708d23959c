/**
 * The desired-state consumer: applies what other services publish on `skiff.desired.<resource>`
 * (`protocol/client/desired.ts`) the way `skiff apply` would, through the durable consumer
 * `apiserver` that every API server replica joins.
 *
 *   SKIFF_DESIRED ──consumer "apiserver" (one replica per entry, in order)──▶ decode ──▶ apply verb
 *     ack ◀── applied | unchanged | invalid (a Warning Event about the object says why)
 *     retry ◀── store unavailable, timeout, conflict (redelivered after retryDelayMs)
 *
 * `maxInFlight` is 1 on purpose: with more, an entry waiting for its retry would let a newer version of
 * the same object be applied first, and the retry would then roll it back. No poison entry blocks the
 * stream: bad entries are acknowledged with an Event, and bugs are given up after `maxAttempts`.
 */
import type { Counter } from 'prom-client';
import type { ApiRequest } from '../../protocol/api.js';
import type { ConsumedEntry, ConsumeHandler, ConsumeOutcome } from '../../protocol/bus.js';
import { type Bus, decoder, type LogReader } from '../../protocol/bus.js';
import type { Clock } from '../../protocol/clock.js';
import { desiredResource, desiredStreamConfig } from '../../protocol/desired.js';
import type { Status } from '../../protocol/errors.js';
import type { ResourceType } from '../../protocol/resources/registry.js';
import type { Subjects } from '../../protocol/subjects.js';
import type { ActorLogic } from '../kernel/actor.js';
import type { Logger } from '../kernel/log.js';
import type { SupervisionOverrides } from '../kernel/supervision.js';
import type { Handler } from './handler.js';
import { rfc3339 } from './objects.js';

/** The Event reason for a desired-state object the API server could not apply. */
export const FailedDesiredApply = 'FailedDesiredApply';
/** The durable consumer every API server replica joins. */
export const DESIRED_CONSUMER = 'apiserver';

export interface DesiredOptions {
  /** How long one apply may take before the entry goes to another replica. */
  readonly ackWaitMs: number;
  /** Pause before a failed apply is tried again. */
  readonly retryDelayMs: number;
  /** Deliveries after which a failure that is not the store being down is given up. */
  readonly maxAttempts: number;
}

/** Production settings; tests shorten the retry delay. */
export const defaultDesiredOptions: DesiredOptions = {
  ackWaitMs: 30_000,
  retryDelayMs: 1_000,
  maxAttempts: 10,
};

/** Never give up on the consumer: a bus outage longer than any restart budget must not end it for good. */
export const desiredSupervision: SupervisionOverrides = { maxRestarts: Number.POSITIVE_INFINITY };

/** What each entry can come to, as counted in `skiff_apiserver_desired_applied_total{result}`. */
export type DesiredResult = 'applied' | 'unchanged' | 'invalid' | 'retry' | 'failed';

export interface DesiredDeps {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly handler: Handler;
  readonly clock: Clock;
  /** This replica's id, reported as the Events' `reportingInstance`. */
  readonly replica: string;
  readonly metrics: { readonly desiredApplied: Counter<'result'> };
  readonly options?: Partial<DesiredOptions>;
}

type DesiredMessage = { readonly type: 'consumer-ended'; readonly reason: Error | undefined };

/** Actor logic: joins the consumer at start, leaves it at stop, and fails (to be restarted) if it ends. */
export function desiredLogic(deps: DesiredDeps): ActorLogic<DesiredMessage> {
  const options = { ...defaultDesiredOptions, ...deps.options };
  let member: LogReader | undefined;
  let stopping = false;
  return {
    async start(ctx) {
      const log = await deps.bus.log(deps.subjects.desiredStream(), desiredStreamConfig(deps.subjects));
      member = await log.consume(DESIRED_CONSUMER, desiredHandler(deps, ctx.log, options), {
        ackWaitMs: options.ackWaitMs,
        retryDelayMs: options.retryDelayMs,
        maxInFlight: 1,
      });
      void member.closed.then((reason) => {
        if (!stopping) ctx.self.send({ type: 'consumer-ended', reason });
      });
      ctx.log.info({ log: log.name, consumer: DESIRED_CONSUMER }, 'applying desired state from the bus');
    },
    receive(msg) {
      throw new Error(`desired-state consumer ended: ${msg.reason?.message ?? 'closed'}`, {
        cause: msg.reason,
      });
    },
    async stop() {
      stopping = true;
      await member?.close();
    },
  };
}

/** What an entry decoded to: an object to apply, or why not, with what it seems to be about. */
type Decoded =
  | { readonly ok: true; readonly type: ResourceType; readonly object: unknown; readonly ref: Reference }
  | { readonly ok: false; readonly message: string; readonly ref: Reference };

/** The involved object of an Event: whatever the entry says about itself. */
interface Reference {
  readonly apiVersion: string | undefined;
  readonly kind: string | undefined;
  readonly name: string | undefined;
  readonly namespace: string;
}

/** Handles one entry: decode, apply, and settle it as the module comment describes. */
export function desiredHandler(deps: DesiredDeps, log: Logger, options: DesiredOptions): ConsumeHandler {
  const count = (result: DesiredResult) => deps.metrics.desiredApplied.inc({ result });

  async function refuse(entry: ConsumedEntry, ref: Reference, message: string, result: DesiredResult) {
    const fields = { seq: entry.seq, subject: entry.subject, ...ref, deliveryCount: entry.deliveryCount };
    const recorded = await deps.handler(warningEvent(deps, entry, ref, message));
    const status = recorded.ok ? undefined : recorded.status;
    if (status && classify(status) !== 'invalid') {
      log.warn({ ...fields, status: status.message }, 'desired state: Event not recorded; retrying');
      count('retry');
      return 'retry' as const;
    }
    // AlreadyExists: a redelivery after the Event was recorded. Anything else is logged and counted.
    if (status && status.reason !== 'AlreadyExists') {
      log.error({ ...fields, status: status.message }, 'desired state: Warning Event refused');
    }
    log.warn({ ...fields, result, message }, 'desired state refused');
    count(result);
    return 'ack' as const;
  }

  return async (entry): Promise<ConsumeOutcome> => {
    const decoded = decode(entry, deps.subjects);
    if (!decoded.ok) return refuse(entry, decoded.ref, decoded.message, 'invalid');
    const { type, object, ref } = decoded;
    const fields = { seq: entry.seq, ...ref, deliveryCount: entry.deliveryCount };
    const request: ApiRequest = {
      verb: 'apply',
      resource: type.plural,
      ...(type.namespaced ? { namespace: ref.namespace } : {}),
      name: ref.name,
      body: object,
    };
    const result = await deps.handler(request);
    if (result.ok) {
      const action = (result.body as { readonly action?: string }).action ?? 'configured';
      log.info({ ...fields, action, warnings: result.warnings }, 'desired state applied');
      count(action === 'unchanged' ? 'unchanged' : 'applied');
      return 'ack';
    }
    const { status } = result;
    const message = status.message ?? status.reason ?? `HTTP ${status.code}`;
    const kind = classify(status);
    if (kind === 'invalid') return refuse(entry, ref, message, 'invalid');
    if (kind === 'bounded' && entry.deliveryCount >= options.maxAttempts) {
      return refuse(entry, ref, `given up after ${entry.deliveryCount} attempts: ${message}`, 'failed');
    }
    log.warn({ ...fields, code: status.code, message }, 'desired state: apply failed; retrying');
    count('retry');
    return 'retry';
  };
}

/** Parses and checks an entry; the subject must name the object's own resource (NATS permissions rely on it). */
function decode(entry: ConsumedEntry, subjects: Subjects): Decoded {
  let object: unknown;
  try {
    object = JSON.parse(decoder.decode(entry.data));
  } catch (err) {
    const message = `entry ${entry.seq} on ${entry.subject} is not JSON: ${String(err instanceof Error ? err.message : err)}`;
    return { ok: false, message, ref: referenceOf(undefined) };
  }
  const seen = referenceOf(object);
  let type: ResourceType;
  try {
    type = desiredResource(object);
  } catch (err) {
    return { ok: false, message: String(err instanceof Error ? err.message : err), ref: seen };
  }
  const ref = { ...seen, namespace: type.namespaced ? seen.namespace || 'default' : '' };
  const expected = subjects.desired(type.plural);
  if (entry.subject !== expected) {
    return {
      ok: false,
      message: `a ${type.kind} was published on ${entry.subject}, not on ${expected}`,
      ref,
    };
  }
  return { ok: true, type, object, ref };
}

/** Whatever identification the entry carries, taking only non-empty strings. */
function referenceOf(object: unknown): Reference {
  const record = isRecord(object) ? object : {};
  const meta = isRecord(record.metadata) ? record.metadata : {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const namespace = text(meta.namespace) ?? '';
  return { apiVersion: text(record.apiVersion), kind: text(record.kind), name: text(meta.name), namespace };
}

const EVENT_NAME_BASE = /^[a-z0-9]([-a-z0-9.]{0,180}[a-z0-9])?$/;
const MAX_MESSAGE = 1024;

/**
 * The create request for the Warning Event about a refused entry. Its name comes from the entry (stored
 * time and sequence), so a redelivery finds it already recorded instead of recording it twice.
 */
function warningEvent(deps: DesiredDeps, entry: ConsumedEntry, ref: Reference, message: string): ApiRequest {
  const base = ref.name !== undefined && EVENT_NAME_BASE.test(ref.name) ? ref.name : 'desired';
  const namespace = ref.namespace || 'default';
  const now = rfc3339(deps.clock.now());
  const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
  return {
    verb: 'create',
    resource: 'events',
    namespace,
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${base}.${entry.time.toString(16)}.${entry.seq.toString(16)}`, namespace },
      involvedObject: ref,
      reason: FailedDesiredApply,
      message: text,
      type: 'Warning',
      source: { component: 'apiserver' },
      reportingComponent: 'skiff-apiserver',
      reportingInstance: deps.replica,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  };
}

/**
 * What a failed apply calls for: `invalid`, the object's fault (4xx), acknowledged with an Event;
 * `waiting`, the store down, slow or shedding load, retried for as long as that lasts; `bounded`, a
 * bug or a race (500, 409), retried up to `maxAttempts` deliveries so that it cannot block the stream.
 */
function classify(status: Status): 'invalid' | 'waiting' | 'bounded' {
  if (status.code === 503 || status.code === 504 || status.code === 429) return 'waiting';
  if (status.code >= 500 || status.reason === 'Conflict') return 'bounded';
  return 'invalid';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
