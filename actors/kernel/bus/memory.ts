/**
 * `MemoryBus`: the in-process bus behind `skiff up` and fast tests, with NATS semantics: wildcards,
 * queue groups, request/reply over private inbox subjects, immediate "no responders", headers,
 * asynchronous delivery in publish order, replayable logs shared by name like JetStream streams, and
 * NATS' `max_payload` limit. Tests can make log appends fail, time out or complete out of order
 * through `faults` (see `memory-faults.ts`).
 */
import { randomUUID } from 'node:crypto';
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
  subjectMatches,
  toBytes,
} from '../../../protocol/bus.js';
import { type Clock, systemClock } from '../../../protocol/clock.js';
import {
  BusClosedError,
  BusError,
  NoRespondersError,
  RequestTimeoutError,
} from '../../../protocol/errors.js';
import type { Subject, SubjectPattern } from '../../../protocol/subjects.js';
import { stderrBusLogger } from './default-logger.js';
import { HandlerQueue } from './handler-queue.js';
import { MemoryFaults } from './memory-faults.js';
import { MemoryEventLog } from './memory-log.js';
import {
  assertFits,
  assertHeaders,
  assertLogName,
  assertPattern,
  assertPublishSubject,
  messageSize,
  patternsOverlap,
  resolveLogConfig,
} from './validate.js';

export type {
  AppendFault,
  AppendFaultMatch,
  AppendFaultSpec,
  InjectedAppendFault,
  MemoryFaults,
} from './memory-faults.js';

/** What a `MemoryBus` is built with. */
export interface MemoryBusOptions {
  /** Measures the de-duplication window, maxAge and request timeouts (default: the system clock). */
  readonly clock?: Clock;
  /** Where handler failures and dropped replies are reported (default: stderr). */
  readonly log?: BusLogger;
  /**
   * The largest message, payload plus headers, that publish, request, respond and log appends accept
   * (default `DEFAULT_MAX_PAYLOAD`, NATS' default `max_payload`); larger ones fail with
   * `PayloadTooLargeError`, as nats.js fails them before they reach the server.
   */
  readonly maxPayload?: number;
}

/** One message as routed: every subscriber gets its own copy of the bytes and headers. */
interface Envelope {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers | undefined;
  readonly reply: string | undefined;
}

