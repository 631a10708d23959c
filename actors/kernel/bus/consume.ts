/**
 * Durable, shared consumers on an `EventLog`: the vocabulary both buses implement (`memory-consumer.ts`,
 * `nats-consumer.ts`) and the contract suite checks (`consume-contract.ts`).
 *
 * A consumer is named. Everything opened under one name on one log is one consumer with several
 * members (API server replicas): each entry goes to one member at a time, and the consumer's position
 * lives with the log, not with its members, so it survives their restarts. Delivery is at least once:
 * an entry comes again when its handler answers 'retry' or throws (after `retryDelayMs`), or when no
 * answer arrives within `ackWaitMs` (the member died, or its handler is slower than that). Each member
 * handles one entry at a time; on NATS this is a durable pull consumer with explicit acks.
 *
 *   log ──▶ consumer "apiserver" (position, in-flight entries, redeliveries)
 *              ├──▶ member A: handler(entry) ──▶ 'ack' | 'retry'
 *              └──▶ member B: handler(entry) ──▶ 'ack' | 'retry'
 */

import type {
  BusLogger,
  ConsumedEntry,
  ConsumeHandler,
  ConsumeOptions,
  ConsumeOutcome,
} from '../../../protocol/bus.js';
import { BusError } from '../../../protocol/errors.js';

/** `ConsumeOptions` with every default filled in; `maxDeliver` 0 means unlimited. */
export interface ResolvedConsumeOptions {
  readonly filter: string | undefined;
  readonly maxDeliver: number;
  readonly retryDelayMs: number;
  readonly ackWaitMs: number;
  readonly maxInFlight: number;
}

const DEFAULT_RETRY_DELAY_MS = 1_000;
const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_MAX_IN_FLIGHT = 1_000;
const CONSUMER_NAME = /^[A-Za-z0-9_-]+$/;

/** Throws `BusError` unless `name` can name a JetStream durable consumer: `[A-Za-z0-9_-]+`. */
export function assertConsumerName(name: string): void {
  if (!CONSUMER_NAME.test(name)) {
    throw new BusError(`invalid consumer name ${JSON.stringify(name)}: use letters, digits, '_' and '-'`);
  }
}

/** Validates consume options and fills in the defaults documented on `ConsumeOptions`. */
export function resolveConsumeOptions(options: ConsumeOptions = {}): ResolvedConsumeOptions {
  const maxDeliver = options.maxDeliver ?? 0;
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxDeliver) || maxDeliver < 0)
    throw new BusError('maxDeliver must be an integer >= 1');
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0) throw new BusError('retryDelayMs must be >= 0');
  // JetStream keeps ack_wait in nanoseconds but pull requests are refused below a second of expiry;
  // 100 ms is the shortest wait that still means something on a real network.
  if (!Number.isFinite(ackWaitMs) || ackWaitMs < 100) throw new BusError('ackWaitMs must be >= 100');
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
    throw new BusError('maxInFlight must be an integer >= 1');
  return { filter: options.filter, maxDeliver, retryDelayMs, ackWaitMs, maxInFlight };
}

/** Where a delivery came from, for log lines. */
export interface ConsumerLabel {
  readonly log: string;
  readonly consumer: string;
}

/** Runs a handler for one entry, turning a throw (or a nonsense answer) into a logged 'retry'. */
export async function runConsumeHandler(
  handler: ConsumeHandler,
  entry: ConsumedEntry,
  logger: BusLogger,
  label: ConsumerLabel,
): Promise<ConsumeOutcome> {
  try {
    const outcome: unknown = await handler(entry);
    if (outcome === 'ack' || outcome === 'retry') return outcome;
    logger.error(
      { ...label, seq: entry.seq, outcome },
      "consumer handler answered neither 'ack' nor 'retry'",
    );
  } catch (err) {
    logger.warn(
      { ...label, seq: entry.seq, deliveryCount: entry.deliveryCount, err },
      'consumer handler failed: the entry will be redelivered',
    );
  }
  return 'retry';
}
