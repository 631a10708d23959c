/**
 * Desired-state events: how another service hands Skiff an object to apply without calling the API.
 *
 *   service ──publishDesired──▶ skiff.desired.<resource>  (stored in the SKIFF_DESIRED stream)
 *           ──▶ durable consumer "apiserver" (any one replica) ──▶ apply, like `skiff apply`
 *
 * The append resolves once JetStream has stored the object, so it survives API server restarts; the
 * apply happens later. An object the API server refuses comes back as a Warning Event (reason
 * `FailedDesiredApply`) about that object, not as an error here. This module checks only what makes
 * an object addressable (a known kind, its apiVersion, a name); the API server validates the rest.
 */
import {
  type AppendResult,
  type Bus,
  BusError,
  type EventLog,
  type EventLogConfig,
} from '../../actors/kernel/bus/bus.js';
import { badRequest } from '../errors.js';
import { type ResourceType, resourceForKind, supportedKinds } from '../resources/registry.js';
import type { Subjects } from '../subjects.js';

export interface PublishDesiredOptions {
  /**
   * De-duplication id (`Nats-Msg-Id`): a second publish with the same id within the stream's
   * duplicate window (2 minutes) is dropped and reports `duplicate: true`. Use it to make retries
   * of one publish safe.
   */
  readonly msgId?: string;
}

/** The desired-state stream's settings: the API server creates it so, and publishers when it is missing. */
export function desiredStreamConfig(subjects: Subjects): EventLogConfig {
  return { subjects: [subjects.desiredAll()], maxMessages: 1_000_000, duplicateWindowMs: 120_000 };
}

/** Opens the desired-state stream, creating it (with the API server's settings) when it is missing. */
export async function openDesiredLog(bus: Bus, subjects: Subjects): Promise<EventLog> {
  const name = subjects.desiredStream();
  try {
    // Opening without settings needs only read access to the stream, and never changes it.
    return await bus.log(name);
  } catch (openErr) {
    // Usually the stream does not exist yet (no API server has started): create it, so the object is
    // kept until one does. If that fails too, say why both failed.
    try {
      return await bus.log(name, desiredStreamConfig(subjects));
    } catch (createErr) {
      const opening = openErr instanceof Error ? openErr.message : String(openErr);
      throw new BusError(`desired-state log ${name}: cannot open it (${opening}) nor create it`, {
        cause: createErr,
      });
    }
  }
}

/**
 * The resource a desired-state object belongs to; throws a BadRequest `ApiError` unless the object
 * names a kind Skiff serves, at that kind's apiVersion, and has a `metadata.name`.
 */
export function desiredResource(object: unknown): ResourceType {
  if (!isRecord(object)) throw badRequest('a desired-state object must be a JSON object');
  const { kind, apiVersion, metadata } = object;
  const type = typeof kind === 'string' ? resourceForKind(kind) : undefined;
  if (!type) {
    throw badRequest(
      `unknown kind ${JSON.stringify(kind ?? null)}: Skiff serves ${supportedKinds().join(', ')}`,
    );
  }
  if (apiVersion !== type.apiVersion) {
    throw badRequest(
      `${type.kind} is served as apiVersion ${type.apiVersion}, not ${JSON.stringify(apiVersion ?? null)}`,
    );
  }
  const name = isRecord(metadata) ? metadata.name : undefined;
  if (typeof name !== 'string' || name === '') {
    throw badRequest('a desired-state object needs metadata.name (generateName cannot be applied)');
  }
  return type;
}

/** Publishes desired state through one bus, opening the stream once. */
export class DesiredPublisher {
  private log: Promise<EventLog> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
  ) {}

  /** Checks `object` and stores it on `skiff.desired.<resource>`; returns the stream's answer. */
  async publish(object: unknown, options: PublishDesiredOptions = {}): Promise<AppendResult> {
    const type = desiredResource(object);
    this.log ??= openDesiredLog(this.bus, this.subjects).catch((err: unknown) => {
      this.log = undefined; // not cached: the next publish tries again
      throw err;
    });
    const log = await this.log;
    return log.append(
      this.subjects.desired(type.plural),
      JSON.stringify(object),
      options.msgId === undefined ? {} : { msgId: options.msgId },
    );
  }
}

/** Checks `object` and stores it on the desired-state stream (a one-off `DesiredPublisher`). */
export function publishDesired(
  bus: Bus,
  subjects: Subjects,
  object: unknown,
  options: PublishDesiredOptions = {},
): Promise<AppendResult> {
  return new DesiredPublisher(bus, subjects).publish(object, options);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
