/**
 * `EventLog` over a JetStream stream: file storage, limits retention, discard old, de-duplication by
 * `Nats-Msg-Id` within `duplicate_window`, fencing by `Nats-Expected-Last-Sequence`. Readers live in
 * `nats-reader.ts`, durable consumers in `nats-consumer.ts`.
 *
 * What nats-server 2.9 does with a fenced append (the contract suite checks each point on a real
 * server, and `MemoryEventLog` does the same):
 * - de-duplication comes first: a repeated `msgId` answers `duplicate` even when the expected
 *   sequence is stale;
 * - a wrong expectation stores nothing and does not remember the `msgId` (err_code 10071);
 * - appends pipelined on one connection are processed in order, so each may expect the sequence
 *   the previous one will get; once one of them fails, the ones counting on it fail too.
 */
import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import {
  type AppendOptions,
  type AppendResult,
  type ConsumeHandler,
  type ConsumeOptions,
  type EventLog,
  type EventLogConfig,
  type LogEntry,
  type LogInfo,
  type LogReader,
  type ReadOptions,
  subjectMatches,
  toBytes,
} from '../../../protocol/bus.js';
import { BusError, LogSequenceMismatchError } from '../../../protocol/errors.js';
import type { Subject } from '../../../protocol/subjects.js';
import { assertConsumerName, resolveConsumeOptions } from './consume.js';
import {
  fromNatsHeaders,
  isStreamNotFound,
  isWrongLastSequence,
  JsCodes,
  jetStreamError,
  payloadTooLarge,
  toNatsHeaders,
} from './nats-codec.js';
import { NatsConsumerMember } from './nats-consumer.js';
import { firstSeqOf, NatsLogReader, type ReaderHost } from './nats-reader.js';
import {
  appendSize,
  assertExpectedLastSeq,
  assertHeaders,
  assertLogName,
  assertPattern,
  assertPublishSubject,
  type ResolvedLogConfig,
  resolveLogConfig,
} from './validate.js';

/** What a log needs from its bus: the readers' host, and the server's current `max_payload`. */
export interface LogHost extends ReaderHost {
  maxPayload(): number;
}

/** A replayable log backed by one JetStream stream of the same name. */
export class NatsEventLog implements EventLog {
  private constructor(
    private readonly host: LogHost,
    readonly name: string,
    private readonly subjects: readonly string[],
  ) {}

  /** Opens the stream `name`, creating or updating it when `config` is given. */
  static async open(host: LogHost, name: string, config?: EventLogConfig): Promise<NatsEventLog> {
    assertLogName(name);
    const info = config
      ? await ensureStream(host, name, resolveLogConfig(config))
      : await streamInfo(host, name);
    return new NatsEventLog(host, name, info.config.subjects ?? []);
  }

  async append(subject: Subject, data: Uint8Array | string, options?: AppendOptions): Promise<AppendResult> {
    assertPublishSubject(subject);
    assertHeaders(options?.headers);
    assertExpectedLastSeq(options?.expectedLastSeq);
    // Checked here because JetStream would store the entry in whichever stream captures the subject.
    if (!this.subjects.some((p) => subjectMatches(p, subject))) {
      throw new BusError(`subject ${subject} is not captured by log ${this.name}`);
    }
    const headers = toNatsHeaders(options?.headers);
    const bytes = toBytes(data);
    const expected = options?.expectedLastSeq;
    try {
      // No await before the publish: appends are sent in call order, which pipelined fenced appends
      // rely on.
      const ack = await this.host.js.publish(subject, bytes, {
        ...(options?.msgId === undefined ? {} : { msgID: options.msgId }),
        ...(headers === undefined ? {} : { headers }),
        ...(expected === undefined ? {} : { expect: { lastSequence: expected } }),
      });
      if (ack.stream !== this.name) {
        throw new BusError(`append to ${subject} was stored by stream ${ack.stream}, not log ${this.name}`);
      }
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      if (expected !== undefined && isWrongLastSequence(err)) {
        throw new LogSequenceMismatchError(this.name, expected, { cause: err });
      }
      throw (
        payloadTooLarge(err, { size: appendSize(bytes, options), maxPayload: this.host.maxPayload() }) ??
        jetStreamError(err, `append to log ${this.name} on ${subject}`, this.host.jsTimeoutMs)
      );
    }
  }

  async info(): Promise<LogInfo> {
    const { state } = await streamInfo(this.host, this.name);
    return { firstSeq: firstSeqOf(state), lastSeq: state.last_seq, messages: state.messages };
  }

  async get(seq: number): Promise<LogEntry | undefined> {
    if (!Number.isInteger(seq) || seq < 1) return undefined;
    try {
      // nats.js turns "no message found" (trimmed, purged or never written) into null.
      const stored = await this.host.jsm.streams.getMessage(this.name, { seq });
      if (!stored) return undefined;
      return {
        seq: stored.seq,
        subject: stored.subject,
        data: stored.data,
        headers: fromNatsHeaders(stored.header, true),
        time: stored.time.getTime(),
      };
    } catch (err) {
      throw jetStreamError(err, `get ${seq} from log ${this.name}`, this.host.jsTimeoutMs);
    }
  }

  async read(handler: (entry: LogEntry) => void | Promise<void>, options?: ReadOptions): Promise<LogReader> {
    if (options?.filter !== undefined) assertPattern(options.filter);
    return NatsLogReader.open(this.host, this.name, handler, options);
  }

  async consume(name: string, handler: ConsumeHandler, options?: ConsumeOptions): Promise<LogReader> {
    assertConsumerName(name);
    const resolved = resolveConsumeOptions(options);
    if (resolved.filter !== undefined) assertPattern(resolved.filter);
    return NatsConsumerMember.open(this.host, this.name, name, handler, resolved);
  }

  async reset(): Promise<void> {
    try {
      const { config } = await this.host.jsm.streams.info(this.name);
      await this.host.jsm.streams.delete(this.name);
      await this.host.jsm.streams.add(config);
    } catch (err) {
      throw jetStreamError(err, `reset log ${this.name}`, this.host.jsTimeoutMs);
    }
  }

  async purge(): Promise<void> {
    try {
      await this.host.jsm.streams.purge(this.name);
    } catch (err) {
      throw jetStreamError(err, `purge log ${this.name}`, this.host.jsTimeoutMs);
    }
  }
}

async function streamInfo(host: LogHost, name: string): Promise<StreamInfo> {
  try {
    return await host.jsm.streams.info(name);
  } catch (err) {
    if (isStreamNotFound(err)) throw new BusError(`log ${name} does not exist`, { cause: err });
    throw jetStreamError(err, `log ${name}`, host.jsTimeoutMs);
  }
}

/** Creates the stream, or updates it when one of that name exists with another configuration. */
async function ensureStream(host: LogHost, name: string, config: ResolvedLogConfig): Promise<StreamInfo> {
  const limits = {
    subjects: [...config.subjects],
    max_msgs: config.maxMessages,
    max_age: nanos(config.maxAgeMs),
    duplicate_window: nanos(config.duplicateWindowMs),
    discard: DiscardPolicy.Old,
  };
  try {
    // Adding a stream that exists with the same configuration succeeds, so this is idempotent.
    return await host.jsm.streams.add({
      name,
      ...limits,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: 1,
    });
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JsCodes.StreamNameInUse)) {
      throw jetStreamError(err, `create log ${name}`, host.jsTimeoutMs);
    }
  }
  try {
    return await host.jsm.streams.update(name, limits);
  } catch (err) {
    throw jetStreamError(err, `update log ${name}`, host.jsTimeoutMs);
  }
}
