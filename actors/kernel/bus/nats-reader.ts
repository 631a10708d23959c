/**
 * `NatsLogReader`: an ordered JetStream consumer that refuses to skip entries silently.
 *
 * Why this file exists: nats-server (2.9 at least) clamps a consumer's position up to the stream's
 * first sequence whenever the entries it was about to read have been trimmed (max_msgs, max_age,
 * purge). It does so at consumer creation and while scanning, and the delivery sequence stays
 * contiguous, so the nats.js ordered consumer, which only checks delivery sequences, sees nothing
 * wrong. An informer built on that would miss events and never relist. So this reader keeps its own
 * proof of completeness and ends with `LogExpiredError` as soon as the proof fails.
 *
 * The proof. `verified` is a stream sequence such that every entry matching the filter with
 * seq <= verified has been received. It advances:
 * - on an entry with seq == verified + 1 (nothing can hide in between);
 * - on an entry further ahead (a "jump": normal for a filtered reader, a loss for an unfiltered one
 *   after trimming), once a stream info *requested after that entry arrived* shows
 *   firstSeq <= verified + 1. The server scanned the skipped range before it sent the entry, and
 *   trimming only removes a prefix and firstSeq only grows, so nothing in the range had been
 *   trimmed when it was scanned. One stream info covers every entry received before it was sent,
 *   so a burst costs one round trip, not one per entry;
 * - on an idle heartbeat reporting the server scanned through X, when its consumer sequence equals
 *   what this reader received from that consumer (nothing is in flight), by the same argument.
 * It is tested (and the reader ends when it fails) after a consumer is created (the create response
 * shows where the server really starts), when nats.js recreates its ordered consumer, and after every
 * reconnect, where this reader recreates the consumer itself from the last received sequence + 1, so
 * that entries lost in flight come again at once instead of at the next entry's sequence mismatch.
 *
 * Continuity across a reconnect. NATS 2.9 acknowledges before fsync, so a server that crashed can
 * come back without its newest entries and hand their sequence numbers to new ones; the server also
 * clamps a start beyond its end back to it. A reader resuming by sequence would then drop new entries
 * as already seen. So after every reconnect, before resuming, the reader checks that the stream is
 * the one it was reading and that the entry it received last is still there, unchanged (subject and
 * bytes: a writer that republishes the same entries at the same positions, as Skiff's relay does,
 * passes). Otherwise it ends with `LogExpiredError` and its owner finds its place again by content.
 *
 * Conservative by design: a filtered reader may be expired when only non-matching entries were
 * trimmed. A false expiry costs the caller a relist; a missed gap is a correctness bug. Individual
 * message deletions (Skiff never makes them) are not detected. Entries received before a failure are
 * still handed to the handler, in order, before `closed` resolves with the error.
 */
import {
  type Consumer,
  type ConsumerMessages,
  type ConsumerNotification,
  DeliverPolicy,
  type JsMsg,
} from '@nats-io/jetstream';
import type { LogEntry, LogReader, ReadOptions } from '../../../protocol/bus.js';
import { systemClock } from '../../../protocol/clock.js';
import { BusClosedError, BusError, LogExpiredError } from '../../../protocol/errors.js';
import { HandlerQueue } from './handler-queue.js';
import { fromNatsHeaders, isStreamNotFound, jetStreamError } from './nats-codec.js';
import {
  asError,
  expiryFromTrimCheck,
  firstSeqOf,
  RECONNECTED,
  type ReaderHost,
  reconnectSignal,
  type TrimCheck,
} from './nats-reader-support.js';

export { type BusClosable, firstSeqOf, type ReaderHost } from './nats-reader-support.js';

type EntryHandler = (entry: LogEntry) => void | Promise<void>;

/** Work for the verification stage, in arrival order. `receipt` numbers what the client received. */
type Inbound =
  | { readonly kind: 'entry'; readonly entry: LogEntry; readonly receipt: number }
  | { readonly kind: 'scanned'; readonly through: number; readonly receipt: number }
  | { readonly kind: 'position' }
  | { readonly kind: 'fail'; readonly error: Error };

