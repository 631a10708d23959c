/**
 * Durable consumers of the in-process log, with the semantics of a JetStream durable pull consumer
 * (explicit ack, ack wait, max deliver, nak with delay, max ack pending), timed by the injected clock.
 *
 * A `MemoryDurable` is the consumer: its position, the entries handed out and not yet acknowledged,
 * and the members waiting for work. The log keeps it by name, so it outlives its members exactly as a
 * durable consumer outlives the connections pulling from it.
 */

import type { BusLogger, ConsumeHandler, LogEntry, LogReader } from '../../../protocol/bus.js';
import type { Clock, Timer } from '../../../protocol/clock.js';
import { BusError } from '../../../protocol/errors.js';
import type { ConsumerLabel, ResolvedConsumeOptions } from './consume.js';
import { type Delivery, type MemberHost, MemberOfDurable } from './memory-member.js';

/** What a durable reads from the log that owns it. */
export interface DurableSource {
  readonly clock: Clock;
  readonly logger: BusLogger;
  /** The first retained entry at or after `from` matching `filter`, and where the next scan starts. */
  scan(from: number, filter: string | undefined): { entry: LogEntry | undefined; next: number };
  /** The retained entry `seq`, or undefined once trimmed. */
  entryAt(seq: number): LogEntry | undefined;
  /** The oldest retained sequence (lastSeq + 1 when empty). */
  firstSeq(): number;
}

/** One entry handed out and not acknowledged yet. */
interface InFlight {
  deliveries: number;
  /** Ack wait while a member holds it, retry delay after a 'retry'. */
  timer: Timer | undefined;
  /** Waiting for redelivery (ack wait expired, or retry delay over). */
  ready: boolean;
}

type Settings = Omit<ResolvedConsumeOptions, 'retryDelayMs'>;

/** The state of one named consumer of one log. */
export class MemoryDurable implements MemberHost {
  /** The next sequence never handed out. A new consumer starts at the oldest retained entry. */
  private nextSeq: number;
  private readonly inFlight = new Map<number, InFlight>();
  /** Members waiting for an entry, in the order they asked (Map keeps insertion order). */
  private readonly waiting = new Map<MemberOfDurable, (delivery: Delivery | undefined) => void>();
  private readonly members = new Set<MemberOfDurable>();
  private readonly label: ConsumerLabel;

  constructor(
    logName: string,
    readonly name: string,
    private settings: Settings,
    private readonly source: DurableSource,
  ) {
    this.label = { log: logName, consumer: name };
    this.nextSeq = source.firstSeq();
  }

  /** Applies a later opener's settings, as a JetStream consumer update would; the filter is fixed. */
  reconfigure(settings: Settings): void {
    if (settings.filter !== this.settings.filter) {
      throw new BusError(
        `consumer ${this.name} of log ${this.label.log} exists with filter ${this.settings.filter ?? '(none)'}, not ${settings.filter ?? '(none)'}`,
      );
    }
    this.settings = settings;
    this.pump();
  }

  /** Adds a member that hands entries to `handler`, one at a time. */
  attach(handler: ConsumeHandler, retryDelayMs: number): LogReader {
    const member = new MemberOfDurable(this, handler, retryDelayMs, this.source.logger, this.label);
    this.members.add(member);
    member.start();
    return member;
  }

  /** Resolves with the next entry for `member`, or undefined once it is released. */
  take(member: MemberOfDurable): Promise<Delivery | undefined> {
    return new Promise((resolve) => {
      this.waiting.set(member, resolve);
      this.pump();
    });
  }

  /** Forgets a member that stopped; its pending `take` resolves with undefined. */
  release(member: MemberOfDurable): void {
    this.members.delete(member);
    const resolve = this.waiting.get(member);
    this.waiting.delete(member);
    resolve?.(undefined);
  }

