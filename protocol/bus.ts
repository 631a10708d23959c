/**
 * The Bus: the only way actors talk. Two implementations keep the same semantics and pass one
 * contract suite (`contract.ts`): `NatsBus` (NATS core + JetStream) and `MemoryBus` (in-process,
 * for `skiff up` and fast tests).
 *
 * Semantics both honour:
 * - `*` matches one token, `>` one or more trailing tokens;
 * - a queue group delivers each message to exactly one of its members;
 * - `request` fails at once with `NoRespondersError` when nobody listens, with `RequestTimeoutError`
 *   when nobody answers in time;
 * - messages from one publisher on one subject arrive in order;
 * - an `EventLog` is an append-only, replayable, bounded log (a JetStream stream on NATS) with
 *   de-duplication by message id and a start position for readers; a reader whose position has
 *   been trimmed away is told so (`LogExpiredError`) instead of silently skipping;
 * - a log also serves durable, shared consumers (`consume`): at-least-once work distribution.
 */
import type { Logger } from './logger.js';
import type { Subject, SubjectPattern } from './subjects.js';

/** Message headers: case-insensitive names, ASCII values without CR/LF. */
export type Headers = ReadonlyMap<string, string>;

/** A message as delivered to a subscriber. */
export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers | undefined;
  /** Present when the sender expects a reply. */
  readonly reply: string | undefined;
  /** Answers a request; a no-op log line when the message carries no reply subject. */
  respond(data: Uint8Array | string, options?: { headers?: Headers }): void;
  /** The payload as UTF-8 text. */
  text(): string;
}

export interface PublishOptions {
  readonly headers?: Headers;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  readonly queue?: string;
}

export interface RequestOptions {
  readonly timeoutMs: number;
  readonly headers?: Headers;
}

/** A live subscription. `closed` resolves once no more messages will be delivered. */
export interface Subscription {
  readonly subject: string;
  /** Stops delivery at once. */
  unsubscribe(): void;
  /** Stops taking new messages and resolves after the ones already received were handled. */
  drain(): Promise<void>;
  readonly closed: Promise<void>;
}

/** The log calls a bus makes (handler failures, dropped replies, connection changes): a `Logger`. */
export type BusLogger = Logger;

/**
 * A synchronous or asynchronous message handler. Errors it throws are logged, never lost silently.
 * Handlers of one subscription run one at a time, in arrival order: the next message waits for the
 * previous handler's promise, so a handler that wants concurrency hands the work off and returns.
 */
export type MessageHandler = (msg: BusMessage) => void | Promise<void>;

/** Connection state changes a component may log or act on. */
export type BusStatus =
  | { readonly type: 'disconnected' }
  | { readonly type: 'reconnected' }
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly error: Error };

export interface Bus {
  /** A short name for logs and metrics: `nats` or `memory`. */
  readonly kind: 'nats' | 'memory';
  publish(subject: Subject | string, data: Uint8Array | string, options?: PublishOptions): void;
  subscribe(subject: SubjectPattern, handler: MessageHandler, options?: SubscribeOptions): Subscription;
  request(subject: Subject, data: Uint8Array | string, options: RequestOptions): Promise<BusMessage>;
  /** Resolves once everything published so far has reached the server. */
  flush(): Promise<void>;
  /** Opens (creating or updating when `config` is given) a replayable log. */
  log(name: string, config?: EventLogConfig): Promise<EventLog>;
  /** Registers a listener for connection status changes; returns a function that removes it. */
  onStatus(listener: (status: BusStatus) => void): () => void;
  /** Drains subscriptions, flushes, and closes. */
  close(): Promise<void>;
  /** The largest message (payload plus headers) the bus carries: NATS `max_payload`, 1 MiB by default. */
  readonly maxPayload: number;
}

/** NATS' default `max_payload`; the in-process bus enforces the same limit unless told otherwise. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export interface EventLogConfig {
  /** Subjects (patterns allowed) the log captures. */
  readonly subjects: readonly SubjectPattern[];
  /** Oldest entries are dropped past this many (default 1,000,000). */
  readonly maxMessages?: number;
  /** Oldest entries are dropped past this age (default: unlimited). */
  readonly maxAgeMs?: number;
  /** How long a message id is remembered for de-duplication (default 2 minutes). */
  readonly duplicateWindowMs?: number;
}

/** One stored entry. */
export interface LogEntry {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Headers | undefined;
  /** Milliseconds since the epoch, as stored. */
  readonly time: number;
}

