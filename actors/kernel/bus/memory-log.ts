/**
 * The in-process `EventLog`: a bounded array of entries with JetStream's numbering (sequences start
 * at 1, never reused, not consumed by duplicates, kept counting across a purge) and readers that are
 * told, precisely, when an entry they still needed was trimmed.
 *
 * An append is checked in nats-server 2.9's order (verified against the server by the contract
 * suite): the size limit (client side), then de-duplication, then the fence. So a repeated `msgId`
 * answers `duplicate` even when its `expectedLastSeq` is stale, and an append refused by its fence
 * leaves no trace: its `msgId` is not remembered, so a retry with the same id is stored.
 */

import {
  type AppendOptions,
  type AppendResult,
  type BusLogger,
  type ConsumeHandler,
  type ConsumeOptions,
  type EventLog,
  type LogEntry,
  type LogInfo,
  type LogReader,
  type ReadOptions,
  subjectMatches,
  toBytes,
} from '../../../protocol/bus.js';
import type { Clock } from '../../../protocol/clock.js';
import { BusError, LogExpiredError, LogSequenceMismatchError } from '../../../protocol/errors.js';
import type { Subject } from '../../../protocol/subjects.js';
import { assertConsumerName, resolveConsumeOptions } from './consume.js';
import { type DurableSource, MemoryDurable } from './memory-consumer.js';
import type { MemoryFaults } from './memory-faults.js';
import { MemoryLogReader } from './memory-reader.js';
import {
  appendSize,
  assertExpectedLastSeq,
  assertFits,
  assertHeaders,
  assertPattern,
  assertPublishSubject,
  patternsOverlap,
  type ResolvedLogConfig,
} from './validate.js';

/** What a log needs from the bus that owns it. */
export interface MemoryLogHost {
  readonly clock: Clock;
  /** Where consumers report entries given up or skipped. */
  readonly logger: BusLogger;
  /** Throws `BusClosedError` once the bus is closed. */
  ensureOpen(): void;
  /** The largest append (payload plus headers, JetStream's included) the bus carries. */
  readonly maxPayload: number;
  /** The bus's fault injection, which every append passes through (see `memory-faults.ts`). */
  readonly faults: MemoryFaults;
}

type EntryHandler = (entry: LogEntry) => void | Promise<void>;

/** An `EventLog` held in memory; shared by name within one `MemoryBus`. */
export class MemoryEventLog implements EventLog {
  private entries: LogEntry[] = [];
  /** Index of the oldest live entry in `entries` (trimming advances it; compaction resets it). */
  private head = 0;
  private lastSeq = 0;
  /** Message ids inside the duplicate window, oldest first (Map keeps insertion order). */
  private readonly ids = new Map<string, { readonly seq: number; readonly at: number }>();
  private readonly readers = new Set<MemoryLogReader>();
  /** Durable consumers by name: they outlive their members, as JetStream's do. */
  private readonly durables = new Map<string, MemoryDurable>();

  constructor(
    readonly name: string,
    private config: ResolvedLogConfig,
    private readonly host: MemoryLogHost,
  ) {}

  /** The subject patterns this log captures. */
  get subjects(): readonly string[] {
    return this.config.subjects;
  }

  /** Applies a new configuration (like a stream update), trimming at once if limits shrank. */
  configure(config: ResolvedLogConfig): void {
    this.config = config;
    this.trim();
  }

  async append(subject: Subject, data: Uint8Array | string, options?: AppendOptions): Promise<AppendResult> {
    this.host.ensureOpen();
    assertPublishSubject(subject);
    assertHeaders(options?.headers);
    assertExpectedLastSeq(options?.expectedLastSeq);
    if (!this.config.subjects.some((p) => subjectMatches(p, subject))) {
      throw new BusError(`subject ${subject} is not captured by log ${this.name}`);
    }
    const bytes = toBytes(data);
    assertFits(appendSize(bytes, options), this.host.maxPayload);
    // No await before this call: appends without a fault are stored in call order, so pipelined
    // fenced appends (each expecting the previous one's sequence) all succeed, as on NATS.
    return this.host.faults.intercept({
      log: this.name,
      subject,
      commit: () => this.commit(subject, bytes, options),
    });
  }

  /** Stores an append that passed validation: de-duplication first, then the fence, as JetStream does. */
  private commit(subject: string, data: Uint8Array, options: AppendOptions | undefined): AppendResult {
    this.host.ensureOpen();
    const now = this.host.clock.now();
    this.forgetExpiredIds(now);
    const known = options?.msgId === undefined ? undefined : this.ids.get(options.msgId);
    if (known) return { seq: known.seq, duplicate: true };
    const expected = options?.expectedLastSeq;
    if (expected !== undefined && expected !== this.lastSeq) {
      throw new LogSequenceMismatchError(this.name, expected);
    }

    const seq = ++this.lastSeq;
    const headers = options?.headers && options.headers.size > 0 ? new Map(options.headers) : undefined;
    this.entries.push({ seq, subject, data, headers, time: now });
    if (options?.msgId !== undefined) this.ids.set(options.msgId, { seq, at: now });
    this.trim();
    for (const reader of this.readers) reader.wake();
    for (const durable of this.durables.values()) durable.wake();
    return { seq, duplicate: false };
  }

  async info(): Promise<LogInfo> {
    this.host.ensureOpen();
    this.trim();
    return { firstSeq: this.firstSeq(), lastSeq: this.lastSeq, messages: this.entries.length - this.head };
  }

  async get(seq: number): Promise<LogEntry | undefined> {
    this.host.ensureOpen();
    return this.entryAt(seq);
  }

