/**
 * A member of a durable consumer on the in-process log: takes an entry, runs the handler, settles it,
 * and asks for the next, so a member handles one entry at a time and in the order it was given them.
 */
import type { BusLogger, ConsumeHandler, LogEntry, LogReader } from '../../../protocol/bus.js';
import { type ConsumerLabel, runConsumeHandler } from './consume.js';

/** One entry handed to a member, and which delivery of it this is. */
export interface Delivery {
  readonly entry: LogEntry;
  readonly deliveries: number;
}

/** What a member asks of its consumer (`MemoryDurable`). */
export interface MemberHost {
  /** Resolves with the next entry for `member`, or undefined once it is released. */
  take(member: MemberOfDurable): Promise<Delivery | undefined>;
  /** Forgets a member that stopped. */
  release(member: MemberOfDurable): void;
  /** The member is done with `seq`. */
  ack(seq: number): void;
  /** The member wants `seq` (its `delivery`-th delivery) delivered again after `delayMs`. */
  retry(seq: number, delivery: number, delayMs: number): void;
}

/** One member: takes an entry, runs the handler, settles it, and asks for the next. */
export class MemberOfDurable implements LogReader {
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (reason: Error | undefined) => void;
  private stopped = false;
  private reason: Error | undefined;

  constructor(
    private readonly durable: MemberHost,
    private readonly handler: ConsumeHandler,
    private readonly retryDelayMs: number,
    private readonly logger: BusLogger,
    private readonly label: ConsumerLabel,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Starts the loop on a later turn, so no handler runs inside `consume`. */
  start(): void {
    setImmediate(() => {
      void this.loop().finally(() => this.resolveClosed(this.reason));
    });
  }

  async close(): Promise<void> {
    this.stop(undefined);
    await this.closed;
  }

  /** Ends the member with `reason`; the entry in hand is settled first. */
  fail(reason: Error): void {
    this.stop(reason);
  }

  private stop(reason: Error | undefined): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.durable.release(this);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const delivery = await this.durable.take(this);
      if (!delivery) return;
      const { entry, deliveries } = delivery;
      if (this.stopped) {
        // Handed over just as the member stopped: give it straight back to the others.
        this.durable.retry(entry.seq, deliveries, 0);
        return;
      }
      const outcome = await runConsumeHandler(
        this.handler,
        { ...entry, deliveryCount: deliveries },
        this.logger,
        this.label,
      );
      if (outcome === 'ack') this.durable.ack(entry.seq);
      else this.durable.retry(entry.seq, deliveries, this.retryDelayMs);
    }
  }
}
