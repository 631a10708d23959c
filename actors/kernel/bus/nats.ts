/**
 * `NatsBus`: the Bus over NATS core (publish, subscribe, request/reply, queue groups) and
 * JetStream (event logs), with nats.js v3 (`@nats-io/transport-node`, `@nats-io/jetstream`).
 *
 * Connection policy for actors: wait for the first connection and reconnect forever (components
 * start in any order and outlive server restarts), one unique client name per connection so the
 * server's monitoring tells replicas apart, and every status change logged and forwarded.
 */
import { randomUUID } from 'node:crypto';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  connect,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSub,
  type Status,
} from '@nats-io/transport-node';
import {
  type Bus,
  type BusLogger,
  type BusMessage,
  type BusStatus,
  DEFAULT_MAX_PAYLOAD,
  decoder,
  type EventLog,
  type EventLogConfig,
  type Headers,
  type MessageHandler,
  type PublishOptions,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
  toBytes,
} from '../../../protocol/bus.js';
import { BusClosedError, BusError } from '../../../protocol/errors.js';
import type { Subject, SubjectPattern } from '../../../protocol/subjects.js';
import { stderrBusLogger } from './default-logger.js';
import { HandlerQueue } from './handler-queue.js';
import {
  fromNatsHeaders,
  jetStreamError,
  natsError,
  payloadTooLarge,
  requestError,
  toNatsHeaders,
} from './nats-codec.js';
import { type LogHost, NatsEventLog } from './nats-log.js';
import type { BusClosable } from './nats-reader.js';
import { assertHeaders, assertPattern, assertPublishSubject, messageSize } from './validate.js';

/** How long `close()` lets a drain run before closing the connection outright. */
const DRAIN_TIMEOUT_MS = 10_000;

/** Where and how a `NatsBus` connects. */
export interface NatsBusOptions {
  /** `nats://host:port` URLs or `host:port`; several for a cluster. */
  readonly servers: string | readonly string[];
  /** Client name; a random suffix makes it unique per connection (`apiserver-1a2b3c4d`). */
  readonly name: string;
  readonly token?: string;
  readonly user?: string;
  readonly pass?: string;
  /** Where status changes and handler failures go (default: stderr for warnings and errors). */
  readonly log?: BusLogger;
  /** Pause between reconnect attempts (default 2,000 ms, plus nats.js jitter). */
  readonly reconnectTimeWaitMs?: number;
  /** Timeout of JetStream API calls and appends (default 5,000 ms). */
  readonly jetStreamTimeoutMs?: number;
}