  async read(handler: EntryHandler, options?: ReadOptions): Promise<LogReader> {
    this.host.ensureOpen();
    this.checkFilter(options?.filter);
    this.trim();
    const startSeq = Math.max(1, options?.startSeq ?? this.lastSeq + 1);
    const reader = new MemoryLogReader(this, handler, startSeq, options?.filter, () =>
      this.readers.delete(reader),
    );
    const first = this.firstSeq();
    // Conservative at the start (as on NATS): the trimmed entries are gone, so whether they matched
    // the filter is unknown, and the reader must relist.
    if (startSeq < first) reader.fail(new LogExpiredError(startSeq, first));
    else {
      this.readers.add(reader);
      reader.start();
    }
    return reader;
  }

  async consume(name: string, handler: ConsumeHandler, options?: ConsumeOptions): Promise<LogReader> {
    this.host.ensureOpen();
    assertConsumerName(name);
    const { retryDelayMs, ...settings } = resolveConsumeOptions(options);
    this.checkFilter(settings.filter);
    let durable = this.durables.get(name);
    if (durable) durable.reconfigure(settings);
    else {
      const source: DurableSource = {
        clock: this.host.clock,
        logger: this.host.logger,
        scan: (from, filter) => this.scan(from, filter),
        entryAt: (seq) => this.entryAt(seq),
        firstSeq: () => {
          this.trim();
          return this.firstSeq();
        },
      };
      durable = new MemoryDurable(this.name, name, settings, source);
      this.durables.set(name, durable);
    }
    return durable.attach(handler, retryDelayMs);
  }

  async purge(): Promise<void> {
    this.host.ensureOpen();
    this.remove(this.entries.length - this.head);
  }

  async reset(): Promise<void> {
    this.host.ensureOpen();
    this.entries = [];
    this.head = 0;
    this.lastSeq = 0;
    this.ids.clear();
    for (const reader of [...this.readers]) reader.fail(new LogExpiredError(reader.position, 1));
    for (const durable of this.durables.values()) durable.close(new BusError(`log ${this.name} was reset`));
    this.durables.clear();
  }

  /** Stops every reader because the bus closed. */
  closeReaders(reason: Error): void {
    for (const reader of [...this.readers]) reader.fail(reason);
    for (const durable of this.durables.values()) durable.close(reason);
  }

  /**
   * The next entry at or after `reader.position` that matches its filter, trimming first; moves the
   * reader past the non-matching entries it skipped.
   */
  nextFor(reader: MemoryLogReader): LogEntry | undefined {
    const { entry, next } = this.scan(reader.position, reader.filter);
    reader.position = next;
    return entry;
  }

  /** The first retained entry at or after `from` matching `filter` (a copy), and where to scan next. */
  private scan(from: number, filter: string | undefined): { entry: LogEntry | undefined; next: number } {
    this.trim();
    const first = this.firstSeq();
    let seq = Math.max(from, first);
    for (; seq <= this.lastSeq; seq++) {
      const entry = this.entries[this.head + (seq - first)] as LogEntry;
      if (filter === undefined || subjectMatches(filter, entry.subject)) {
        return { entry: copyEntry(entry), next: seq + 1 };
      }
    }
    return { entry: undefined, next: seq };
  }

  /** A copy of the retained entry `seq`, trimming first; undefined when trimmed or never written. */
  private entryAt(seq: number): LogEntry | undefined {
    this.trim();
    const first = this.firstSeq();
    if (!Number.isInteger(seq) || seq < first || seq > this.lastSeq) return undefined;
    return copyEntry(this.entries[this.head + (seq - first)] as LogEntry);
  }

  /** JetStream refuses a consumer filter outside the stream's subjects; so does the memory log. */
  private checkFilter(filter: string | undefined): void {
    if (filter === undefined) return;
    assertPattern(filter);
    if (!this.config.subjects.some((s) => patternsOverlap(s, filter))) {
      throw new BusError(`filter ${filter} matches nothing log ${this.name} captures`);
    }
  }

  private firstSeq(): number {
    const oldest = this.entries[this.head];
    return oldest ? oldest.seq : this.lastSeq + 1;
  }

  /** Applies maxMessages and maxAge (lazily, on every operation, with the injected clock). */
  private trim(): void {
    const live = this.entries.length - this.head;
    let drop = Math.max(0, live - this.config.maxMessages);
    if (this.config.maxAgeMs > 0) {
      const oldestKept = this.host.clock.now() - this.config.maxAgeMs;
      while (drop < live && (this.entries[this.head + drop] as LogEntry).time <= oldestKept) drop++;
    }
    if (drop > 0) this.remove(drop);
  }

  /** Removes the `count` oldest entries and expires each reader that still needed one of them. */
  private remove(count: number): void {
    if (count <= 0) return;
    const removed = this.entries.slice(this.head, this.head + count);
    this.head += count;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    const first = this.firstSeq();
    for (const reader of [...this.readers]) {
      const needed = removed.find(
        (e) =>
          e.seq >= reader.position &&
          (reader.filter === undefined || subjectMatches(reader.filter, e.subject)),
      );
      if (needed) reader.fail(new LogExpiredError(needed.seq, first));
    }
  }

  private forgetExpiredIds(now: number): void {
    for (const [id, { at }] of this.ids) {
      if (now - at < this.config.duplicateWindowMs) break;
      this.ids.delete(id);
    }
  }
}

function copyEntry(entry: LogEntry): LogEntry {
  return {
    seq: entry.seq,
    subject: entry.subject,
    data: new Uint8Array(entry.data),
    headers: entry.headers ? new Map(entry.headers) : undefined,
    time: entry.time,
  };
}