/** Work for the handler stage: an entry, or the end of the reader after the entries before it. */
type Outbound = { readonly entry: LogEntry } | { readonly end: Error };

/** An ordered, gap-checked reader over one JetStream stream. */
export class NatsLogReader implements LogReader {
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (reason: Error | undefined) => void;

  private verified: number;
  /** The newest stream sequence received: where a recreated consumer resumes. */
  private lastReceivedSeq: number;
  /** The entry at lastReceivedSeq, to prove after a reconnect that the log did not change under it. */
  private lastReceived: LogEntry | undefined;
  private lastDeliverySeq = 0;
  private lastDeliveryConsumer = '';
  private currentConsumer = '';
  private receipts = 0;
  private lastCheck: TrimCheck | undefined;

  private inbound: Inbound[] = [];
  private inboundHead = 0;
  private verifying = false;
  private readonly outbound: HandlerQueue<Outbound>;

  private generation = 0;
  private consumer: Consumer | undefined;
  private messages: ConsumerMessages | undefined;
  private restarting = false;
  private restartAgain = false;
  private halted = false;
  private finished = false;
  private teardownDone: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly unwatch: () => void;
  /** Fires at the next reconnect: a request sent before it may have died with the old connection. */
  private reconnected = reconnectSignal();

  private constructor(
    private readonly host: ReaderHost,
    private readonly stream: string,
    private readonly handler: EntryHandler,
    private readonly filter: string | undefined,
    startSeq: number,
    private readonly created: number,
  ) {
    this.verified = startSeq - 1;
    this.lastReceivedSeq = startSeq - 1;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.outbound = new HandlerQueue<Outbound>(
      async (item) => {
        if ('end' in item) this.finish(item.end);
        else await this.handler(item.entry);
      },
      (err) => this.finish(asError(err)),
    );
    this.unwatch = host.onStatus((status) => {
      if (status.type !== 'reconnected') return;
      const reconnected = this.reconnected;
      this.reconnected = reconnectSignal();
      reconnected.fire();
      void this.restart();
    });
  }

  /** Opens a reader from `options.startSeq` (default: only new entries). Rejects when the log is missing. */
  static async open(
    host: ReaderHost,
    stream: string,
    handler: EntryHandler,
    options: ReadOptions | undefined,
  ): Promise<NatsLogReader> {
    const info = await host.jsm.streams.info(stream).catch((err: unknown) => {
      throw isStreamNotFound(err)
        ? new BusError(`log ${stream} does not exist`, { cause: err })
        : jetStreamError(err, `log ${stream}`, host.jsTimeoutMs);
    });
    const startSeq = Math.max(1, options?.startSeq ?? info.state.last_seq + 1);
    const reader = new NatsLogReader(
      host,
      stream,
      handler,
      options?.filter,
      startSeq,
      Date.parse(info.created),
    );
    host.track(reader);
    const first = firstSeqOf(info.state);
    if (startSeq < first) {
      reader.finish(new LogExpiredError(startSeq, first));
      return reader;
    }
    // Counts as a restart in progress, so a reconnect meanwhile waits for it instead of racing it.
    reader.restarting = true;
    try {
      const failure = await reader.openConsumer(startSeq, { retry: false });
      if (failure) reader.fail(failure);
    } catch (err) {
      await reader.close();
      throw err;
    } finally {
      reader.restarting = false;
    }
    if (reader.restartAgain) void reader.restart();
    return reader;
  }

  async close(): Promise<void> {
    this.finish(undefined);
    await this.teardown();
  }

  /** Stops the reader because its bus is closing; `closed` resolves with `reason`. */
  async shutdown(reason: Error): Promise<void> {
    this.finish(reason);
    await this.teardown();
  }

  // --- consumer lifecycle ---------------------------------------------------------------------