export interface AppendOptions {
  /** De-duplication id (`Nats-Msg-Id`): a second append with the same id inside the window is dropped. */
  readonly msgId?: string;
  readonly headers?: Headers;
  /**
   * Fencing: append only when the log's newest sequence is exactly this (0: the log has never been
   * written), as JetStream's `Nats-Expected-Last-Sequence`. Otherwise nothing is stored and the append
   * fails with `LogSequenceMismatchError`. A single writer that knows where the log ends can thus
   * never append out of order, and a paused ex-writer can never append at all.
   */
  readonly expectedLastSeq?: number;
}

export interface AppendResult {
  readonly seq: number;
  readonly duplicate: boolean;
}

export interface LogInfo {
  /** Sequence of the oldest retained entry (lastSeq + 1 when empty). */
  readonly firstSeq: number;
  /** Sequence of the newest entry (0 when nothing was ever appended). */
  readonly lastSeq: number;
  readonly messages: number;
}

export interface ReadOptions {
  /** Subject filter (one pattern). Default: everything. */
  readonly filter?: SubjectPattern;
  /** First sequence to deliver. Default: lastSeq + 1 (only new entries). */
  readonly startSeq?: number;
}

/** An ordered reader over a log. `closed` resolves with the reason it stopped. */
export interface LogReader {
  /** Stops delivery. */
  close(): Promise<void>;
  /** Resolves when the reader stops: `undefined` when closed by its owner, else the error. */
  readonly closed: Promise<Error | undefined>;
}

export interface EventLog {
  readonly name: string;
  append(subject: Subject, data: Uint8Array | string, options?: AppendOptions): Promise<AppendResult>;
  info(): Promise<LogInfo>;
  /** Direct read of one entry; undefined when it was trimmed or never existed. */
  get(seq: number): Promise<LogEntry | undefined>;
  /**
   * Delivers entries matching the filter in sequence order from `startSeq`, then new ones as they
   * are appended, one at a time (the handler is awaited). Ends with `LogExpiredError` when entries
   * the reader still needed were trimmed (at start, or while it was disconnected).
   */
  read(handler: (entry: LogEntry) => void | Promise<void>, options?: ReadOptions): Promise<LogReader>;
  /**
   * Joins (creating when new) the durable consumer `name`: members sharing a name share its entries,
   * at least once, from the oldest retained entry on (see `consume.ts`). The returned member's
   * `close` waits for the entry in hand and settles it; the consumer's position stays with the log.
   */
  consume(name: string, handler: ConsumeHandler, options?: ConsumeOptions): Promise<LogReader>;
  /** Removes every entry (tests and `skiff up --reset`). */
  purge(): Promise<void>;
  /**
   * Starts the log again, empty and numbered from 1, with the same configuration, as a deleted and
   * re-created JetStream stream: every reader ends with `LogExpiredError` (even one that was waiting
   * at the end, which a purge would not disturb) and durable consumers are removed. For a writer
   * that found a hole in what the log holds: nobody may read across it.
   */
  reset(): Promise<void>;
}

/** Helpers shared by both implementations. */
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** Normalises a payload to bytes (copying, so callers may reuse their buffers). */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data);
}

/** True when `subject` matches `pattern` under NATS wildcard rules. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}

/** An entry as a consumer member receives it. */
export interface ConsumedEntry extends LogEntry {
  /** 1 on first delivery, then one more per redelivery (counted by the log, across members). */
  readonly deliveryCount: number;
}

/** What a handler decides: done with the entry, or deliver it again later. */
export type ConsumeOutcome = 'ack' | 'retry';

/** Handles one entry; a throw counts as 'retry'. */
export type ConsumeHandler = (entry: ConsumedEntry) => Promise<ConsumeOutcome>;

export interface ConsumeOptions {
  /** Only entries whose subject matches (one pattern; a list needs nats-server 2.10). Fixed per name. */
  readonly filter?: SubjectPattern;
  /** Deliveries of one entry before it is given up, logged (default: unlimited). */
  readonly maxDeliver?: number;
  /** Pause before an entry answered with 'retry' comes again (default 1,000 ms). */
  readonly retryDelayMs?: number;
  /** How long a delivery may go unanswered before the entry goes to a member again (default 30 s). */
  readonly ackWaitMs?: number;
  /**
   * Entries handed out and not yet acknowledged, across all members (JetStream `max_ack_pending`;
   * default 1,000). 1 keeps the whole log in order even through retries: nothing later is delivered
   * while an earlier entry waits for its redelivery.
   */
  readonly maxInFlight?: number;
}