/** The in-process `Bus`. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly clock: Clock;
  readonly logger: BusLogger;
  readonly maxPayload: number;
  /** Fault injection for tests: appends that fail, time out or complete out of order. */
  readonly faults: MemoryFaults;
  private readonly subs = new Set<MemorySubscription>();
  /** Round-robin position per queue group name. */
  private readonly groupCursor = new Map<string, number>();
  private readonly logs = new Map<string, MemoryEventLog>();
  private readonly statusListeners = new Set<(status: BusStatus) => void>();
  private readonly pendingRequests = new Set<(err: Error) => void>();
  private readonly inboxPrefix = `_INBOX.${randomUUID().replaceAll('-', '')}`;
  private inboxSeq = 0;
  private closing = false;
  private closedFlag = false;

  constructor(options: MemoryBusOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.log ?? stderrBusLogger;
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isSafeInteger(this.maxPayload) || this.maxPayload < 1) {
      throw new BusError(`maxPayload must be an integer >= 1, not ${this.maxPayload}`);
    }
    this.faults = new MemoryFaults(this.clock);
  }

  publish(subject: Subject | string, data: Uint8Array | string, options?: PublishOptions): void {
    this.ensureOpen();
    assertPublishSubject(subject);
    assertHeaders(options?.headers);
    const bytes = toBytes(data);
    assertFits(messageSize(bytes, options?.headers), this.maxPayload);
    this.route({ subject, data: bytes, headers: options?.headers, reply: undefined });
  }

  subscribe(subject: SubjectPattern, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    this.ensureOpen();
    if (this.closing) throw new BusClosedError();
    return this.addSubscription(subject, handler, options?.queue);
  }

  async request(subject: Subject, data: Uint8Array | string, options: RequestOptions): Promise<BusMessage> {
    this.ensureOpen();
    assertPublishSubject(subject);
    assertHeaders(options.headers);
    const bytes = toBytes(data);
    assertFits(messageSize(bytes, options.headers), this.maxPayload);
    const inbox = `${this.inboxPrefix}.${++this.inboxSeq}`;
    return new Promise<BusMessage>((resolve, reject) => {
      let timer: { cancel(): void } | undefined;
      const settle = (outcome: () => void) => {
        timer?.cancel();
        this.pendingRequests.delete(abort);
        replies.unsubscribe();
        outcome();
      };
      const abort = (err: Error) => settle(() => reject(err));
      // The reply arrives through an ordinary subscription on the inbox, as on NATS, so a `>`
      // subscriber sees replies too.
      const replies = this.addSubscription(inbox, (msg) => settle(() => resolve(msg)), undefined);
      this.pendingRequests.add(abort);
      const delivered = this.route({ subject, data: bytes, headers: options.headers, reply: inbox });
      if (delivered === 0) {
        abort(new NoRespondersError(subject));
        return;
      }
      timer = this.clock.setTimeout(
        () => abort(new RequestTimeoutError(subject, options.timeoutMs)),
        options.timeoutMs,
      );
    });
  }

  async flush(): Promise<void> {
    // Nothing is in flight between a publish and the subscribers' mailboxes.
    this.ensureOpen();
  }

  async log(name: string, config?: EventLogConfig): Promise<EventLog> {
    this.ensureOpen();
    assertLogName(name);
    const existing = this.logs.get(name);
    if (!config) {
      if (!existing) throw new BusError(`log ${name} does not exist`);
      return existing;
    }
    const resolved = resolveLogConfig(config);
    // JetStream refuses two streams that could capture the same subject; so does the memory bus.
    for (const other of this.logs.values()) {
      if (other === existing) continue;
      const clash = resolved.subjects.find((s) => other.subjects.some((o) => patternsOverlap(s, o)));
      if (clash) throw new BusError(`log ${name}: subject ${clash} overlaps log ${other.name}`);
    }
    if (existing) {
      existing.configure(resolved);
      return existing;
    }
    const created = new MemoryEventLog(name, resolved, {
      clock: this.clock,
      logger: this.logger,
      ensureOpen: () => this.ensureOpen(),
      maxPayload: this.maxPayload,
      faults: this.faults,
    });
    this.logs.set(name, created);
    return created;
  }

  onStatus(listener: (status: BusStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all([...this.subs].map((s) => s.drain()));
    this.closedFlag = true;
    const reason = new BusClosedError();
    for (const abort of [...this.pendingRequests]) abort(reason);
    this.faults.close(reason);
    for (const log of this.logs.values()) log.closeReaders(reason);
    for (const listener of this.statusListeners) listener({ type: 'closed' });
  }

  /** Throws `BusClosedError` once `close()` has finished. */
  ensureOpen(): void {
    if (this.closedFlag) throw new BusClosedError();
  }

  private addSubscription(
    subject: string,
    handler: MessageHandler,
    queue: string | undefined,
  ): MemorySubscription {
    assertPattern(subject);
    if (queue !== undefined && (queue === '' || /\s/.test(queue))) {
      throw new BusError(`invalid queue group ${JSON.stringify(queue)}`);
    }
    const sub = new MemorySubscription(subject, queue, handler, this.logger, () => this.subs.delete(sub));
    this.subs.add(sub);
    return sub;
  }

  /** Hands a message to every matching plain subscriber and one member per queue group; returns how many. */
  private route(envelope: Envelope): number {
    let delivered = 0;
    const groups = new Map<string, MemorySubscription[]>();
    for (const sub of this.subs) {
      if (!subjectMatches(sub.subject, envelope.subject)) continue;
      if (sub.queue === undefined) {
        sub.deliver(this.message(envelope));
        delivered++;
      } else {
        const members = groups.get(sub.queue) ?? [];
        members.push(sub);
        groups.set(sub.queue, members);
      }
    }
    // NATS picks a member at random; round-robin spreads the load the same way and keeps tests
    // deterministic.
    for (const [queue, members] of groups) {
      const turn = this.groupCursor.get(queue) ?? 0;
      this.groupCursor.set(queue, turn + 1);
      (members[turn % members.length] as MemorySubscription).deliver(this.message(envelope));
      delivered++;
    }
    return delivered;
  }

  private message(envelope: Envelope): BusMessage {
    return new MemoryMessage(
      envelope.subject,
      new Uint8Array(envelope.data),
      envelope.headers && envelope.headers.size > 0 ? new Map(envelope.headers) : undefined,
      envelope.reply,
      this,
    );
  }
}

class MemoryMessage implements BusMessage {
  constructor(
    readonly subject: string,
    readonly data: Uint8Array,
    readonly headers: Headers | undefined,
    readonly reply: string | undefined,
    private readonly bus: MemoryBus,
  ) {}

  respond(data: Uint8Array | string, options?: { headers?: Headers }): void {
    if (this.reply === undefined) {
      this.bus.logger.warn(
        { subject: this.subject },
        'respond() on a message without a reply subject: dropped',
      );
      return;
    }
    this.bus.publish(this.reply, data, options);
  }

  text(): string {
    return decoder.decode(this.data);
  }
}

class MemorySubscription implements Subscription {
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private readonly mailbox: HandlerQueue<BusMessage>;
  private state: 'open' | 'draining' | 'done' = 'open';

  constructor(
    readonly subject: string,
    readonly queue: string | undefined,
    handler: MessageHandler,
    log: BusLogger,
    private readonly detach: () => void,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.mailbox = new HandlerQueue(handler, (err, msg) =>
      log.error({ err, subject: msg.subject, subscription: subject }, 'message handler failed'),
    );
  }

  deliver(msg: BusMessage): void {
    if (this.state === 'open') this.mailbox.push(msg);
  }

  unsubscribe(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.detach();
    this.mailbox.stop();
    void this.mailbox.idle().then(this.resolveClosed);
  }

  async drain(): Promise<void> {
    if (this.state !== 'open') return this.closed;
    this.state = 'draining';
    this.detach();
    await this.mailbox.idle();
    this.state = 'done';
    this.resolveClosed();
  }
}