  /**
   * Creates an ordered consumer from `startAt` and starts consuming. Returns the error that must
   * end the reader (trimmed start, deleted log); throws only when `retry` is off.
   */
  private async openConsumer(startAt: number, { retry }: { retry: boolean }): Promise<Error | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (this.halted) return undefined;
      try {
        const consumer = await this.host.js.consumers.get(this.stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: startAt,
          // One subject only: a list (`filter_subjects`) needs nats-server 2.10.
          ...(this.filter === undefined ? {} : { filter_subjects: this.filter }),
        });
        const info = await consumer.info(true);
        // The create response shows where the server will really start (delivered.stream_seq + 1).
        // If it clamped past what this reader already knows to be complete, entries are gone.
        const serverFrom = info.delivered.stream_seq + 1;
        const safeThrough = Math.max(this.verified, this.lastReceivedSeq);
        if (this.halted || serverFrom > safeThrough + 1) {
          await this.deleteConsumer(consumer);
          return this.halted ? undefined : new LogExpiredError(safeThrough + 1, serverFrom);
        }
        const generation = ++this.generation;
        this.consumer = consumer;
        this.currentConsumer = info.name;
        // Callback mode: each message is numbered the moment it arrives, which the trim checks need.
        this.messages = await consumer.consume({
          callback: (msg) => {
            if (generation === this.generation) this.receive(msg);
          },
        });
        void this.watchNotifications(this.messages, generation);
        return undefined;
      } catch (err) {
        if (isStreamNotFound(err)) return new BusError(`log ${this.stream} was deleted`, { cause: err });
        if (!retry) throw jetStreamError(err, `reading log ${this.stream}`, this.host.jsTimeoutMs);
        this.host.logger.warn(
          { err, stream: this.stream, attempt },
          'log reader: creating its consumer failed, retrying',
        );
        await this.pause(attempt);
      }
    }
  }

  /** After a reconnect: replaces the consumer with one starting right after the last received entry. */
  private async restart(): Promise<void> {
    if (this.halted) return;
    if (this.restarting) {
      this.restartAgain = true;
      return;
    }
    this.restarting = true;
    try {
      do {
        this.restartAgain = false;
        await this.dropConsumer();
        const diverged = await this.checkContinuity();
        if (diverged) {
          this.fail(diverged);
          return;
        }
        const failure = await this.openConsumer(this.lastReceivedSeq + 1, { retry: true });
        if (failure) {
          this.fail(failure);
          return;
        }
        this.host.logger.info(
          { stream: this.stream, from: this.lastReceivedSeq + 1 },
          'log reader: consumer recreated after reconnect',
        );
      } while (this.restartAgain && !this.halted);
    } catch (err) {
      this.fail(asError(err));
    } finally {
      this.restarting = false;
    }
  }

  /**
   * After a reconnect: the error that must end the reader when the stream is not the one it was
   * reading (deleted and created again), or the entry it received last is gone or different (the
   * server lost its tail and reused the sequence). Trimming is left to `openConsumer`.
   */
  private async checkContinuity(): Promise<LogExpiredError | undefined> {
    const check = await this.freshCheck();
    if (check instanceof BusClosedError) return undefined; // the reader is ending anyway
    if (check instanceof Error) return new LogExpiredError(this.lastReceivedSeq + 1, 1); // log deleted
    const expiredAt = () => new LogExpiredError(this.lastReceivedSeq + 1, check.firstSeq);
    if (check.replaced) return expiredAt();
    const last = this.lastReceived;
    if (!last || last.seq < check.firstSeq) return undefined;
    try {
      const stored = await this.host.jsm.streams.getMessage(this.stream, { seq: last.seq });
      const same = stored && stored.subject === last.subject && Buffer.from(stored.data).equals(last.data);
      if (same) return undefined;
      this.host.logger.warn(
        { stream: this.stream, seq: last.seq },
        'log reader: the log changed under its position (lost tail after a server crash): expiring',
      );
      return expiredAt();
    } catch (err) {
      if (isStreamNotFound(err)) return expiredAt();
      this.host.logger.warn({ err, stream: this.stream }, 'log reader: continuity check failed, expiring');
      return expiredAt();
    }
  }

  /** Stops and deletes the current consumer; its late callbacks are ignored from here on. */
  private async dropConsumer(): Promise<void> {
    this.generation++;
    const { messages, consumer } = this;
    this.messages = undefined;
    this.consumer = undefined;
    if (messages) {
      const err = await messages.close();
      if (err)
        this.host.logger.debug({ err, stream: this.stream }, 'log reader: consumer stopped with an error');
    }
    if (consumer) await this.deleteConsumer(consumer);
  }

  private async deleteConsumer(consumer: Consumer): Promise<void> {
    try {
      await consumer.delete();
    } catch (err) {
      // Not fatal: an ordered consumer is ephemeral and the server removes it after 5 idle minutes.
      this.host.logger.debug({ err, stream: this.stream }, 'log reader: could not delete its consumer');
    }
  }

  private async watchNotifications(messages: ConsumerMessages, generation: number): Promise<void> {
    try {
      for await (const note of messages.status()) {
        if (generation !== this.generation || this.halted) break;
        this.onNotification(note);
      }
    } catch (err) {
      this.host.logger.debug(
        { err, stream: this.stream },
        'log reader: notification stream ended with an error',
      );
    }
  }

  private onNotification(note: ConsumerNotification): void {
    switch (note.type) {
      case 'heartbeat': {
        // Usable only when this reader holds everything that consumer delivered: then the server
        // scanned through lastStreamSequence and nothing it found is still in flight.
        const received = this.lastDeliveryConsumer === this.currentConsumer ? this.lastDeliverySeq : 0;
        if (note.lastConsumerSequence === received && note.lastStreamSequence > this.verified) {
          this.enqueue({ kind: 'scanned', through: note.lastStreamSequence, receipt: ++this.receipts });
        }
        return;
      }
      case 'ordered_consumer_recreated':
        this.currentConsumer = note.name;
        this.host.logger.info(
          { stream: this.stream, consumer: note.name },
          'log reader: ordered consumer recreated',
        );
        this.enqueue({ kind: 'position' });
        return;
      case 'consumer_deleted':
      case 'stream_not_found':
        // The stream was deleted (and perhaps created again, as `EventLog.reset` does) or the
        // server dropped the consumer: resume as after a reconnect, which checks continuity first.
        this.host.logger.warn({ stream: this.stream, note }, `log reader: ${note.type}`);
        void this.restart();
        return;
      case 'reset':
      case 'consumer_not_found':
      case 'heartbeats_missed':
      case 'no_responders':
      case 'exceeded_limits':
        this.host.logger.warn({ stream: this.stream, note }, `log reader: ${note.type}`);
        return;
      default:
        return; // pull requests, flow control, discards: routine
    }
  }

  // --- stage 1: receive and verify ------------------------------------------------------------

  private receive(msg: JsMsg): void {
    if (this.halted) return;
    const receipt = ++this.receipts;
    this.lastDeliverySeq = msg.info.deliverySequence;
    this.lastDeliveryConsumer = msg.info.consumer;
    const entry: LogEntry = {
      seq: msg.seq,
      subject: msg.subject,
      data: msg.data,
      headers: fromNatsHeaders(msg.headers, true),
      time: msg.time.getTime(),
    };
    if (msg.seq >= this.lastReceivedSeq) {
      this.lastReceivedSeq = msg.seq;
      this.lastReceived = entry;
    }
    this.enqueue({ kind: 'entry', entry, receipt });
  }

  /** Ends the reader with `error` after the entries received before it are handled. */
  private fail(error: Error): void {
    this.enqueue({ kind: 'fail', error });
  }

  private enqueue(item: Inbound): void {
    if (this.halted) return;
    this.inbound.push(item);
    if (this.verifying) return;
    this.verifying = true;
    void this.verifyLoop();
  }

  private async verifyLoop(): Promise<void> {
    try {
      while (!this.halted && this.inboundHead < this.inbound.length) {
        const item = this.inbound[this.inboundHead++] as Inbound;
        if (this.inboundHead > 1024 && this.inboundHead * 2 > this.inbound.length) {
          this.inbound = this.inbound.slice(this.inboundHead);
          this.inboundHead = 0;
        }
        const failure = await this.verify(item);
        if (failure) this.halt(failure);
      }
    } catch (err) {
      this.halt(asError(err));
    } finally {
      this.verifying = false;
    }
  }

  private async verify(item: Inbound): Promise<Error | undefined> {
    switch (item.kind) {
      case 'fail':
        return item.error;
      case 'entry': {
        const { seq } = item.entry;
        // Below the start: nats-server 2.9 clamps a start sequence beyond the end back to lastSeq + 1.
        if (seq <= this.verified) return undefined;
        if (seq > this.verified + 1) {
          const check = await this.checkCovering(item.receipt);
          const failure = check instanceof Error ? check : expiryFromTrimCheck(check, this.verified + 1);
          if (failure) return failure;
        }
        this.verified = seq;
        this.outbound.push({ entry: item.entry });
        return undefined;
      }
      case 'scanned': {
        if (item.through <= this.verified) return undefined;
        const check = await this.checkCovering(item.receipt);
        if (check instanceof Error) return check;
        // Advance only. If trimming got ahead here, a real loss shows at the next jump or reconnect.
        if (!expiryFromTrimCheck(check, this.verified + 1)) this.verified = item.through;
        return undefined;
      }
      case 'position': {
        const check = await this.freshCheck();
        return check instanceof Error ? check : expiryFromTrimCheck(check, this.verified + 1);
      }
    }
  }

  /** A stream info requested after receipt number `receipt` (reusing the last one when it qualifies). */
  private async checkCovering(receipt: number): Promise<TrimCheck | Error> {
    if (this.lastCheck && this.lastCheck.coverage >= receipt) return this.lastCheck;
    return this.freshCheck();
  }

  private async freshCheck(): Promise<TrimCheck | Error> {
    const coverage = this.receipts;
    for (let attempt = 0; ; attempt++) {
      if (this.halted) return new BusClosedError();
      try {
        // nats.js leaves a request lost with a dropped connection pending until its timeout; after a
        // reconnect, ask again at once rather than stalling the reader for the full timeout.
        const request = this.host.jsm.streams.info(this.stream);
        const info = await Promise.race([request, this.reconnected.fired]);
        if (info === RECONNECTED) {
          request.catch((err: unknown) =>
            this.host.logger.debug(
              { err, stream: this.stream },
              'log reader: stream info abandoned at reconnect',
            ),
          );
          continue;
        }
        const check = {
          coverage,
          firstSeq: firstSeqOf(info.state),
          replaced: Date.parse(info.created) !== this.created,
        };
        this.lastCheck = check;
        return check;
      } catch (err) {
        if (isStreamNotFound(err)) return new BusError(`log ${this.stream} was deleted`, { cause: err });
        this.host.logger.warn(
          { err, stream: this.stream, attempt },
          'log reader: stream info failed, retrying',
        );
        await this.pause(attempt);
      }
    }
  }

  // --- ending ---------------------------------------------------------------------------------

  /** Takes no more input; the handler stage delivers what it holds, then ends with `error`. */
  private halt(error: Error): void {
    if (this.halted) return;
    this.halted = true;
    this.inbound = [];
    this.inboundHead = 0;
    void this.teardown();
    this.outbound.push({ end: error });
  }

  /** Ends the reader now (undefined: closed by its owner); `closed` resolves once teardown is done. */
  private finish(reason: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.halted = true;
    this.abort.abort();
    this.outbound.stop();
    void Promise.all([this.teardown(), this.outbound.idle()]).then(() => {
      this.host.release(this);
      this.resolveClosed(reason);
    });
  }

  private teardown(): Promise<void> {
    this.teardownDone ??= (async () => {
      this.unwatch();
      await this.dropConsumer();
    })();
    return this.teardownDone;
  }

  /** Backoff between retries; returns early when the reader ends. */
  private async pause(attempt: number): Promise<void> {
    const ms = Math.min(5_000, 100 * 2 ** attempt);
    await systemClock.sleep(ms, this.abort.signal).catch(() => undefined); // aborted: the reader is ending
  }
}
