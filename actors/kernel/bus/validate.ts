/**
 * Checks both buses apply before anything reaches the wire, so that a mistake fails the same way
 * in-process as on NATS (where the server would otherwise drop or reject it far from the caller).
 */
import { type AppendOptions, encoder, type Headers } from '../../../protocol/bus.js';
import { BusError, PayloadTooLargeError } from '../../../protocol/errors.js';

const WHITESPACE = /\s/;
const LOG_NAME = /^[A-Za-z0-9_-]+$/;
// RFC 7230 token characters: what NATS (and HTTP) accept as a header name.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function tokensOf(subject: string, what: string): string[] {
  if (subject === '' || WHITESPACE.test(subject)) {
    throw new BusError(`invalid ${what} ${JSON.stringify(subject)}: empty or contains whitespace`);
  }
  const tokens = subject.split('.');
  if (tokens.some((t) => t === ''))
    throw new BusError(`invalid ${what} ${JSON.stringify(subject)}: empty token`);
  return tokens;
}

/** Throws `BusError` unless `subject` is a concrete subject (no wildcards, no empty tokens). */
export function assertPublishSubject(subject: string): void {
  const tokens = tokensOf(subject, 'subject');
  if (tokens.some((t) => t === '*' || t === '>')) {
    throw new BusError(`invalid subject ${JSON.stringify(subject)}: wildcards are for subscriptions only`);
  }
}

/** Throws `BusError` unless `pattern` is a valid subscription pattern (`>` only as the last token). */
export function assertPattern(pattern: string): void {
  const tokens = tokensOf(pattern, 'subject pattern');
  const tail = tokens.indexOf('>');
  if (tail !== -1 && tail !== tokens.length - 1) {
    throw new BusError(`invalid subject pattern ${JSON.stringify(pattern)}: '>' must be the last token`);
  }
}

/** Throws `BusError` unless `name` can name a JetStream stream (and so any log): `[A-Za-z0-9_-]+`. */
export function assertLogName(name: string): void {
  if (!LOG_NAME.test(name)) {
    throw new BusError(`invalid log name ${JSON.stringify(name)}: use letters, digits, '_' and '-'`);
  }
}

/** Throws `BusError` on a header NATS would refuse: a non-token name, or a value with CR/LF. */
export function assertHeaders(headers: Headers | undefined): void {
  if (!headers) return;
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) throw new BusError(`invalid header name ${JSON.stringify(name)}`);
    if (/[\r\n]/.test(value)) throw new BusError(`invalid value for header ${name}: contains CR or LF`);
  }
}

/**
 * Bytes NATS puts on the wire for a header block: `NATS/1.0` then `\r\nName: value` per header, then
 * `\r\n\r\n`; nothing at all without headers. nats.js trims values, so this does too.
 */
export function encodedHeadersSize(headers: Iterable<readonly [string, string]> | undefined): number {
  let size = 0;
  for (const [name, value] of headers ?? []) {
    size += 4 + encoder.encode(name).length + encoder.encode(value.trim()).length;
  }
  return size === 0 ? 0 : 'NATS/1.0'.length + size + 4;
}

/** Payload plus encoded headers: what NATS compares with `max_payload`. */
export function messageSize(data: Uint8Array, headers: Headers | undefined): number {
  return data.length + encodedHeadersSize(headers);
}

/**
 * The size of an append as JetStream receives it: the caller's headers plus the `Nats-Msg-Id` and
 * `Nats-Expected-Last-Sequence` headers the client adds for `msgId` and `expectedLastSeq`.
 */
export function appendSize(data: Uint8Array, options: AppendOptions | undefined): number {
  const headers = new Map(options?.headers);
  if (options?.msgId !== undefined) headers.set('Nats-Msg-Id', options.msgId);
  if (options?.expectedLastSeq !== undefined) {
    headers.set('Nats-Expected-Last-Sequence', String(options.expectedLastSeq));
  }
  return data.length + encodedHeadersSize(headers);
}

/** Throws `PayloadTooLargeError` when a message of `size` bytes exceeds `maxPayload`. */
export function assertFits(size: number, maxPayload: number): void {
  if (size > maxPayload) throw new PayloadTooLargeError(size, maxPayload);
}

/** Throws `BusError` unless `expectedLastSeq` is absent or a sequence (an integer >= 0). */
export function assertExpectedLastSeq(expectedLastSeq: number | undefined): void {
  if (expectedLastSeq === undefined) return;
  if (!Number.isSafeInteger(expectedLastSeq) || expectedLastSeq < 0) {
    throw new BusError(`invalid expectedLastSeq ${expectedLastSeq}: use an integer >= 0`);
  }
}

/** Log settings with every default filled in; `maxAgeMs` 0 means unlimited. */
export interface ResolvedLogConfig {
  readonly subjects: readonly string[];
  readonly maxMessages: number;
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
}

const DEFAULT_MAX_MESSAGES = 1_000_000;
const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

/** Validates a log config and fills in the defaults documented on `EventLogConfig`. */
export function resolveLogConfig(config: {
  readonly subjects: readonly string[];
  readonly maxMessages?: number;
  readonly maxAgeMs?: number;
  readonly duplicateWindowMs?: number;
}): ResolvedLogConfig {
  if (config.subjects.length === 0) throw new BusError('a log needs at least one subject');
  for (const s of config.subjects) assertPattern(s);
  const maxMessages = config.maxMessages ?? DEFAULT_MAX_MESSAGES;
  const maxAgeMs = config.maxAgeMs ?? 0;
  const window = config.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  if (!Number.isInteger(maxMessages) || maxMessages < 1)
    throw new BusError('maxMessages must be an integer >= 1');
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) throw new BusError('maxAgeMs must be >= 0');
  if (!Number.isFinite(window) || window <= 0) throw new BusError('duplicateWindowMs must be > 0');
  // JetStream refuses a duplicate window longer than the maximum age; both buses clamp it instead.
  const duplicateWindowMs = maxAgeMs > 0 ? Math.min(window, maxAgeMs) : window;
  return { subjects: [...config.subjects], maxMessages, maxAgeMs, duplicateWindowMs };
}

/** True when some subject matches both patterns (JetStream refuses streams whose subjects overlap). */
export function patternsOverlap(a: string, b: string): boolean {
  const ta = a.split('.');
  const tb = b.split('.');
  for (let i = 0; ; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined || y === undefined) return x === y;
    if (x === '>' || y === '>') return true;
    if (x !== '*' && y !== '*' && x !== y) return false;
  }
}
