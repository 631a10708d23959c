/**
 * The pieces around `NatsLogReader`: what it needs from its bus, the trim check it proves
 * completeness with, and small helpers. Split out so the reader file holds the reader alone.
 */
import type { JetStreamClient, JetStreamManager, StreamState } from '@nats-io/jetstream';
import type { BusLogger, BusStatus } from '../../../protocol/bus.js';
import { BusError, LogExpiredError } from '../../../protocol/errors.js';

/** What a reader needs from the `NatsBus` that made it. */
export interface ReaderHost {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly logger: BusLogger;
  readonly jsTimeoutMs: number;
  /** Connection status changes (the reader acts on reconnects). */
  onStatus(listener: (status: BusStatus) => void): () => void;
  /** Registers a live reader (or consumer member) so that closing the bus closes it. */
  track(reader: BusClosable): void;
  /** Forgets a reader that has stopped. */
  release(reader: BusClosable): void;
}

/** Something the bus stops when it closes: a log reader or a consumer member. */
export interface BusClosable {
  /** Stops because the bus is closing; `closed` resolves with `reason`. */
  shutdown(reason: Error): Promise<void>;
}

/** One stream info, and which receipts it vouches for (those numbered <= coverage). */
export interface TrimCheck {
  readonly coverage: number;
  readonly firstSeq: number;
  /** The stream was deleted and created again since the reader started. */
  readonly replaced: boolean;
}

/** The oldest retained sequence; JetStream reports 0 for a never-written stream, hence the rule. */
export function firstSeqOf(state: StreamState): number {
  return state.messages === 0 ? state.last_seq + 1 : state.first_seq;
}

export const RECONNECTED = Symbol('reconnected');

/** A one-shot event fired at the next reconnect: `fired` resolves (to RECONNECTED) on `fire`. */
export function reconnectSignal(): { fired: Promise<typeof RECONNECTED>; fire(): void } {
  let fire!: () => void;
  const fired = new Promise<typeof RECONNECTED>((resolve) => {
    fire = () => resolve(RECONNECTED);
  });
  return { fired, fire };
}

/**
 * The expiry a trim check proves for a reader that needs everything from `from` on: the stream was
 * replaced, or its oldest entry is past `from`. Undefined when nothing the reader needs is gone.
 */
export function expiryFromTrimCheck(check: TrimCheck, from: number): LogExpiredError | undefined {
  return check.replaced || check.firstSeq > from ? new LogExpiredError(from, check.firstSeq) : undefined;
}

/** Any thrown value as an Error (a handler may throw anything). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new BusError('log reader handler failed', { cause: err });
}
