/**
 * Checks both buses apply before anything reaches the wire, so that a mistake fails the same way
 * in-process as on NATS (where the server would otherwise drop or reject it far from the caller).
 */
import { BusError, type Headers } from './bus.js';

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