  /** Done with `seq`, whichever delivery answers (JetStream acknowledges by stream sequence). */
  ack(seq: number): void {
    const flight = this.inFlight.get(seq);
    if (!flight) return;
    flight.timer?.cancel();
    this.inFlight.delete(seq);
    this.pump();
  }

  /** Delivers `seq` again after `delayMs`; a retry from a delivery that was superseded is ignored. */
  retry(seq: number, delivery: number, delayMs: number): void {
    const flight = this.inFlight.get(seq);
    if (!flight || flight.ready || flight.deliveries !== delivery) return;
    flight.timer?.cancel();
    flight.timer = undefined;
    if (delayMs <= 0) this.makeReady(seq, flight);
    else {
      flight.timer = this.source.clock.setTimeout(() => {
        if (this.inFlight.get(seq) === flight) this.makeReady(seq, flight);
      }, delayMs);
    }
  }

  /** Called after an append: there may be something new to hand out. */
  wake(): void {
    this.pump();
  }

  /** Ends every member with `reason` and cancels every timer (the bus closed). */
  close(reason: Error): void {
    for (const member of [...this.members]) member.fail(reason);
    for (const flight of this.inFlight.values()) flight.timer?.cancel();
  }

  /** Hands entries to waiting members, first come first served, while there are entries to hand. */
  private pump(): void {
    for (const [member, resolve] of this.waiting) {
      const delivery = this.nextDelivery();
      if (!delivery) return;
      this.waiting.delete(member);
      resolve(delivery);
    }
  }

  private nextDelivery(): Delivery | undefined {
    // Redeliveries first, lowest sequence first, as JetStream does.
    const ready = [...this.inFlight].filter(([, f]) => f.ready).map(([seq]) => seq);
    for (const seq of ready.sort((a, b) => a - b)) {
      const flight = this.inFlight.get(seq) as InFlight;
      const entry = this.source.entryAt(seq);
      if (entry) return this.hand(entry, flight);
      this.inFlight.delete(seq);
      this.source.logger.warn({ ...this.label, seq }, 'consumer: entry trimmed before its redelivery');
    }
    if (this.inFlight.size >= this.settings.maxInFlight) return undefined;
    const first = this.source.firstSeq();
    if (this.nextSeq < first) {
      // Durable consumers skip what was trimmed before they reached it, as JetStream's do; say so.
      this.source.logger.warn(
        { ...this.label, from: this.nextSeq, to: first - 1 },
        'consumer: skipped trimmed entries',
      );
      this.nextSeq = first;
    }
    const { entry, next } = this.source.scan(this.nextSeq, this.settings.filter);
    this.nextSeq = next;
    if (!entry) return undefined;
    const flight: InFlight = { deliveries: 0, timer: undefined, ready: false };
    this.inFlight.set(entry.seq, flight);
    return this.hand(entry, flight);
  }

  private hand(entry: LogEntry, flight: InFlight): Delivery {
    flight.ready = false;
    flight.deliveries++;
    flight.timer?.cancel();
    const delivery = flight.deliveries;
    flight.timer = this.source.clock.setTimeout(() => {
      // Unanswered within the ack wait: the member is presumed dead, the entry goes to another.
      if (this.inFlight.get(entry.seq) === flight && flight.deliveries === delivery && !flight.ready) {
        this.makeReady(entry.seq, flight);
      }
    }, this.settings.ackWaitMs);
    return { entry, deliveries: delivery };
  }

  private makeReady(seq: number, flight: InFlight): void {
    flight.timer = undefined;
    const { maxDeliver } = this.settings;
    if (maxDeliver > 0 && flight.deliveries >= maxDeliver) {
      // JetStream stops redelivering and frees the in-flight slot; the entry is not acknowledged.
      this.inFlight.delete(seq);
      this.source.logger.warn(
        { ...this.label, seq, deliveries: flight.deliveries },
        'consumer: entry given up after maxDeliver deliveries',
      );
    } else {
      flight.ready = true;
    }
    this.pump();
  }
}