/** The Bus over a NATS connection. */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  private readonly statusListeners = new Set<(status: BusStatus) => void>();
  private readonly subs = new Set<NatsSubscription>();
  private readonly readers = new Set<BusClosable>();
  private readonly js: JetStreamClient;
  private manager: Promise<JetStreamManager> | undefined;
  private connected = true;
  private closing: Promise<void> | undefined;
  private closedAnnounced = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly logger: BusLogger,
    private readonly jsTimeoutMs: number,
  ) {
    this.js = jetstream(nc, { timeout: jsTimeoutMs });
    void this.watchStatus();
    void nc.closed().then((err) => {
      if (err) logger.error({ err }, 'nats: connection closed with an error');
      this.announceClosed();
    });
  }

  /** Connects (waiting for the server if it is not up yet) and returns the bus. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
      name: `${options.name}-${randomUUID().slice(0, 8)}`,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 2_000,
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
    });
    return new NatsBus(nc, options.log ?? stderrBusLogger, options.jetStreamTimeoutMs ?? 5_000);
  }

  /** The `host:port` of the server currently connected to. */
  get server(): string {
    return this.nc.getServer();
  }

  /** The connected server's `max_payload`; read each time, since a reconnect may reach another server. */
  get maxPayload(): number {
    return serverMaxPayload(this.nc);
  }

  publish(subject: Subject | string, data: Uint8Array | string, options?: PublishOptions): void {
    assertPublishSubject(subject);
    assertHeaders(options?.headers);
    const headers = toNatsHeaders(options?.headers);
    // Copied: nats.js queues the caller's Uint8Array itself until the next flush, so a publisher
    // reusing its buffer would change a message already "sent".
    const bytes = toBytes(data);
    try {
      this.nc.publish(subject, bytes, headers ? { headers } : undefined);
    } catch (err) {
      const sizes = { size: messageSize(bytes, options?.headers), maxPayload: this.maxPayload };
      throw payloadTooLarge(err, sizes) ?? natsError(err, `publish to ${subject}`);
    }
  }

  subscribe(subject: SubjectPattern, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    assertPattern(subject);
    const queue = options?.queue;
    if (queue !== undefined && (queue === '' || /\s/.test(queue))) {
      throw new BusError(`invalid queue group ${JSON.stringify(queue)}`);
    }
    if (this.closing || this.nc.isClosed()) throw new BusClosedError();
    const sub = new NatsSubscription(this.nc, subject, handler, queue, this.logger, () =>
      this.subs.delete(sub),
    );
    this.subs.add(sub);
    return sub;
  }

  async request(subject: Subject, data: Uint8Array | string, options: RequestOptions): Promise<BusMessage> {
    assertPublishSubject(subject);
    assertHeaders(options.headers);
    const headers = toNatsHeaders(options.headers);
    const bytes = toBytes(data);
    try {
      const reply = await this.nc.request(subject, bytes, {
        timeout: options.timeoutMs,
        ...(headers === undefined ? {} : { headers }),
      });
      return new NatsMessage(reply, this.nc, this.logger);
    } catch (err) {
      const sizes = { size: messageSize(bytes, options.headers), maxPayload: this.maxPayload };
      throw payloadTooLarge(err, sizes) ?? requestError(err, subject, options.timeoutMs);
    }
  }

  async flush(): Promise<void> {
    try {
      await this.nc.flush();
    } catch (err) {
      throw natsError(err, 'flush');
    }
  }

  async log(name: string, config?: EventLogConfig): Promise<EventLog> {
    return NatsEventLog.open(await this.readerHost(), name, config);
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    // Readers first: deleting their ephemeral consumers needs the connection.
    const reason = new BusClosedError();
    await Promise.all([...this.readers].map((r) => r.shutdown(reason)));
    if (!this.nc.isClosed()) {
      // Draining while disconnected would wait for a reconnect that may never come.
      if (this.connected) await this.drainOrClose();
      else await this.nc.close();
    }
    await Promise.all([...this.subs].map((s) => s.closed));
    this.announceClosed();
  }

  private async drainOrClose(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), DRAIN_TIMEOUT_MS);
      timer.unref();
    });
    const drained = this.nc.drain().then(
      () => 'drained' as const,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const outcome = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (outcome === 'drained') return;
    this.logger.warn(
      { err: outcome === 'timeout' ? undefined : outcome },
      'nats: drain did not finish; closing',
    );
    await this.nc.close();
  }

  private async readerHost(): Promise<LogHost> {
    if (this.closing) throw new BusClosedError();
    // Created on first use so that a bus without JetStream still serves core pub/sub.
    this.manager ??= jetstreamManager(this.nc, { timeout: this.jsTimeoutMs }).catch((err: unknown) => {
      this.manager = undefined;
      throw jetStreamError(err, 'JetStream', this.jsTimeoutMs);
    });
    const jsm = await this.manager;
    return {
      js: this.js,
      jsm,
      logger: this.logger,
      jsTimeoutMs: this.jsTimeoutMs,
      maxPayload: () => this.maxPayload,
      onStatus: (listener) => this.onStatus(listener),
      track: (reader) => this.readers.add(reader),
      release: (reader) => this.readers.delete(reader),
    };
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.nc.status()) this.onNatsStatus(status);
    } catch (err) {
      this.logger.error({ err }, 'nats: status stream failed');
    }
  }

  private onNatsStatus(status: Status): void {
    switch (status.type) {
      case 'disconnect':
        this.connected = false;
        this.logger.warn({ server: status.server }, 'nats: disconnected');
        this.emit({ type: 'disconnected' });
        return;
      case 'reconnect':
        this.connected = true;
        this.logger.info({ server: status.server }, 'nats: reconnected');
        this.emit({ type: 'reconnected' });
        return;
      case 'error':
        this.logger.error({ err: status.error }, 'nats: error from the server');
        this.emit({ type: 'error', error: status.error });
        return;
      case 'close':
        this.announceClosed();
        return;
      case 'ldm':
        this.logger.warn({ server: status.server }, 'nats: server entering lame duck mode');
        return;
      case 'staleConnection':
        this.logger.warn({}, 'nats: stale connection');
        return;
      case 'slowConsumer':
        this.logger.warn(
          { subject: status.sub.getSubject(), pending: status.pending },
          'nats: slow consumer',
        );
        return;
      default:
        this.logger.debug({ status: status.type }, 'nats: status');
    }
  }

  private announceClosed(): void {
    if (this.closedAnnounced) return;
    this.closedAnnounced = true;
    this.emit({ type: 'closed' });
  }

  private emit(status: BusStatus): void {
    for (const listener of this.statusListeners) {
      try {
        listener(status);
      } catch (err) {
        this.logger.error({ err, status: status.type }, 'bus status listener failed');
      }
    }
  }
}

