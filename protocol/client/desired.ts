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
import type { AppendResult, Bus, EventLog } from '../bus.js';
import { desiredResource, openDesiredLog } from '../desired.js';
import type { Subjects } from '../subjects.js';

export interface PublishDesiredOptions {
  /**
   * De-duplication id (`Nats-Msg-Id`): a second publish with the same id within the stream's
   * duplicate window (2 minutes) is dropped and reports `duplicate: true`. Use it to make retries
   * of one publish safe.
   */
  readonly msgId?: string;
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
