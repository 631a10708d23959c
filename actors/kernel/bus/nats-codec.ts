/**
 * Conversions between the Bus vocabulary and nats.js v3: headers both ways, and nats.js's typed
 * errors mapped onto the bus error classes (the original always kept as `cause`).
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { type MsgHdrs, errors as natsErrors, headers as natsHeaders } from '@nats-io/transport-node';
import type { Headers } from '../../../protocol/bus.js';
import {
  BusClosedError,
  BusError,
  NoRespondersError,
  PayloadTooLargeError,
  RequestTimeoutError,
} from '../../../protocol/errors.js';

/** JetStream API error codes Skiff reacts to (nats-server `server/errors.json`). */
export const JsCodes = {
  StreamNameInUse: 10058,
  StreamNotFound: JetStreamApiCodes.StreamNotFound,
  /** `Nats-Expected-Last-Sequence` did not match: nothing was stored. */
  StreamWrongLastSequence: JetStreamApiCodes.StreamWrongLastSequence,
  /** A clustered stream's leader does not know its last sequence yet (newer servers): nothing stored. */
  StreamWrongLastSequenceUnknown: JetStreamApiCodes.StreamWrongLastSequenceUnknown,
} as const;

/** True when JetStream refused a fenced append because the stream ends elsewhere. */
export function isWrongLastSequence(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JsCodes.StreamWrongLastSequence || err.code === JsCodes.StreamWrongLastSequenceUnknown)
  );
}

/**
 * `PayloadTooLargeError` when `err` is nats.js refusing a message over the server's `max_payload`
 * (an `InvalidArgumentError` "'payload' max_payload size exceeded", thrown before anything is sent);
 * undefined for any other error. The sizes are the caller's: nats.js does not report them.
 */
export function payloadTooLarge(
  err: unknown,
  sizes: { readonly size: number; readonly maxPayload: number },
): PayloadTooLargeError | undefined {
  if (!(err instanceof natsErrors.InvalidArgumentError && err.message.includes('max_payload')))
    return undefined;
  return new PayloadTooLargeError(sizes.size, sizes.maxPayload, { cause: err });
}

/** True when `err` is JetStream's "stream not found". */
export function isStreamNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JsCodes.StreamNotFound;
}

/** Bus headers as nats.js headers; undefined when there are none. */
export function toNatsHeaders(headers: Headers | undefined): MsgHdrs | undefined {
  if (!headers || headers.size === 0) return undefined;
  const h = natsHeaders();
  for (const [name, value] of headers) h.set(name, value);
  return h;
}

/**
 * nats.js headers as bus headers; undefined when there are none. `withoutProtocol` drops `Nats-*`
 * names (the stored `Nats-Msg-Id`, status lines) so a log entry carries only what the caller appended.
 */
export function fromNatsHeaders(h: MsgHdrs | undefined, withoutProtocol = false): Headers | undefined {
  if (!h) return undefined;
  const out = new Map<string, string>();
  for (const [name, values] of h) {
    if (withoutProtocol && name.toLowerCase().startsWith('nats-')) continue;
    out.set(name, values.join(','));
  }
  return out.size > 0 ? out : undefined;
}

/** Maps a failed core request to `NoRespondersError`, `RequestTimeoutError`, `BusClosedError` or `BusError`. */
export function requestError(err: unknown, subject: string, timeoutMs: number): Error {
  if (err instanceof natsErrors.RequestError) {
    if (err.isNoResponders()) return new NoRespondersError(subject, { cause: err });
    if (err.cause instanceof natsErrors.TimeoutError)
      return new RequestTimeoutError(subject, timeoutMs, { cause: err });
  }
  // nats.js 3.4 rejects a timed-out request with a bare TimeoutError, not a RequestError around it.
  if (err instanceof natsErrors.TimeoutError)
    return new RequestTimeoutError(subject, timeoutMs, { cause: err });
  if (err instanceof natsErrors.NoRespondersError) return new NoRespondersError(subject, { cause: err });
  return natsError(err, `request to ${subject} failed`);
}

/** Maps a failed JetStream call (append, stream info, ...) to a bus error. */
export function jetStreamError(err: unknown, what: string, timeoutMs: number): Error {
  if (err instanceof BusError) return err;
  // A JetStream publish nobody stores fails as "no responders" and nats.js reports it as
  // JetStreamNotEnabled, which misleads: say what actually happened.
  // The class is not exported from the package's public entry point, hence the name check.
  if (err instanceof Error && err.name === 'JetStreamNotEnabled') {
    return new BusError(
      `${what}: no JetStream stream answered (JetStream disabled, or no log captures the subject)`,
      {
        cause: err,
      },
    );
  }
  if (err instanceof natsErrors.TimeoutError || (err instanceof natsErrors.RequestError && isTimeout(err))) {
    return new RequestTimeoutError(what, timeoutMs, { cause: err });
  }
  if (err instanceof JetStreamApiError) return new BusError(`${what}: ${err.message}`, { cause: err });
  return natsError(err, what);
}

function isTimeout(err: Error): boolean {
  return err.cause instanceof natsErrors.TimeoutError;
}

/** Maps any other nats.js failure: `BusClosedError` on a closed or draining connection, else `BusError`. */
export function natsError(err: unknown, what: string): Error {
  if (err instanceof natsErrors.ClosedConnectionError || err instanceof natsErrors.DrainingConnectionError) {
    return new BusClosedError({ cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new BusError(`${what}: ${message}`, { cause: err });
}
