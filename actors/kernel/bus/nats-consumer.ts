/**
 * Durable consumers on NATS: one JetStream durable pull consumer per name (explicit ack, `ack_wait`,
 * `max_deliver`, `max_ack_pending`, deliver all), and a member per `consume` call that pulls one
 * message at a time, runs the handler, then acks (waiting for the server's confirmation) or naks with
 * the retry delay.
 *
 * What nats-server 2.9 does that shaped this file (each checked against 2.9.10):
 * - creating a durable that exists with another configuration updates it in place, the filter
 *   included, without a word; so the filter is compared first and a mismatch refused, as the memory
 *   bus refuses it;
 * - `-NAK {"delay": ns}` is honoured; an entry that reaches `max_deliver` leaves the ack-pending set
 *   unacknowledged, so a consumer with `max_ack_pending` 1 moves on;
 * - a pull request whose client stopped listening is not served (the server checks interest), so
 *   stopping a fetch to close or after a reconnect loses nothing and delays nothing;
 * - an ack from a delivery that was superseded (ack wait expired) still acknowledges the sequence.
 */
import {
  AckPolicy,
  type Consumer,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { ConsumedEntry, ConsumeHandler, LogReader } from '../../../protocol/bus.js';
import { systemClock } from '../../../protocol/clock.js';
import { BusClosedError, BusError } from '../../../protocol/errors.js';
import { type ConsumerLabel, type ResolvedConsumeOptions, runConsumeHandler } from './consume.js';
import { fromNatsHeaders, isStreamNotFound, jetStreamError, natsError } from './nats-codec.js';
import type { BusClosable, ReaderHost } from './nats-reader.js';

/** How long one pull waits for a message (nats.js sends heartbeats every half of it). */
const PULL_EXPIRES_MS = 10_000;

/** One member of a durable consumer on a JetStream stream. */
export class NatsConsumerMember implements LogReader, BusClosable {
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (reason: Error | undefined) => void;
  private stopping = false;
  private reason: Error | undefined;
  private consumer: Consumer | undefined;
  private batch: ConsumerMessages | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private readonly unwatch: () => void;
  private readonly label: ConsumerLabel;

  private constructor(
    private readonly host: ReaderHost,
    private readonly stream: string,
    private readonly name: string,
    private readonly handler: ConsumeHandler,
    private readonly options: ResolvedConsumeOptions,
  ) {
    this.label = { log: stream, consumer: name };
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    // A pull sent before a reconnect died with the old connection: pull again at once rather than
    // wait for nats.js to notice the missing heartbeats.
    this.unwatch = host.onStatus((status) => {
      if (status.type === 'reconnected') this.batch?.stop();
    });
  }

  /** Creates or joins the durable `name` on `stream` and starts pulling. */
  static async open(
    host: ReaderHost,
    stream: string,
    name: string,
    handler: ConsumeHandler,
    options: ResolvedConsumeOptions,
  ): Promise<NatsConsumerMember> {
    await ensureDurable(host, stream, name, options);
    const member = new NatsConsumerMember(host, stream, name, handler, options);
    host.track(member);
    member.running = member.run();
    return member;
  }

  async close(): Promise<void> {
    await this.shutdownWith(undefined);
  }

  async shutdown(reason: Error): Promise<void> {
    await this.shutdownWith(reason);
  }

  private async shutdownWith(reason: Error | undefined): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.reason = reason;
      this.abort.abort();
      this.batch?.stop();
    }
    await this.running;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      try {
        const msg = await this.pull();
        attempt = 0;
        if (!msg) continue;
        if (this.stopping) {
          // Pulled just as the member stopped: hand it straight back to the other members.
          settle(this.host, this.label, msg, () => msg.nak());
          break;
        }
        await this.deliver(msg);
      } catch (err) {
        if (this.stopping) break;
        const terminal = await this.recover(err);
        if (terminal) {
          this.reason = terminal;
          break;
        }
        this.host.logger.warn({ ...this.label, err, attempt }, 'consumer: pull failed, retrying');
        await this.pause(attempt++);
      }
    }
    this.stopping = true;
    this.unwatch();
    this.host.release(this);
    this.resolveClosed(this.reason);
  }

  /** One pull of at most one message; undefined when the pull expired or was stopped. */
  private async pull(): Promise<JsMsg | undefined> {
    this.consumer ??= await this.host.js.consumers.get(this.stream, this.name);
    const batch = await this.consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
    this.batch = batch;
    if (this.stopping) batch.stop(); // closed while the pull was being set up
    try {
      let received: JsMsg | undefined;
      for await (const msg of batch) received = msg;
      return received;
    } finally {
      this.batch = undefined;
    }
  }

  private async deliver(msg: JsMsg): Promise<void> {
    const entry: ConsumedEntry = {
      seq: msg.seq,
      subject: msg.subject,
      data: msg.data,
      headers: fromNatsHeaders(msg.headers, true),
      time: msg.time.getTime(),
      deliveryCount: msg.info.deliveryCount,
    };
    const outcome = await runConsumeHandler(this.handler, entry, this.host.logger, this.label);
    if (outcome === 'retry') {
      settle(this.host, this.label, msg, () => msg.nak(this.options.retryDelayMs));
      return;
    }
    try {
      // Waiting for the server's confirmation keeps the next pull behind this ack, so a consumer
      // with maxInFlight 1 never sees its own ack race its next pull.
      await msg.ackAck();
    } catch (err) {
      // Unconfirmed is not lost: at worst the entry comes again after the ack wait.
      this.host.logger.warn({ ...this.label, seq: msg.seq, err }, 'consumer: ack not confirmed');
    }
  }

  /** After a failed pull: the error that must end the member, or undefined to retry. */
  private async recover(err: unknown): Promise<Error | undefined> {
    this.consumer = undefined;
    if (natsError(err, 'pull') instanceof BusClosedError) return new BusClosedError({ cause: err });
    try {
      await this.host.jsm.consumers.info(this.stream, this.name);
      return undefined;
    } catch (infoErr) {
      const gone = isStreamNotFound(infoErr);
      if (gone) return new BusError(`log ${this.stream} was deleted`, { cause: infoErr });
      if (!isConsumerNotFound(infoErr)) return undefined; // the server is unreachable: retry later
    }
    this.host.logger.warn(this.label, 'consumer: deleted; recreating it (retained entries come again)');
    await ensureDurable(this.host, this.stream, this.name, this.options).catch((createErr: unknown) =>
      this.host.logger.warn({ ...this.label, err: createErr }, 'consumer: recreate failed, retrying'),
    );
    return undefined;
  }

  /** Backoff between retries; returns early when the member stops. */
  private async pause(attempt: number): Promise<void> {
    const ms = Math.min(5_000, 100 * 2 ** attempt);
    await systemClock.sleep(ms, this.abort.signal).catch(() => undefined); // aborted: the member is stopping
  }
}