/** The `max_payload` the connected server announced (NATS' default before the first INFO). */
function serverMaxPayload(nc: NatsConnection): number {
  return nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
}

class NatsMessage implements BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers | undefined;
  readonly reply: string | undefined;

  constructor(
    msg: Msg,
    private readonly nc: NatsConnection,
    private readonly logger: BusLogger,
  ) {
    this.subject = msg.subject;
    this.data = msg.data;
    this.headers = fromNatsHeaders(msg.headers);
    this.reply = msg.reply ? msg.reply : undefined;
  }

  respond(data: Uint8Array | string, options?: { headers?: Headers }): void {
    if (this.reply === undefined) {
      this.logger.warn({ subject: this.subject }, 'respond() on a message without a reply subject: dropped');
      return;
    }
    assertHeaders(options?.headers);
    const headers = toNatsHeaders(options?.headers);
    const bytes = toBytes(data);
    try {
      this.nc.publish(this.reply, bytes, headers ? { headers } : undefined);
    } catch (err) {
      // Thrown, not logged: a responder that learns its answer was too big can send a short error
      // instead (the API server answers 413), where a dropped reply would only be a client timeout.
      const sizes = { size: messageSize(bytes, options?.headers), maxPayload: serverMaxPayload(this.nc) };
      throw payloadTooLarge(err, sizes) ?? natsError(err, `reply to ${this.subject}`);
    }
  }

  text(): string {
    return decoder.decode(this.data);
  }
}

/** A NATS subscription feeding a `HandlerQueue`, so handlers run one at a time and drain can wait for them. */
class NatsSubscription implements Subscription {
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly mailbox: HandlerQueue<Msg>;
  private readonly sub: NatsSub;
  private state: 'open' | 'draining' | 'done' = 'open';
  private finishing: Promise<void> | undefined;

  constructor(
    nc: NatsConnection,
    readonly subject: string,
    handler: MessageHandler,
    queue: string | undefined,
    private readonly logger: BusLogger,
    private readonly detach: () => void,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.mailbox = new HandlerQueue<Msg>(
      (msg) => handler(new NatsMessage(msg, nc, logger)),
      (err, msg) =>
        logger.error({ err, subject: msg.subject, subscription: subject }, 'message handler failed'),
    );
    this.sub = nc.subscribe(subject, {
      ...(queue === undefined ? {} : { queue }),
      callback: (err, msg) => {
        if (err) {
          logger.error({ err, subject }, 'subscription error');
          return;
        }
        if (this.state !== 'done') this.mailbox.push(msg);
      },
    });
    void this.sub.closed.then((err) => {
      if (err) logger.error({ err, subject }, 'subscription closed by an error');
      // The server side is over (unsubscribe, drain, connection closed): finish what arrived.
      void this.finish();
    });
  }

  unsubscribe(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.mailbox.stop();
    try {
      this.sub.unsubscribe();
    } catch (err) {
      this.logger.debug({ err, subject: this.subject }, 'unsubscribe on a closed connection');
    }
    void this.finish();
  }

  async drain(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'draining';
      try {
        await this.sub.drain();
      } catch (err) {
        // Already closed (connection or subscription): nothing more can arrive, so draining is done.
        this.logger.debug({ err, subject: this.subject }, 'drain on a closed subscription');
      }
    }
    await this.finish();
  }

  private finish(): Promise<void> {
    this.finishing ??= this.mailbox.idle().then(() => {
      this.state = 'done';
      this.detach();
      this.resolveClosed();
    });
    return this.finishing;
  }
}