/** Creates the durable, or updates its limits; refuses one that exists with another filter. */
async function ensureDurable(
  host: ReaderHost,
  stream: string,
  name: string,
  options: ResolvedConsumeOptions,
): Promise<void> {
  let existing: ConsumerInfo | undefined;
  try {
    existing = await host.jsm.consumers.info(stream, name);
  } catch (err) {
    if (isStreamNotFound(err)) throw new BusError(`log ${stream} does not exist`, { cause: err });
    if (!isConsumerNotFound(err))
      throw jetStreamError(err, `consumer ${name} of log ${stream}`, host.jsTimeoutMs);
  }
  // nats-server 2.9 would silently re-filter the consumer for every member; refuse instead.
  const existingFilter = existing?.config.filter_subject || undefined;
  if (existing && existingFilter !== options.filter) {
    throw new BusError(
      `consumer ${name} of log ${stream} exists with filter ${existingFilter ?? '(none)'}, not ${options.filter ?? '(none)'}`,
    );
  }
  try {
    await host.jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(options.ackWaitMs),
      max_deliver: options.maxDeliver > 0 ? options.maxDeliver : -1,
      max_ack_pending: options.maxInFlight,
      ...(options.filter === undefined ? {} : { filter_subject: options.filter }),
    });
  } catch (err) {
    throw jetStreamError(err, `create consumer ${name} of log ${stream}`, host.jsTimeoutMs);
  }
}

/** Sends a nak; one lost with the connection is covered by the ack wait, so it is only logged. */
function settle(host: ReaderHost, label: ConsumerLabel, msg: JsMsg, send: () => void): void {
  try {
    send();
  } catch (err) {
    host.logger.warn({ ...label, seq: msg.seq, err }, 'consumer: nak not sent; the ack wait will redeliver');
  }
}

function isConsumerNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound;
}
